#pragma once
// Watcher events (watch/watcher.h) turned into work (watch/sync_work.h):
// events are hints, gathered per folder for a delay, so a burst of writes
// becomes one listing of the folder (docs/serve.md, "Watching").
//
//   - A folder's news of files that arrived or changed becomes one kFolder
//     work `delay` after the folder's first pending event (default 2 s): a
//     window, not a debounce, so a folder copied into for minutes is
//     listed every `delay` and a finished photo waits only for its settle
//     time (watch/settle_tracker.h holds what is still being written),
//     not for the copy to end.
//   - More than `folder_storm` (~128) pending names in one folder make it
//     a kTree work of that folder (a rescan of it and below); more than
//     `root_storm` (~512) pending names in one root make one kReconcile of the
//     root instead of any folder work.
//   - A folder whose only news is that entries left it (kRemoved,
//     kMovedFrom without its kMovedTo) waits `delete_hold` (default 10 s)
//     instead, so editors' write-temp-then-rename saves and moves pair up
//     rather than look like a delete and an add. A later event of another
//     kind in that folder brings it back to the normal delay.
//   - A new folder (kCreated or kMovedTo of a folder) is a kTree work of
//     it. A folder kMovedFrom + kMovedTo with the same cookie within one
//     root is a kRename (from, to); without its partner within
//     delete_hold it is a kTree of whichever side is in the root: a folder
//     that arrived is new (kTree of it, at the normal delay), one that left
//     (or a folder kRemoved) is a kTree of the folder that is no longer
//     there, after delete_hold: REQUIRES of the service that a kTree whose
//     folder is missing while its parent is there marks everything known
//     below it gone. Its parent also gets its kFolder.
//   - A file kMovedFrom + kMovedTo pair is ordinary change in both
//     folders (normal delay; the scan's move detection keeps the id).
//   - Storms count DISTINCT names: the entries of a folder that have
//     pending events. Names at or below a pending kTree count toward no
//     storm (the walk covers them: four big new folders copied in at once
//     are four kTree works, not a kReconcile). A kTree (or storm) of the
//     top folder "" is a kReconcile.
//   - kOverflow and kWatchLost: a kTree of `dir` ("" = kReconcile of the
//     root), reason kOverflow, due at once (not after `delay`; the service
//     backs repeated overflows off through its ReconcileSchedule).
//     kRootGone: a kReconcile of the root, reason kOverflow, after `delay`
//     (the service checks first whether the root went offline).
//   - Work for a folder covers its pending events and any already pending
//     below it (a kTree absorbs the kFolder work under it); a pending
//     kReconcile of a root absorbs everything of that root (pending work
//     is dropped, later events only push it back by `delay`).
//   - A kRename is due at once and comes out ahead of the folder work of
//     its root; work pending under its old name moves under the new one,
//     and work under either side waits for it. Work pending under a folder
//     that moved away waits until the move pairs or the hold ends.
//   - A kFolder work names the entries whose events made it
//     (SyncWork::names) unless something else asks for the whole folder
//     (a Defer without names, an event of the folder itself).
//   - Bounded memory: one entry per pending folder, at most
//     folder_storm + 1 names remembered per entry, at most root_storm + 1
//     unpaired folder moves per root (more is a kReconcile).
//
// Pure logic on a clock: tests push events and step `now` by hand, no
// threads, no sleeps. Single-threaded.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
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
  // A folder whose only news is departures waits `delete_hold` after the
  // last one, but never longer than this after the first (departures that
  // keep coming, a folder emptied slowly). Not a [serve] setting.
  std::chrono::nanoseconds max_wait = std::chrono::seconds(60);
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

  // Asks for `work` again at `at_ns`: it merges with what is pending for
  // that folder. kNotBefore (its root was busy, the catalog failed): it
  // comes out of TakeDue no earlier than `at_ns`, nor before the events
  // merged with it are due. kAt (a folder with files still being written,
  // watch/settle_tracker.h): at `at_ns`, or sooner if events merged with
  // it are due sooner, so a file that has settled is never held back by
  // the copy still going on beside it. A kFolder work with names asks
  // again about those names only (with whatever else is pending there);
  // one without, about the whole folder.
  enum class When { kNotBefore, kAt };
  void Defer(const SyncWork& work, int64_t at_ns,
             When when = When::kNotBefore);

  // Drops everything pending for `root` (it was removed, went offline, or
  // a reconciliation of it just started and covers it all).
  void Forget(RootId root);

  // When TakeDue next has something (for the service's wait); nullopt when
  // nothing is pending.
  std::optional<int64_t> NextDueNs() const;
  // Pending events and work, for `phodex status`.
  int64_t pending_folders() const;

 private:
  // What is pending for one folder (or, `tree`, for it and below).
  struct Pending {
    bool has_event = false;      // false: only Defer asked for it
    int64_t first_event_ns = 0;  // monotonic
    int64_t last_event_ns = 0;
    int64_t not_before_ns = 0;  // Defer
    // Due no later than this whatever the events (an overflow's rescan, a
    // settle look: Defer kAt).
    std::optional<int64_t> at_once_ns;
    bool tree = false;
    // Any news but entries leaving: the normal delay, not delete_hold.
    bool other_news = false;
    SyncReason reason = SyncReason::kWatch;
    // Distinct names with events (relative to the folder; capped at
    // folder_storm + 1). Empty for a kTree: its walk covers them all.
    std::set<std::string> names;
    // The names are not all there is: a Defer without names, news of the
    // folder itself, names past the cap. A kFolder work then carries no
    // names (SyncWork::names: the whole folder is looked at).
    bool whole = false;
    int64_t seq = 0;  // order of creation, for ties
  };
  // A kMovedFrom waiting for its kMovedTo (until delete_hold).
  struct Move {
    std::string dir;
    std::string name;
    WatchEvent::Entry entry = WatchEvent::Entry::kFile;
    int64_t at_ns = 0;
  };
  struct Rename {
    std::string from;
    std::string to;
    int64_t due_ns = 0;
    SyncReason reason = SyncReason::kWatch;
  };
  using FolderMap = std::map<std::string, Pending>;
  struct RootState {
    FolderMap folders;                 // by rel of the folder
    std::optional<Pending> reconcile;  // absorbs everything else
    std::vector<Rename> renames;       // in the order seen
    std::map<uint32_t, Move> moves;    // by cookie
    int64_t names = 0;                 // sum of folders' names
  };

  // Pending news seen at `at_ns`: of a folder or a tree, and whether of
  // entries leaving only (delete_hold) or other (the delay).
  enum class SyncKind { kFolder, kTree };
  enum class News { kLeaving, kOther };
  static Pending Seen(int64_t at_ns, SyncKind kind, News news);

  void AddEvent(const WatchEvent& event, int64_t now_ns);
  void AddEntryEvent(RootState& state, const WatchEvent& event, int64_t now_ns);
  // Marks `name` of `dir` pending (in the kTree covering it, if any).
  void AddName(RootState& state, const std::string& dir,
               const std::string& name, News news, int64_t now_ns);
  // Merges `pending` into what is pending at `rel` (or the kTree above
  // it), absorbing what is below a resulting kTree; storms checked.
  void Merge(RootState& state, const std::string& rel, Pending pending);
  // Makes the pending folder `rel` a kTree: its names are dropped (no
  // longer counted in the root's storm), the work below it absorbed.
  void MakeTree(RootState& state, const std::string& rel);
  void Absorb(RootState& state, const std::string& rel);
  void CheckStorms(RootState& state, const std::string& rel);
  void MakeReconcile(RootState& state, Pending pending);
  void PairMove(RootState& state, const Move& from, const WatchEvent& to,
                int64_t now_ns);
  void ExpireMoves(RootState& state, int64_t now_ns);
  // The pending kTree at or above `rel`; folders.end() when none.
  static FolderMap::iterator CoveringTree(RootState& state,
                                          const std::string& rel);
  // What pending work covers folder `dir`: the kTree above it, else its
  // own entry; nullptr when none.
  static Pending* PendingAt(RootState& state, const std::string& dir);
  int64_t DueNs(const Pending& pending) const;
  // Until when work at `rel` waits for a kRename not yet taken (either
  // side at or above it) or for a folder that moved away from above it to
  // pair or not (the hold); nullopt when nothing holds it back.
  std::optional<int64_t> BlockedUntil(const RootState& state,
                                      const std::string& rel) const;

  AggregatorOptions options_;
  std::map<RootId, RootState> roots_;
  int64_t next_seq_ = 0;
};

}  // namespace phodex::watch
