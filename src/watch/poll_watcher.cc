#include "watch/poll_watcher.h"

#include <algorithm>
#include <utility>

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;

// The parent of `rel` ("a/b" -> "a", "a" -> "").
std::string ParentRel(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string BaseRel(const std::string& rel) {
  return std::string(os::BaseName(rel));
}

bool IsBelow(const std::string& rel, const std::string& dir) {
  return rel.size() > dir.size() && rel.starts_with(dir) &&
         rel[dir.size()] == '/';
}

WatchEvent FolderEvent(Kind kind, RootId root, std::string dir,
                       std::string name) {
  WatchEvent e;
  e.kind = kind;
  e.root = root;
  e.dir = std::move(dir);
  e.name = std::move(name);
  e.entry = WatchEvent::Entry::kFolder;
  return e;
}

}  // namespace

std::unique_ptr<PollWatcher> PollWatcher::Create(os::FileSystem& fs,
                                                 os::Clock& clock,
                                                 PollOptions options) {
  return std::unique_ptr<PollWatcher>(
      new PollWatcher(fs, clock, std::move(options)));
}

PollWatcher::PollWatcher(os::FileSystem& fs, os::Clock& clock,
                         PollOptions options)
    : fs_(fs),
      clock_(clock),
      queue_(options.queue ? std::move(options.queue)
                           : std::make_shared<EventQueue>(
                                 options.queue_capacity)) {
  if (options.thread == PollOptions::Thread::kRun) {
    thread_ = std::thread([this] { RunThread(); });
  }
}

PollWatcher::~PollWatcher() {
  {
    util::MutexLock lock(mu_);
    stop_ = true;
    cv_.NotifyAll();
  }
  if (thread_.joinable()) thread_.join();
}

PollWatcher::Stamp PollWatcher::StampOf(const FileStat& st) {
  return Stamp{st.mtime, st.ctime, st.ino};
}

Result<RootWatchState> PollWatcher::AddRoot(RootId root,
                                            const std::string& path,
                                            const WatchOptions& options) {
  RemoveRoot(root);
  RootWatchState state;
  state.root = root;
  const Result<FileStat> top = fs_.Stat(path, os::Follow::kYes);
  if (!top) {
    state.method = WatchMethod::kOffline;
    state.reason = top.error().ToString();
    return state;
  }
  if (top->type != FileType::kDirectory) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "watch",
                     path);
  }
  const WatchFilter filter(options, path);
  Folders folders;
  Walk(path, filter, "", StampOf(*top), folders);
  state.method = WatchMethod::kPolling;
  state.folders = static_cast<int64_t>(folders.size());
  state.last_poll_ns = clock_.NowUnixNs();
  // At least a second: an interval of 0 would poll without pause.
  const int64_t interval_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::max(options.poll_interval, std::chrono::seconds(1)))
          .count();
  util::MutexLock lock(mu_);
  roots_.insert_or_assign(
      root, Root{path, filter, next_generation_++, interval_ns,
                 clock_.MonotonicNs() + interval_ns, false,
                 std::move(folders), state});
  cv_.NotifyAll();
  return state;
}

void PollWatcher::RemoveRoot(RootId root) {
  {
    util::MutexLock lock(mu_);
    roots_.erase(root);
  }
  queue_->Forget(root);
}

std::vector<WatchEvent> PollWatcher::Poll(size_t max,
                                          std::chrono::milliseconds timeout) {
  return queue_->Poll(max, timeout);
}

void PollWatcher::Wake() { queue_->Wake(); }

std::vector<RootWatchState> PollWatcher::States() {
  util::MutexLock lock(mu_);
  std::vector<RootWatchState> out;
  for (const auto& [id, root] : roots_) out.push_back(root.state);
  return out;
}

void PollWatcher::Walk(const std::string& root_path, const WatchFilter& filter,
                       const std::string& rel, const Stamp& stamp,
                       Folders& folders) {
  folders[rel] = stamp;
  std::vector<std::string> stack = {rel};
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    Result<std::vector<os::DirEntry>> entries =
        fs_.ListDir(AbsPath(root_path, dir), os::Follow::kNo);
    if (!entries) continue;  // vanished or unreadable: its stamp stays
    for (const os::DirEntry& entry : *entries) {
      if (!entry.stat || entry.stat->type != FileType::kDirectory) continue;
      std::string child = JoinRel(dir, entry.name);
      if (filter.ExcludesFolder(entry.name, child)) continue;
      folders[child] = StampOf(*entry.stat);
      stack.push_back(std::move(child));
    }
  }
}

int PollWatcher::Step(int64_t now_ns) {
  std::vector<Job> jobs;
  {
    util::MutexLock lock(mu_);
    for (auto& [id, root] : roots_) {
      if (root.busy || root.state.method != WatchMethod::kPolling ||
          root.next_due_ns > now_ns) {
        continue;
      }
      root.busy = true;
      Job job;
      job.root = id;
      job.generation = root.generation;
      job.path = root.path;
      job.filter.emplace(root.filter);
      job.folders = std::move(root.folders);
      jobs.push_back(std::move(job));
    }
  }
  for (Job& job : jobs) PollTree(job);
  util::MutexLock lock(mu_);
  for (Job& job : jobs) {
    const auto it = roots_.find(job.root);
    if (it == roots_.end() || it->second.generation != job.generation) {
      continue;  // removed or added again meanwhile
    }
    Root& root = it->second;
    root.busy = false;
    root.folders = std::move(job.folders);
    root.state.folders = static_cast<int64_t>(root.folders.size());
    root.state.last_poll_ns = clock_.NowUnixNs();
    root.next_due_ns = now_ns + root.interval_ns;
    if (job.gone) {
      root.state.method = WatchMethod::kOffline;
      root.state.reason = job.gone_reason;
      root.state.folders = 0;
      root.folders.clear();
    }
    // Under the lock: a RemoveRoot after this forgets them.
    for (WatchEvent& e : job.events) queue_->Push(std::move(e));
  }
  return static_cast<int>(jobs.size());
}

