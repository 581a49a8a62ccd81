#include "watch/inotify_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <fstream>
#include <utility>

#include "os/file_system.h"

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;

constexpr uint32_t kWatchMask =
    IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE |
    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
    IN_DONT_FOLLOW | IN_EXCL_UNLINK;

constexpr std::string_view kOutOfWatches = "out of inotify watches";
constexpr int64_t kRecommendedWatches = 131072;
// How long the reader waits for the IN_MOVED_TO of a folder's
// IN_MOVED_FROM that ended a read: the kernel queues the two one after
// the other, rarely split by a read.
constexpr int kMovePairWaitMs = 5;
constexpr size_t kReadBufferBytes = 64 * 1024;

// The sub-folders of `abs` (not following links); empty when it cannot be
// listed (it vanished: its parent's event tells).
std::vector<std::string> SubFolders(const std::string& abs) {
  std::vector<std::string> out;
  const int fd = ::open(abs.c_str(),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return out;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return out;
  }
  while (const struct dirent* de = ::readdir(d)) {
    const std::string_view name = de->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = de->d_type == DT_DIR;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
               S_ISDIR(st.st_mode);
    }
    if (is_dir) out.emplace_back(name);
  }
  ::closedir(d);  // closes fd
  return out;
}

Error OutOfWatchesError(const std::string& abs) {
  return Error(ErrorCode::kIo, OutOfWatchesReason(MaxUserWatches()),
               "inotify_add_watch", abs);
}

WatchEvent MakeEvent(Kind kind, RootId root, std::string dir) {
  WatchEvent e;
  e.kind = kind;
  e.root = root;
  e.dir = std::move(dir);
  return e;
}

}  // namespace

bool IsOutOfWatches(const Error& error) {
  return error.message().starts_with(kOutOfWatches);
}

std::string OutOfWatchesReason(int64_t limit) {
  const int64_t ask =
      limit >= kRecommendedWatches ? 2 * limit : kRecommendedWatches;
  std::string reason(kOutOfWatches);
  if (limit > 0) {
    reason += " (fs.inotify.max_user_watches = " + std::to_string(limit) +
              "): raise it to " + std::to_string(ask);
  } else {
    reason += ": raise fs.inotify.max_user_watches to " + std::to_string(ask);
  }
  return reason + " (packaging/sysctl.d/90-phodex-inotify.conf)";
}

int64_t MaxUserWatches() {
  std::ifstream in("/proc/sys/fs/inotify/max_user_watches");
  int64_t limit = 0;
  if (!(in >> limit)) return 0;
  return limit;
}

Result<std::unique_ptr<InotifyWatcher>> InotifyWatcher::Create(
    InotifyOptions options) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EMFILE) {
      return MakeError(ErrorCode::kIo,
                       "out of inotify instances: raise "
                       "fs.inotify.max_user_instances",
                       "inotify_init1");
    }
    return ErrnoError(err, "inotify_init1");
  }
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, "eventfd");
  }
  return std::unique_ptr<InotifyWatcher>(
      new InotifyWatcher(fd, wake, std::move(options)));
}

InotifyWatcher::InotifyWatcher(int inotify_fd, int wake_fd,
                               InotifyOptions options)
    : inotify_fd_(inotify_fd),
      wake_fd_(wake_fd),
      max_watches_(options.max_watches_for_testing),
      queue_(options.queue ? std::move(options.queue)
                           : std::make_shared<EventQueue>(
                                 options.queue_capacity)) {
  reader_ = std::thread([this] { ReadLoop(); });
}

InotifyWatcher::~InotifyWatcher() {
  const uint64_t one = 1;
  while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  reader_.join();
  ::close(inotify_fd_);  // drops every watch
  ::close(wake_fd_);
}

// ---------------------------------------------------------------------------
// Roots and watches

