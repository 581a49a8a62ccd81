#pragma once
// What `phodex serve` learns from the disk between reconciliations: a
// Watcher reports, per root, that something in a folder changed. Events
// are hints, the disk is the truth: whoever consumes them (watch/
// change_aggregator.h) lists the folder again before anything is written,
// and an overflow or a lost watch means "rescan what may have been
// missed", never a guess (STYLE rule 15; docs/serve.md, "Watching").
//
// Backends (after watchman, one interface, tests step the loop by hand):
//   inotify_watcher.h  Linux inotify, one watch per folder, read on a
//                      thread of its own;
//   poll_watcher.h     folder mtimes listed every few minutes, for network
//                      and FUSE file systems and roots that ran out of
//                      inotify watches;
//   system_watcher.h   the one `serve` uses: picks the method per root;
//   tests/fakes/fake_watcher.h  events a test pushes by hand.
//
// Thread-safety: every method is thread-safe; one consumer thread calls
// Poll.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace phodex::watch {

struct WatchEvent {
  enum class Kind {
    kCreated,    // `name` appeared in `dir` (created, or linked)
    kModified,   // `name` was written (closed after writing) or its
                 // attributes changed; name "" = `dir` itself (a polled
                 // folder whose mtime moved)
    kRemoved,    // `name` was removed from `dir`
    kMovedFrom,  // `name` left `dir`; a kMovedTo with the same cookie
    kMovedTo,    // may follow (a rename), or not (moved out of the root)
    kOverflow,   // events were lost: anything at or below `dir` ("" = the
                 // whole root) may have changed
    kWatchLost,  // `dir` can no longer be watched (`error` says why:
                 // ENOSPC, EACCES, ...); a rescan of it is needed
    kRootGone,   // the root's own folder went (unmounted, removed): the
                 // root may be offline
  };
  Kind kind = Kind::kModified;
  RootId root;
  std::string dir;   // relative to the root, "" = its top folder
  std::string name;  // an entry of `dir`; "" when about `dir` itself
  // The entry is a folder (its watch is added or dropped by the backend).
  enum class Entry { kFile, kFolder };
  Entry entry = Entry::kFile;
  uint32_t cookie = 0;  // pairs kMovedFrom with kMovedTo; 0 = none
  std::optional<Error> error;  // kWatchLost, kRootGone
};

// How a root is watched.
enum class WatchMethod {
  kInotify,  // every folder has a watch
  kPolling,  // folder mtimes are listed every poll interval
  kOffline,  // its folder is missing or not its drive: nothing is watched
};
const char* WatchMethodName(WatchMethod method);  // "inotify", ...

struct WatchOptions {
  // Names and globs never watched or reported (phodex's data folder, its
  // temp files): its own writes do not come back as foreign changes.
  // fnmatch globs, as the scan's: without '/' matched against a name at
  // any depth, with '/' against the path relative to the root, and with
  // a leading '/' against the absolute path (DataFolder::OwnFileGlobs, the
  // thumbnail folder) (watch/watch_filter.h).
  std::vector<std::string> exclude;
  // Hidden folders (".git", ".thumbnails") are watched only when set, as
  // the scan walks them (ScanOptions::include_hidden).
  bool include_hidden = false;
  // Use polling, whatever the file system (network and FUSE mounts are
  // polled anyway).
  enum class Force { kNone, kPolling };
  Force force = Force::kNone;
  // How often a polled root's folders are listed.
  std::chrono::seconds poll_interval{300};
};

// One root's watching, as `phodex status` shows it.
struct RootWatchState {
  RootId root;
  WatchMethod method = WatchMethod::kOffline;
  int64_t folders = 0;  // folders watched (inotify) or polled
  // Why the root is polled or offline ("out of inotify watches: raise
  // fs.inotify.max_user_watches to 131072", "nfs4 is polled"); "" if
  // watched by inotify.
  std::string reason;
  // A polled root's last completed poll (Unix ns; 0 = none yet).
  int64_t last_poll_ns = 0;
};

class Watcher {
 public:
  virtual ~Watcher() = default;

  // Starts watching root `root` at `path` (absolute, canonical): every
  // folder at and below it. Returns how it is watched; a root that cannot
  // be watched by inotify is polled (state.reason says why), one whose
  // folder is missing is kOffline. Errors only for a path that is not a
  // folder. Replaces an earlier AddRoot of the same root.
  virtual Result<RootWatchState> AddRoot(RootId root, const std::string& path,
                                         const WatchOptions& options) = 0;
  // Stops watching `root`; its pending events are dropped.
  virtual void RemoveRoot(RootId root) = 0;

  // Events so far, oldest first, at most `max`. Waits up to `timeout` for
  // the first when there are none; returns empty on timeout or Wake().
  virtual std::vector<WatchEvent> Poll(size_t max,
                                       std::chrono::milliseconds timeout) = 0;
  // Makes a blocked Poll return now (shutdown, reload).
  virtual void Wake() = 0;

  // Every root's state, by root id.
  virtual std::vector<RootWatchState> States() = 0;
};

}  // namespace phodex::watch
