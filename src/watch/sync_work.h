#pragma once
// What `phodex serve` does next to keep a root in step with its disk, as
// the watch logic decides it (watch/change_aggregator.h from the
// watcher's events, watch/reconcile_schedule.h from the clock) and the
// service carries it out (library/service.h) with the scan's machinery.
// Plain values; thread-compatible.

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.h"

namespace phodex::watch {

// Why the work is done; recorded as the operation's type (`phodex ops`).
enum class SyncReason {
  kStartup,        // the service started
  kScheduled,      // the periodic reconciliation
  kOverflow,       // the watcher lost events or a watch
  kDriveReturned,  // an offline root's drive is back
  kManual,         // asked for (`phodex scan` via the service, the API)
  kWatch,          // the watcher saw changes
};
// "startup", "scheduled", "overflow", "drive-returned", "manual", "watch".
const char* SyncReasonName(SyncReason reason);

struct SyncWork {
  enum class Kind {
    kFolder,     // list folder `rel` and apply it (scan::FolderChanges
                 // kFolder): new, changed and removed files in it
    kTree,       // walk `rel` and everything below it and apply that
                 // (kTree): a new folder, a storm of events, a lost watch
    kRename,     // folder `from` is now `rel`: keep every id under it (one
                 // transaction rewriting the prefix), then verify `rel` as
                 // kTree
    kReconcile,  // the incremental scan of the whole root (`rel` = "")
  };
  Kind kind = Kind::kFolder;
  RootId root;
  std::string rel;   // relative to the root, "" = its top folder
  std::string from;  // kRename: the old rel
  SyncReason reason = SyncReason::kWatch;
  // kFolder: the entries of `rel` (names, sorted) whose events are all
  // there is to this work, so the service may look at just those first
  // (phodex's own writes are already as the catalog has them:
  // docs/serve.md, "Own writes"). Empty: the whole folder is to be looked
  // at (work the service deferred, news of the folder itself, a kTree, a
  // kRename, a kReconcile).
  std::vector<std::string> names;

  // The same work whatever names it carries: they are a hint of where to
  // look first, not a different piece of work (the folder ends the same
  // in the catalog either way).
  friend bool operator==(const SyncWork& a, const SyncWork& b) {
    return a.kind == b.kind && a.root == b.root && a.rel == b.rel &&
           a.from == b.from && a.reason == b.reason;
  }
};

}  // namespace phodex::watch
