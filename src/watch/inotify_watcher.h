#pragma once
// The Linux inotify backend of watch/watcher.h (docs/serve.md, "Watching:
// the backends"):
//
//   - one inotify descriptor, ONE WATCH PER FOLDER (never per file), no
//     access events: IN_CREATE, IN_CLOSE_WRITE, IN_MODIFY, IN_ATTRIB,
//     IN_DELETE, IN_MOVED_FROM/TO, IN_DELETE_SELF, IN_MOVE_SELF (with
//     IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK; IN_UNMOUNT, IN_IGNORED
//     and IN_Q_OVERFLOW come anyway);
//   - read on a thread that does nothing else (poll(2) on the descriptor
//     and an eventfd that stops it), translated to WatchEvents and queued
//     in a bounded watch/event_queue.h (coalesced IN_MODIFY floods,
//     kOverflow for a root when full);
//   - new folders are watched as they appear (their whole sub-tree: the
//     consumer rescans a new folder, so files made before its watch landed
//     are not lost), removed ones dropped (IN_IGNORED), a renamed folder
//     keeps its watches, their paths rewritten (a paired IN_MOVED_FROM/TO;
//     one moved out of every root loses them);
//   - IN_Q_OVERFLOW: every root's watches are dropped and set up again
//     (folders created, removed or renamed while events were lost would
//     otherwise be unwatched or watched under a stale path), then a
//     kOverflow (dir "") for every root, so that the rescan it asks for
//     starts after every folder is watched again;
//   - the root's own folder deleted, moved or unmounted: kRootGone, its
//     watches dropped, the root kOffline until AddRoot again;
//   - out of watches (ENOSPC from inotify_add_watch, the user's
//     fs.inotify.max_user_watches): the root cannot be fully watched. Its
//     watches are dropped and it is reported kPolling, with a reason that
//     names the sysctl (OutOfWatchesReason): by AddRoot's state, or, when
//     it happens later (a new folder), by a kWatchLost (dir "") and
//     States(). This backend never polls: system_watcher.h does;
//   - excluded and hidden folders (watch/watch_filter.h) are neither
//     watched nor reported, nor excluded or hidden names.
//
// A folder that cannot be watched for another reason (EACCES) gives a
// kWatchLost for it; one that vanished is skipped. Folders reached twice
// (a bind mount of a folder in the same root) are watched once, under the
// first path. A file system unmounted below a root gives a kWatchLost for
// its folder; its watches are gone until the root is added again.
//
// Thread-safety: thread-safe (watch/watcher.h); one reader thread of its
// own, stopped and joined by the destructor.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"
#include "watch/event_queue.h"
#include "watch/watch_filter.h"
#include "watch/watcher.h"

struct inotify_event;