std::optional<int64_t> PollWatcher::NextDueNs() {
  util::MutexLock lock(mu_);
  return NextDueLocked();
}

std::optional<int64_t> PollWatcher::NextDueLocked() {
  std::optional<int64_t> next;
  for (const auto& [id, root] : roots_) {
    if (root.busy || root.state.method != WatchMethod::kPolling) continue;
    if (!next || root.next_due_ns < *next) next = root.next_due_ns;
  }
  return next;
}

void PollWatcher::PollTree(Job& job) {
  const Result<FileStat> top = fs_.Stat(job.path, os::Follow::kYes);
  if (!top || top->type != FileType::kDirectory) {
    if (top && top->type != FileType::kDirectory) {
      job.gone = true;
      job.gone_reason = "the root's folder is no longer a folder";
    } else if (top.error().code() == ErrorCode::kNotFound) {
      job.gone = true;
      job.gone_reason = top.error().ToString();
    } else {
      return;  // a passing error (a network hiccup): the next poll retries
    }
    WatchEvent e = FolderEvent(Kind::kRootGone, job.root, "", "");
    e.error = Error(ErrorCode::kNotFound, job.gone_reason, "watch", job.path);
    job.events.push_back(std::move(e));
    return;
  }
  std::vector<std::pair<std::string, uint64_t>> gone;
  const std::vector<std::string> changed = StatFolders(job, StampOf(*top), gone);
  std::vector<WatchEvent> news;  // created and moved folders
  for (const std::string& rel : changed) {
    if (!job.folders.count(rel)) continue;  // gone since
    job.events.push_back(FolderEvent(Kind::kModified, job.root, rel, ""));
    Result<std::vector<os::DirEntry>> entries =
        fs_.ListDir(AbsPath(job.path, rel), os::Follow::kNo);
    if (!entries) continue;
    for (const os::DirEntry& entry : *entries) {
      if (!entry.stat || entry.stat->type != FileType::kDirectory) continue;
      const std::string child = JoinRel(rel, entry.name);
      if (job.folders.count(child) ||
          job.filter->ExcludesFolder(entry.name, child)) {
        continue;
      }
      Walk(job.path, *job.filter, child, StampOf(*entry.stat), job.folders);
      auto from = gone.end();
      for (auto g = gone.begin(); g != gone.end(); ++g) {
        if (g->second != 0 && g->second == entry.stat->ino) from = g;
      }
      if (from == gone.end()) {
        news.push_back(FolderEvent(Kind::kCreated, job.root, rel, entry.name));
        continue;
      }
      const uint32_t cookie = next_cookie_++;
      WatchEvent out = FolderEvent(Kind::kMovedFrom, job.root,
                                   ParentRel(from->first), BaseRel(from->first));
      WatchEvent in = FolderEvent(Kind::kMovedTo, job.root, rel, entry.name);
      out.cookie = in.cookie = cookie;
      news.push_back(std::move(out));
      news.push_back(std::move(in));
      gone.erase(from);
    }
  }
  for (WatchEvent& e : news) job.events.push_back(std::move(e));
  for (const auto& [rel, ino] : gone) {
    job.events.push_back(
        FolderEvent(Kind::kRemoved, job.root, ParentRel(rel), BaseRel(rel)));
  }
}

std::vector<std::string> PollWatcher::StatFolders(
    Job& job, const Stamp& top,
    std::vector<std::pair<std::string, uint64_t>>& gone) {
  std::vector<std::string> changed;
  for (auto it = job.folders.begin(); it != job.folders.end();) {
    const std::string rel = it->first;
    Stamp now = top;
    if (!rel.empty()) {
      const Result<FileStat> st =
          fs_.Stat(AbsPath(job.path, rel), os::Follow::kNo);
      const bool is_gone =
          st ? st->type != FileType::kDirectory
             : st.error().code() == ErrorCode::kNotFound;
      if (is_gone) {
        gone.emplace_back(rel, it->second.ino);
        job.folders.erase(it);
        // Everything below it ("a/..." sorts after "a-b", so not next).
        auto below = job.folders.lower_bound(rel + "/");
        while (below != job.folders.end() && IsBelow(below->first, rel)) {
          below = job.folders.erase(below);
        }
        it = job.folders.upper_bound(rel);
        continue;
      }
      if (!st) {  // unreadable for now: as it was
        ++it;
        continue;
      }
      now = StampOf(*st);
    }
    if (!(now == it->second)) {
      it->second = now;
      changed.push_back(rel);
    }
    ++it;
  }
  return changed;
}

void PollWatcher::RunThread() {
  util::MutexLock lock(mu_);
  while (!stop_) {
    const std::optional<int64_t> next = NextDueLocked();
    if (!next) {
      cv_.Wait(mu_);
      continue;
    }
    const int64_t now = clock_.MonotonicNs();
    if (*next > now) {
      (void)cv_.WaitUntil(mu_, std::chrono::steady_clock::now() +
                                   std::chrono::nanoseconds(*next - now));
      continue;  // re-check: stopping, roots changed, or due now
    }
    lock.Unlock();
    (void)Step(now);  // the count is for tests
    lock.Lock();
  }
}

}  // namespace phodex::watch
