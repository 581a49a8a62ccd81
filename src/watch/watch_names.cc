// The names of the watch module's enums, as `phodex status` and `phodex
// ops` print them (docs/serve.md).

#include "watch/sync_work.h"
#include "watch/watcher.h"

namespace phodex::watch {

const char* WatchMethodName(WatchMethod method) {
  switch (method) {
    case WatchMethod::kInotify: return "inotify";
    case WatchMethod::kPolling: return "polling";
    case WatchMethod::kOffline: return "offline";
  }
  return "offline";
}

const char* SyncReasonName(SyncReason reason) {
  switch (reason) {
    case SyncReason::kStartup: return "startup";
    case SyncReason::kScheduled: return "scheduled";
    case SyncReason::kOverflow: return "overflow";
    case SyncReason::kDriveReturned: return "drive-returned";
    case SyncReason::kManual: return "manual";
    case SyncReason::kWatch: return "watch";
  }
  return "watch";
}

}  // namespace phodex::watch
