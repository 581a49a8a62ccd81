#pragma once
// The polling backend of watch/watcher.h, for what inotify cannot watch:
// network and FUSE file systems (changes made by other machines never
// reach this kernel's inotify) and roots that ran out of inotify watches
// (docs/serve.md, "Watching: the backends").
//
// Every root's folders are remembered with their mtime, ctime and inode
// (one map entry per folder, nothing per file). Every `poll_interval`
// (WatchOptions) each known folder is stat'ed, and only the folders whose
// mtime or ctime moved are listed again:
//   - a folder whose mtime/ctime changed: kModified (dir = it, name "");
//     the consumer lists it (an entry was added, removed or renamed);
//   - a new sub-folder: kCreated (kFolder) of it, its sub-tree remembered
//     (the consumer rescans it);
//   - a sub-folder gone: kRemoved (kFolder); one gone and one new with the
//     same inode in one poll: kMovedFrom + kMovedTo with one cookie (a
//     renamed folder, so ids are kept);
//   - the root's own folder missing: kRootGone, the root kOffline and no
//     longer polled until AddRoot again.
// A file rewritten in place changes no folder's mtime: polling does not
// see it; the polled roots' scheduled reconciliation does.
//
// All file system access goes through os::FileSystem and time through
// os::Clock: tests drive Step() on FakeFileSystem and FakeClock without a
// thread (PollOptions::Thread::kNone); real use polls on a thread of its
// own. Exclusions and hidden folders as watch/watch_filter.h.
//
// Thread-safety: thread-safe (watch/watcher.h). A poll walks without
// holding the lock: States(), Poll() and AddRoot of other roots do not
// wait for a slow network share.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "watch/event_queue.h"
#include "watch/watch_filter.h"
#include "watch/watcher.h"

namespace phodex::watch {

struct PollOptions {
  // The queue events go to; shared when the system watcher merges
  // backends. Null: a queue of its own with `queue_capacity` events.
  std::shared_ptr<EventQueue> queue;
  size_t queue_capacity = EventQueue::kDefaultCapacity;
  // kRun polls on a thread of its own when roots come due; kNone only
  // when Step() is called (tests).
  enum class Thread { kRun, kNone };
  Thread thread = Thread::kRun;
};

class PollWatcher final : public Watcher {
 public:
  // `fs` and `clock` are borrowed and outlive the watcher.
  static std::unique_ptr<PollWatcher> Create(os::FileSystem& fs,
                                             os::Clock& clock,
                                             PollOptions options = {});
  ~PollWatcher() override;
  PollWatcher(const PollWatcher&) = delete;
  PollWatcher& operator=(const PollWatcher&) = delete;

  // Lists every folder at and below `path` (on the caller's thread) and
  // polls it from `options.poll_interval` on. kPolling, or kOffline when
  // `path` is missing or cannot be stat'ed (the reason says why); error
  // (kInvalidArgument) when it is not a folder.
  Result<RootWatchState> AddRoot(RootId root, const std::string& path,
                                 const WatchOptions& options) override;
  void RemoveRoot(RootId root) override;
  std::vector<WatchEvent> Poll(size_t max,
                               std::chrono::milliseconds timeout) override;
  void Wake() override;
  std::vector<RootWatchState> States() override;

  // Polls the roots due at monotonic `now_ns` (their last poll, or their
  // AddRoot, at least poll_interval before); returns how many.
  int Step(int64_t now_ns);
  // When a root is next due (monotonic ns); nullopt when none is polled.
  std::optional<int64_t> NextDueNs();

 private:
  // A folder as last seen.
  struct Stamp {
    FileTime mtime;
    FileTime ctime;
    uint64_t ino = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  using Folders = std::map<std::string, Stamp>;  // by rel; "" = the top
  struct Root {
    std::string path;
    WatchFilter filter;
    uint64_t generation = 0;
    int64_t interval_ns = 0;
    int64_t next_due_ns = 0;
    bool busy = false;  // being polled; `folders` is with the poll
    Folders folders;
    RootWatchState state;
  };
  // One root's poll, done without the lock.
  struct Job {
    RootId root;
    uint64_t generation = 0;
    std::string path;
    std::optional<WatchFilter> filter;
    Folders folders;
    std::vector<WatchEvent> events;
    bool gone = false;
    std::string gone_reason;
  };

  PollWatcher(os::FileSystem& fs, os::Clock& clock, PollOptions options);

  static Stamp StampOf(const FileStat& st);
  // Remembers `rel` (stamp given) and every folder below it.
  void Walk(const std::string& root_path, const WatchFilter& filter,
            const std::string& rel, const Stamp& stamp, Folders& folders);
  void PollTree(Job& job);
  // Stats every known folder: the changed ones are returned, the gone
  // ones erased from `job.folders` and returned in `gone` (rel, inode).
  std::vector<std::string> StatFolders(
      Job& job, const Stamp& top,
      std::vector<std::pair<std::string, uint64_t>>& gone);
  std::optional<int64_t> NextDueLocked() REQUIRES(mu_);
  void RunThread();

  os::FileSystem& fs_;
  os::Clock& clock_;
  std::shared_ptr<EventQueue> queue_;
  util::Mutex mu_;
  util::CondVar cv_;  // a root added, or stopping
  std::map<RootId, Root> roots_ GUARDED_BY(mu_);
  uint64_t next_generation_ GUARDED_BY(mu_) = 1;
  // Cookies of paired folder moves, with the top bit set so that they do
  // not meet inotify's (a counter from 0) in the system watcher's merged
  // stream.
  std::atomic<uint32_t> next_cookie_{0x80000001u};
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace phodex::watch