Result<RootWatchState> InotifyWatcher::AddRoot(RootId root,
                                               const std::string& path,
                                               const WatchOptions& options) {
  RemoveRoot(root);
  RootWatchState state;
  state.root = root;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    state.method = WatchMethod::kOffline;
    state.reason = Error::FromErrno(errno, "stat", path).ToString();
    return state;
  }
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "watch",
                     path);
  }
  uint64_t generation = 0;
  {
    util::MutexLock lock(mu_);
    generation = next_generation_++;
    state.method = WatchMethod::kInotify;
    roots_.insert_or_assign(
        root, Root{path, WatchFilter(options, path), generation, state});
  }
  const Status added = AddTree(root, generation, "");
  util::MutexLock lock(mu_);
  const auto it = roots_.find(root);
  if (it == roots_.end() || it->second.generation != generation) {
    state.method = WatchMethod::kOffline;  // removed meanwhile
    state.reason = "removed while being added";
    return state;
  }
  if (!added) {
    DropTreeLocked(root, "");
    roots_.erase(it);
    const bool missing = added.error().code() == ErrorCode::kNotFound;
    state.method = missing ? WatchMethod::kOffline : WatchMethod::kPolling;
    state.reason = IsOutOfWatches(added.error()) ? added.error().message()
                                                 : added.error().ToString();
    return state;
  }
  return it->second.state;
}

void InotifyWatcher::RemoveRoot(RootId root) {
  {
    util::MutexLock lock(mu_);
    DropTreeLocked(root, "");
    roots_.erase(root);
  }
  queue_->Forget(root);
}

Status InotifyWatcher::AddTree(RootId root, uint64_t generation,
                               const std::string& rel) {
  // The root's path and filter are immutable while its generation
  // lives: copies let the walk run without the lock.
  std::string root_path;
  std::optional<WatchFilter> filter;
  {
    util::MutexLock lock(mu_);
    const auto it = roots_.find(root);
    if (it == roots_.end() || it->second.generation != generation) return {};
    root_path = it->second.path;
    filter.emplace(it->second.filter);
  }
  std::vector<std::string> stack = {rel};
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    const std::string abs = AbsPath(root_path, dir);
    const Result<AddResult> added = AddWatch(root, generation, dir, abs);
    if (!added) {
      if (dir == rel || IsOutOfWatches(added.error())) {
        return std::unexpected(added.error());
      }
      queue_->Push([&] {
        WatchEvent e = MakeEvent(Kind::kWatchLost, root, dir);
        e.error = added.error();
        return e;
      }());
      continue;
    }
    if (*added == AddResult::kFailed) return {};  // root gone meanwhile
    if (*added == AddResult::kSkipped) {
      if (dir == rel) {
        return MakeError(ErrorCode::kNotFound, "folder vanished",
                         "inotify_add_watch", abs);
      }
      continue;
    }
    for (const std::string& name : SubFolders(abs)) {
      std::string child = JoinRel(dir, name);
      if (!filter->ExcludesFolder(name, child)) stack.push_back(std::move(child));
    }
  }
  return {};
}

Result<InotifyWatcher::AddResult> InotifyWatcher::AddWatch(
    RootId root, uint64_t generation, const std::string& rel,
    const std::string& abs) {
  util::MutexLock lock(mu_);
  const auto root_it = roots_.find(root);
  if (root_it == roots_.end() || root_it->second.generation != generation) {
    return AddResult::kFailed;
  }
  if (max_watches_ > 0 && static_cast<int64_t>(dirs_.size()) >= max_watches_ &&
      !wds_.count({root, rel})) {
    return std::unexpected(OutOfWatchesError(abs));
  }
  const int wd = ::inotify_add_watch(inotify_fd_, abs.c_str(), kWatchMask);
  if (wd < 0) {
    const int err = errno;
    if (err == ENOSPC) return std::unexpected(OutOfWatchesError(abs));
    if (err == ENOENT || err == ENOTDIR || err == ELOOP) {
      return AddResult::kSkipped;
    }
    return ErrnoError(err, "inotify_add_watch", abs);
  }
  const auto [it, inserted] = dirs_.try_emplace(wd, Dir{root, rel});
  if (!inserted) {
    // The same folder under another path (a bind mount): watched once.
    if (it->second.root != root || it->second.rel != rel) {
      return AddResult::kSkipped;
    }
    return AddResult::kAdded;
  }
  // A folder replaced by a new one of the same name: the old watch's
  // IN_IGNORED is on its way.
  const auto [path_it, path_new] = wds_.try_emplace({root, rel}, wd);
  if (!path_new) {
    dirs_.erase(path_it->second);
    path_it->second = wd;
  } else {
    ++root_it->second.state.folders;
  }
  return AddResult::kAdded;
}

