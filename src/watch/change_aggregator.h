#pragma once
// Watcher events (watch/watcher.h) turned into work (watch/sync_work.h):
// events are hints, gathered per folder until the folder has been quiet
// for a delay, so a burst of writes becomes one listing of the folder
// (docs/serve.md, "Watching").
//
//   - A folder's events wait until `delay` has passed since its last one
//     (default 2 s), then become one kFolder work.
//   - More than `folder_storm` (~128) pending events in one folder make it
//     a kTree work of that folder (a rescan of it and below); more than
//     `root_storm` (~512) pending in one root make one kReconcile of the
//     root instead of any folder work.
//   - A folder whose only news is that entries left it (kRemoved,
//     kMovedFrom without its kMovedTo) waits `delete_hold` (default 10 s)
//     instead, so editors' write-temp-then-rename saves and moves pair up
//     rather than look like a delete and an add. A later event of another
//     kind in that folder brings it back to the normal delay.
//   - A new folder (kCreated or kMovedTo of a folder) is a kTree work of
//     it. A folder kMovedFrom + kMovedTo with the same cookie within one
//     root is a kRename (from, to); without its partner within
//     delete_hold it is a kTree of whichever side is in the root.
//   - kOverflow and kWatchLost: a kTree of `dir` ("" = kReconcile of the
//     root), reason kOverflow. kRootGone: a kReconcile of the root, reason
//     kOverflow (the service checks first whether the root went offline).
//   - Work for a folder covers its pending events and any already pending
//     below it (a kTree absorbs the kFolder work under it).
//
// Pure logic on a clock: tests push events and step `now` by hand, no
// threads, no sleeps. Single-threaded.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "watch/sync_work.h"
#include "watch/watcher.h"

namespace phodex::watch {

struct AggregatorOptions {
  std::chrono::nanoseconds delay = std::chrono::seconds(2);
  std::chrono::nanoseconds delete_hold = std::chrono::seconds(10);
  int folder_storm = 128;
  int root_storm = 512;
};

class ChangeAggregator {
 public:
  explicit ChangeAggregator(AggregatorOptions options);

  // Takes in events seen at monotonic time `now_ns`.
  void Add(const std::vector<WatchEvent>& events, int64_t now_ns);

  // The work that is due at `now_ns`, removed from what is pending. Work of
  // one root comes out in the order it became due; kRename before the
  // folder work it covers.
  std::vector<SyncWork> TakeDue(int64_t now_ns);

  // Asks for `work` again at `at_ns` (a folder with files still being
  // written, watch/settle_tracker.h): it merges with what is pending for
  // that folder and comes out of TakeDue no earlier than `at_ns`.
  void Defer(const SyncWork& work, int64_t at_ns);

  // Drops everything pending for `root` (it was removed, went offline, or
  // a reconciliation of it just started and covers it all).
  void Forget(RootId root);

  // When TakeDue next has something (for the service's wait); nullopt when
  // nothing is pending.
  std::optional<int64_t> NextDueNs() const;
  // Pending events and work, for `phodex status`.
  int64_t pending_folders() const;

 private:
  struct Pending;
  AggregatorOptions options_;
  // Implementation's state: pending folders per root, unmatched moves
  // by cookie, storm counters.
  std::map<RootId, std::map<std::string, int>> unused_;
};

}  // namespace phodex::watch