namespace phodex::watch {

struct InotifyOptions {
  // The queue events go to; shared when the system watcher merges
  // backends. Null: a queue of its own with `queue_capacity` events.
  std::shared_ptr<EventQueue> queue;
  size_t queue_capacity = EventQueue::kDefaultCapacity;
  // At most this many watches, more fail as ENOSPC would (0 = only the
  // kernel's limit): the out-of-watches path without changing the sysctl.
  int64_t max_watches_for_testing = 0;
};

class InotifyWatcher final : public Watcher {
 public:
  // Opens the inotify descriptor (IN_NONBLOCK | IN_CLOEXEC) and starts the
  // reader thread. Errors: inotify_init1's (EMFILE: out of inotify
  // instances, fs.inotify.max_user_instances; the message names it).
  static Result<std::unique_ptr<InotifyWatcher>> Create(
      InotifyOptions options = {});
  ~InotifyWatcher() override;
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Watches every folder at and below `path` (walked on the caller's
  // thread). The state is kInotify when all are watched; kPolling (with
  // the reason; nothing watched, the root forgotten) when the watches ran
  // out or the top folder cannot be watched; kOffline when `path` is
  // missing. Error (kInvalidArgument) when `path` is not a folder.
  Result<RootWatchState> AddRoot(RootId root, const std::string& path,
                                 const WatchOptions& options) override;
  void RemoveRoot(RootId root) override;
  std::vector<WatchEvent> Poll(size_t max,
                               std::chrono::milliseconds timeout) override;
  void Wake() override;
  // Roots added and not removed: kInotify with their watched folders, or
  // kPolling / kOffline (no watches left) after a later out-of-watches or
  // kRootGone, with the reason.
  std::vector<RootWatchState> States() override;

  // What IN_Q_OVERFLOW does (see above), on the caller's thread.
  // REQUIRES: no folder is being renamed meanwhile (the reader's pairing
  // of IN_MOVED_FROM/TO is not synchronised with it).
  void SimulateOverflowForTesting();

 private:
  // A watched folder.
  struct Dir {
    RootId root;
    std::string rel;
  };
  struct Root {
    std::string path;
    WatchFilter filter;
    uint64_t generation = 0;
    RootWatchState state;
  };
  // A folder that left its parent (IN_MOVED_FROM): its IN_MOVED_TO, when
  // it comes, is the next event. Reader thread only.
  struct PendingMove {
    uint32_t cookie = 0;
    RootId root;
    std::string rel;
  };
  enum class AddResult { kAdded, kSkipped, kFailed };

  InotifyWatcher(int inotify_fd, int wake_fd, InotifyOptions options);

  // Watches `rel` of `root` and every folder below (not excluded). Error:
  // the top folder could not be watched (kNotFound: it vanished), or the
  // watches ran out (IsOutOfWatches); other folders that cannot be watched
  // are skipped (vanished) or reported (kWatchLost).
  Status AddTree(RootId root, uint64_t generation, const std::string& rel);
  // inotify_add_watch of one folder, registered under the lock unless the
  // root was removed or re-added meanwhile (`generation`).
  Result<AddResult> AddWatch(RootId root, uint64_t generation,
                             const std::string& rel, const std::string& abs);
  // Drops the watches of `rel` and below (all of the root for "").
  void DropTreeLocked(RootId root, const std::string& rel) REQUIRES(mu_);
  // Rewrites the paths of a renamed folder's watches.
  void MoveTreeLocked(const PendingMove& from, RootId root,
                      const std::string& rel) REQUIRES(mu_);
  void ForgetWdLocked(int wd) REQUIRES(mu_);
  // The root's watches dropped, its state `method` with `reason`.
  void AbandonRootLocked(RootId root, WatchMethod method,
                         const std::string& reason) REQUIRES(mu_);
  bool IsWatchedLocked(RootId root, const std::string& rel) REQUIRES(mu_);

  // Reader thread.
  void ReadLoop();
  // Reads until the descriptor is empty; false when it failed for good.
  bool ReadAvailable();
  void Handle(const struct inotify_event& ev);
  void HandleEntry(const struct inotify_event& ev, const Dir& dir);
  void ResolvePendingMove();
  void RewatchAfterOverflow();
  // A watch ran out while adding `rel`'s tree at run time.
  void OnTreeError(RootId root, const std::string& rel, const Error& error);

  const int inotify_fd_;
  const int wake_fd_;
  const int64_t max_watches_;
  std::shared_ptr<EventQueue> queue_;
  util::Mutex mu_;
  std::map<RootId, Root> roots_ GUARDED_BY(mu_);
  std::unordered_map<int, Dir> dirs_ GUARDED_BY(mu_);  // by descriptor
  std::map<std::pair<RootId, std::string>, int> wds_ GUARDED_BY(mu_);
  uint64_t next_generation_ GUARDED_BY(mu_) = 1;
  std::optional<PendingMove> pending_move_;  // reader thread only
  std::thread reader_;
};

// Whether `error` (an AddTree or kWatchLost error) means the user's
// inotify watches ran out.
bool IsOutOfWatches(const Error& error);

// Why a root is polled when the watches ran out, naming the sysctl:
// "out of inotify watches (fs.inotify.max_user_watches = 8192): raise it
// to 131072 (packaging/sysctl.d/90-phodex-inotify.conf)". `limit` is the
// current value (0 = unknown: "raise fs.inotify.max_user_watches to
// 131072 ..."); the value asked for is 131072, or twice `limit` when it is
// already that high.
std::string OutOfWatchesReason(int64_t limit);
// /proc/sys/fs/inotify/max_user_watches, 0 when it cannot be read.
int64_t MaxUserWatches();

}  // namespace phodex::watch