void InotifyWatcher::ForgetWdLocked(int wd) {
  const auto it = dirs_.find(wd);
  if (it == dirs_.end()) return;
  const auto path_it = wds_.find({it->second.root, it->second.rel});
  if (path_it != wds_.end() && path_it->second == wd) {
    wds_.erase(path_it);
    const auto root_it = roots_.find(it->second.root);
    if (root_it != roots_.end()) --root_it->second.state.folders;
  }
  dirs_.erase(it);
}

void InotifyWatcher::DropTreeLocked(RootId root, const std::string& rel) {
  std::vector<int> drop;
  for (auto it = wds_.lower_bound({root, rel});
       it != wds_.end() && it->first.first == root; ++it) {
    const std::string& r = it->first.second;
    const bool below = rel.empty() || r == rel ||
                       (r.size() > rel.size() && r.starts_with(rel) &&
                        r[rel.size()] == '/');
    if (!below) {
      if (!r.starts_with(rel)) break;
      continue;  // "a-b" sorts between "a" and "a/b"
    }
    drop.push_back(it->second);
  }
  for (int wd : drop) {
    ForgetWdLocked(wd);
    // Its IN_IGNORED then finds no folder.
    // Fails only for a watch the kernel dropped already: nothing to do.
    (void)::inotify_rm_watch(inotify_fd_, wd);
  }
}

bool InotifyWatcher::IsWatchedLocked(RootId root,
                                           const std::string& rel) {
  return wds_.count({root, rel}) > 0;
}

void InotifyWatcher::MoveTreeLocked(const PendingMove& from, RootId root,
                                    const std::string& rel) {
  std::vector<std::pair<int, std::string>> moved;  // wd, new rel
  for (auto it = wds_.lower_bound({from.root, from.rel});
       it != wds_.end() && it->first.first == from.root; ++it) {
    const std::string& r = it->first.second;
    if (!r.starts_with(from.rel)) break;
    if (r.size() == from.rel.size()) {
      moved.emplace_back(it->second, rel);
    } else if (r[from.rel.size()] == '/') {
      moved.emplace_back(it->second, rel + r.substr(from.rel.size()));
    }
  }
  const auto to_root = roots_.find(root);
  if (to_root == roots_.end()) {
    DropTreeLocked(from.root, from.rel);
    return;
  }
  for (const auto& [wd, new_rel] : moved) {
    const Dir old = dirs_.at(wd);
    wds_.erase({old.root, old.rel});
    if (old.root != root) {
      const auto from_root = roots_.find(old.root);
      if (from_root != roots_.end()) --from_root->second.state.folders;
      ++to_root->second.state.folders;
    }
    dirs_[wd] = Dir{root, new_rel};
    const auto [it, inserted] = wds_.try_emplace({root, new_rel}, wd);
    if (!inserted) {
      // A stale entry at the new path (its IN_IGNORED pending).
      dirs_.erase(it->second);
      --to_root->second.state.folders;
      it->second = wd;
    }
  }
}

void InotifyWatcher::AbandonRootLocked(RootId root, WatchMethod method,
                                       const std::string& reason) {
  DropTreeLocked(root, "");
  const auto it = roots_.find(root);
  if (it == roots_.end()) return;
  it->second.state.method = method;
  it->second.state.reason = reason;
  it->second.state.folders = 0;
}

std::vector<WatchEvent> InotifyWatcher::Poll(
    size_t max, std::chrono::milliseconds timeout) {
  return queue_->Poll(max, timeout);
}

void InotifyWatcher::Wake() { queue_->Wake(); }

