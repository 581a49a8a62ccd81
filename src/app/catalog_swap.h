#pragma once
// Phase 2 of `phodex catalog rebuild` (docs/catalog.md, "Rebuild"): the
// rebuilt catalog takes the old one's place in one rename, and the old one
// is kept. In app/ because it joins the SQLite backend's file lock with
// the file system. Single-threaded.

#include <string>

#include "core/error.h"
#include "os/file_system.h"

namespace phodex::app {

// Puts `rebuilt` (a closed catalog file beside `path`, with no -wal) in the
// place of the catalog at `path`, keeping the old one as `keep`:
//   1. takes SQLite's exclusive lock on the old file, so no other
//      connection has it open (kBusy otherwise; nothing is changed);
//   2. gives the old file the second name `keep` (or, without hard links,
//      renames it there), moves its -wal to `keep`-wal (it may hold the
//      old file's last commits; an empty one is removed) and removes its
//      -shm (a WAL index, nothing durable): the rebuilt file must never
//      meet the old one's WAL;
//   3. renames `rebuilt` over `path`, so that `path` always names a whole
//      catalog, and syncs the folder.
// The caller holds every root's scan lock, so no phodex writer starts
// meanwhile. On an error before step 3 `path` is the old catalog (with its
// -wal back in place) and `rebuilt` is left for the caller.
Status SwapInRebuiltCatalog(os::FileSystem& fs, const std::string& path,
                            const std::string& rebuilt,
                            const std::string& keep);

}  // namespace phodex::app
