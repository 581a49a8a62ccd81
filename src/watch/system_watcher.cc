#include "watch/system_watcher.h"

#include <utility>

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;

struct PolledType {
  std::string_view type;
  std::string_view why;
};

constexpr std::string_view kNetwork =
    "a network file system: changes made by other machines never reach "
    "inotify";
constexpr std::string_view kCluster =
    "a cluster file system: changes made by other nodes never reach inotify";
constexpr std::string_view kVmShare =
    "a share of the host: changes made on the host never reach inotify";
constexpr std::string_view kFuse =
    "a FUSE file system: changes made behind it may never reach inotify";

constexpr PolledType kPolledTypes[] = {
    {"nfs", kNetwork},      {"nfs4", kNetwork},    {"cifs", kNetwork},
    {"smb3", kNetwork},     {"smbfs", kNetwork},   {"ncpfs", kNetwork},
    {"afs", kNetwork},      {"ceph", kNetwork},    {"glusterfs", kNetwork},
    {"lustre", kNetwork},   {"gpfs", kNetwork},    {"beegfs", kNetwork},
    {"orangefs", kNetwork}, {"davfs", kNetwork},   {"ocfs2", kCluster},
    {"gfs2", kCluster},     {"9p", kVmShare},      {"virtiofs", kVmShare},
    {"vboxsf", kVmShare},   {"vmhgfs", kVmShare},  {"drvfs", kVmShare},
};

// FUSE drivers of a local disk: every change goes through this kernel.
constexpr std::string_view kLocalFuse[] = {"fuseblk", "fuse.ntfs-3g",
                                           "fuse.exfat"};

}  // namespace

std::optional<std::string> PolledFileSystemReason(std::string_view type) {
  for (std::string_view local : kLocalFuse) {
    if (type == local) return std::nullopt;
  }
  std::string_view why;
  for (const PolledType& p : kPolledTypes) {
    if (type == p.type) why = p.why;
  }
  if (why.empty() && (type == "fuse" || type.starts_with("fuse."))) {
    why = kFuse;
  }
  if (why.empty()) return std::nullopt;
  return std::string(type) + " is " + std::string(why) + ", so it is polled";
}

std::unique_ptr<SystemWatcher> SystemWatcher::Create(
    os::FileSystem& fs, os::Clock& clock, SystemWatcherOptions options) {
  return std::unique_ptr<SystemWatcher>(
      new SystemWatcher(fs, clock, options));
}

std::unique_ptr<SystemWatcher> NewSystemWatcher(os::FileSystem& fs,
                                                os::Clock& clock,
                                                SystemWatcherOptions options) {
  return SystemWatcher::Create(fs, clock, options);
}

SystemWatcher::SystemWatcher(os::FileSystem& fs, os::Clock& clock,
                             SystemWatcherOptions options)
    : fs_(fs),
      queue_(std::make_shared<EventQueue>(options.queue_capacity)) {
  InotifyOptions inotify;
  inotify.queue = queue_;
  inotify.max_watches_for_testing = options.max_inotify_watches_for_testing;
  Result<std::unique_ptr<InotifyWatcher>> created =
      InotifyWatcher::Create(std::move(inotify));
  if (created) {
    inotify_ = std::move(*created);
  } else {
    inotify_error_ = created.error().ToString();
  }
  PollOptions poll;
  poll.queue = queue_;
  poll.thread = options.poll_thread;
  poll_ = PollWatcher::Create(fs, clock, std::move(poll));
}

SystemWatcher::~SystemWatcher() = default;

std::string SystemWatcher::PollReason(const std::string& path,
                                      const WatchOptions& options) {
  if (options.force == WatchOptions::Force::kPolling) {
    return "polling was asked for";
  }
  // A file system that cannot tell its type is taken as local.
  const Result<FileSystemIdentity> id = fs_.IdentifyFileSystem(path);
  if (id) {
    if (std::optional<std::string> why = PolledFileSystemReason(id->type)) {
      return *why;
    }
  }
  if (!inotify_) return "inotify is unavailable: " + inotify_error_;
  return "";
}

RootWatchState SystemWatcher::Record(RootId root, const std::string& path,
                                     const WatchOptions& options,
                                     RootWatchState state) {
  util::MutexLock lock(mu_);
  roots_.insert_or_assign(root,
                          Root{path, options, state.method, state.reason});
  return state;
}