std::vector<RootWatchState> InotifyWatcher::States() {
  util::MutexLock lock(mu_);
  std::vector<RootWatchState> out;
  for (const auto& [id, root] : roots_) out.push_back(root.state);
  return out;
}

// ---------------------------------------------------------------------------
// The reader thread

void InotifyWatcher::ReadLoop() {
  struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) != 0 && !ReadAvailable()) return;
  }
}

bool InotifyWatcher::ReadAvailable() {
  alignas(struct inotify_event) char buf[kReadBufferBytes];
  for (;;) {
    const ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return false;
      if (!pending_move_) return true;
      // A folder's IN_MOVED_FROM ended the read: its IN_MOVED_TO may be
      // a moment behind.
      struct pollfd pfd = {inotify_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, kMovePairWaitMs) > 0) continue;
      ResolvePendingMove();
      return true;
    }
    for (ssize_t off = 0; off < len;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + off);
      Handle(*ev);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
    }
  }
}

void InotifyWatcher::ResolvePendingMove() {
  if (!pending_move_) return;
  {
    // Moved out of every watched folder: its watches would report under
    // a path it no longer has.
    util::MutexLock lock(mu_);
    DropTreeLocked(pending_move_->root, pending_move_->rel);
  }
  pending_move_.reset();
}

void InotifyWatcher::Handle(const struct inotify_event& ev) {
  if ((ev.mask & IN_Q_OVERFLOW) != 0) {
    ResolvePendingMove();
    RewatchAfterOverflow();
    return;
  }
  if (pending_move_ && !((ev.mask & IN_MOVED_TO) != 0 &&
                         ev.cookie == pending_move_->cookie)) {
    ResolvePendingMove();
  }
  Dir dir;
  {
    util::MutexLock lock(mu_);
    const auto it = dirs_.find(ev.wd);
    if (it == dirs_.end()) return;  // a dropped watch's late events
    if ((ev.mask & IN_IGNORED) != 0) {
      ForgetWdLocked(ev.wd);
      return;
    }
    dir = it->second;
    const bool self_gone =
        (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) != 0;
    if (self_gone && dir.rel.empty()) {
      const char* why = (ev.mask & IN_UNMOUNT) != 0   ? "unmounted"
                        : (ev.mask & IN_MOVE_SELF) != 0 ? "moved away"
                                                        : "removed";
      const std::string& path = roots_.at(dir.root).path;
      WatchEvent e = MakeEvent(Kind::kRootGone, dir.root, "");
      e.error = Error(ErrorCode::kNotFound,
                      std::string("the root's folder was ") + why, "watch",
                      path);
      AbandonRootLocked(dir.root, WatchMethod::kOffline, e.error->ToString());
      queue_->Push(std::move(e));
      return;
    }
  }
  if ((ev.mask & IN_UNMOUNT) != 0) {
    WatchEvent e = MakeEvent(Kind::kWatchLost, dir.root, dir.rel);
    e.error = Error(ErrorCode::kNotFound, "file system unmounted", "watch");
    queue_->Push(std::move(e));
    return;
  }
  // A sub-folder's own deletion or move is its parent's event.
  if ((ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0) return;
  if (ev.len == 0 || ev.name[0] == '\0') return;  // about the folder itself
  HandleEntry(ev, dir);
}

void InotifyWatcher::HandleEntry(const struct inotify_event& ev,
                                 const Dir& dir) {
  const std::string_view name = ev.name;
  const std::string rel = JoinRel(dir.rel, name);
  const bool is_dir = (ev.mask & IN_ISDIR) != 0;
  bool excluded = false;
  uint64_t generation = 0;
  {
    util::MutexLock lock(mu_);
    const auto it = roots_.find(dir.root);
    if (it == roots_.end()) return;
    const WatchFilter& filter = it->second.filter;
    excluded = is_dir ? filter.ExcludesFolder(name, rel)
                      : filter.ExcludesFile(name, rel);
    generation = it->second.generation;
  }
  WatchEvent e = MakeEvent(Kind::kModified, dir.root, dir.rel);
  e.name = std::string(name);
  e.entry = is_dir ? WatchEvent::Entry::kFolder : WatchEvent::Entry::kFile;
  bool add_tree = false;
  if ((ev.mask & IN_CREATE) != 0) {
    e.kind = Kind::kCreated;
    add_tree = is_dir && !excluded;
  } else if ((ev.mask & IN_DELETE) != 0) {
    e.kind = Kind::kRemoved;
  } else if ((ev.mask & IN_MOVED_FROM) != 0) {
    e.kind = Kind::kMovedFrom;
    e.cookie = ev.cookie;
    if (is_dir) {
      util::MutexLock lock(mu_);
      if (IsWatchedLocked(dir.root, rel)) {
        pending_move_ = PendingMove{ev.cookie, dir.root, rel};
      }
    }
  } else if ((ev.mask & IN_MOVED_TO) != 0) {
    e.kind = Kind::kMovedTo;
    e.cookie = ev.cookie;
    if (is_dir && pending_move_ && pending_move_->cookie == ev.cookie) {
      if (excluded) {
        ResolvePendingMove();
      } else {
        util::MutexLock lock(mu_);
        MoveTreeLocked(*pending_move_, dir.root, rel);
        pending_move_.reset();
      }
    } else {
      add_tree = is_dir && !excluded;
    }
  } else if ((ev.mask & (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)) != 0) {
    e.kind = Kind::kModified;
  } else {
    return;
  }
  if (!excluded) {
    // Under the lock: a RemoveRoot after this forgets it, none before
    // lets it through.
    util::MutexLock lock(mu_);
    const auto it = roots_.find(dir.root);
    if (it == roots_.end() || it->second.generation != generation) return;
    queue_->Push(std::move(e));
  }
  if (add_tree) {
    const Status added = AddTree(dir.root, generation, rel);
    if (!added) OnTreeError(dir.root, rel, added.error());
  }
}

void InotifyWatcher::RewatchAfterOverflow() {
  std::vector<std::pair<RootId, uint64_t>> roots;
  {
    util::MutexLock lock(mu_);
    for (const auto& [id, root] : roots_) {
      if (root.state.method != WatchMethod::kInotify) continue;
      DropTreeLocked(id, "");
      roots.emplace_back(id, root.generation);
    }
  }
  for (const auto& [root, generation] : roots) {
    const Status added = AddTree(root, generation, "");
    if (!added && added.error().code() == ErrorCode::kNotFound) {
      // The root's folder went while its events were lost.
      util::MutexLock lock(mu_);
      const auto it = roots_.find(root);
      if (it == roots_.end() || it->second.generation != generation) continue;
      WatchEvent e = MakeEvent(Kind::kRootGone, root, "");
      e.error = added.error();
      AbandonRootLocked(root, WatchMethod::kOffline, e.error->ToString());
      queue_->Push(std::move(e));
      continue;
    }
    if (!added) OnTreeError(root, "", added.error());
    // Only now: the rescan it asks for starts after every folder is
    // watched again, so nothing falls between the two.
    queue_->PushOverflow(root);
  }
}

void InotifyWatcher::SimulateOverflowForTesting() { RewatchAfterOverflow(); }

void InotifyWatcher::OnTreeError(RootId root, const std::string& rel,
                                 const Error& error) {
  if (error.code() == ErrorCode::kNotFound) return;  // vanished already
  if (!rel.empty() && !IsOutOfWatches(error)) {
    WatchEvent e = MakeEvent(Kind::kWatchLost, root, rel);
    e.error = error;
    queue_->Push(std::move(e));
    return;
  }
  // The root cannot be fully watched any more (out of watches, or its
  // top folder no longer watchable): it is polled instead
  // (system_watcher.h), and rescanned.
  {
    util::MutexLock lock(mu_);
    AbandonRootLocked(root, WatchMethod::kPolling,
                      IsOutOfWatches(error) ? error.message()
                                            : error.ToString());
  }
  WatchEvent e = MakeEvent(Kind::kWatchLost, root, "");
  e.error = error;
  queue_->Push(std::move(e));
}

}  // namespace phodex::watch