Result<RootWatchState> SystemWatcher::StartPolling(
    RootId root, const std::string& path, const WatchOptions& options,
    const std::string& reason) {
  PHODEX_ASSIGN_OR_RETURN(RootWatchState state,
                          poll_->AddRoot(root, path, options));
  if (state.method == WatchMethod::kPolling) state.reason = reason;
  return Record(root, path, options, std::move(state));
}

Result<RootWatchState> SystemWatcher::AddRoot(RootId root,
                                              const std::string& path,
                                              const WatchOptions& options) {
  RemoveRoot(root);
  const Result<FileStat> top = fs_.Stat(path, os::Follow::kYes);
  if (!top) {
    RootWatchState state;
    state.root = root;
    state.method = WatchMethod::kOffline;
    state.reason = top.error().ToString();
    return Record(root, path, options, std::move(state));
  }
  if (top->type != FileType::kDirectory) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "watch",
                     path);
  }
  std::string reason = PollReason(path, options);
  if (reason.empty()) {
    PHODEX_ASSIGN_OR_RETURN(RootWatchState state,
                            inotify_->AddRoot(root, path, options));
    if (state.method != WatchMethod::kPolling) {
      return Record(root, path, options, std::move(state));
    }
    reason = state.reason;  // inotify gave it up: polled instead
  }
  return StartPolling(root, path, options, reason);
}

void SystemWatcher::RemoveRoot(RootId root) {
  {
    util::MutexLock lock(mu_);
    roots_.erase(root);
  }
  if (inotify_) inotify_->RemoveRoot(root);
  poll_->RemoveRoot(root);
}

std::vector<WatchEvent> SystemWatcher::Poll(size_t max,
                                            std::chrono::milliseconds timeout) {
  std::vector<WatchEvent> events = queue_->Poll(max, timeout);
  for (const WatchEvent& e : events) {
    if (e.kind == Kind::kRootGone ||
        (e.kind == Kind::kWatchLost && e.dir.empty())) {
      OnRootEvent(e);
    }
  }
  return events;
}

void SystemWatcher::OnRootEvent(const WatchEvent& event) {
  std::string path;
  WatchOptions options;
  {
    util::MutexLock lock(mu_);
    const auto it = roots_.find(event.root);
    if (it == roots_.end()) return;
    if (event.kind == Kind::kRootGone) {
      it->second.method = WatchMethod::kOffline;
      it->second.reason =
          event.error ? event.error->ToString() : "the root's folder is gone";
      return;
    }
    if (it->second.method != WatchMethod::kInotify) return;
    path = it->second.path;
    options = it->second.options;
  }
  std::string reason;
  for (const RootWatchState& s : inotify_->States()) {
    if (s.root == event.root && s.method == WatchMethod::kPolling) {
      reason = s.reason;
    }
  }
  if (reason.empty()) return;  // still watched
  inotify_->RemoveRoot(event.root);
  const Result<RootWatchState> polled =
      StartPolling(event.root, path, options, reason);
  if (!polled) {
    // No longer a folder: offline until the service adds it again.
    RootWatchState state;
    state.root = event.root;
    state.method = WatchMethod::kOffline;
    state.reason = polled.error().ToString();
    (void)Record(event.root, path, options, std::move(state));  // kept
  }
}

void SystemWatcher::Wake() { queue_->Wake(); }

std::vector<RootWatchState> SystemWatcher::States() {
  std::map<RootId, RootWatchState> inotify;
  if (inotify_) {
    for (RootWatchState& s : inotify_->States()) inotify[s.root] = std::move(s);
  }
  std::map<RootId, RootWatchState> polled;
  for (RootWatchState& s : poll_->States()) polled[s.root] = std::move(s);
  util::MutexLock lock(mu_);
  std::vector<RootWatchState> out;
  for (const auto& [id, root] : roots_) {
    RootWatchState state;
    const auto& backend =
        root.method == WatchMethod::kInotify ? inotify : polled;
    const auto it = backend.find(id);
    if (root.method != WatchMethod::kOffline && it != backend.end()) {
      state = it->second;
      if (root.method == WatchMethod::kPolling &&
          state.method == WatchMethod::kPolling) {
        state.reason = root.reason;
      }
    } else {
      state.method = root.method;
      state.reason = root.reason;
    }
    state.root = id;
    out.push_back(std::move(state));
  }
  return out;
}

}  // namespace phodex::watch
