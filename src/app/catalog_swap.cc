#include "app/catalog_swap.h"

#include "catalog/sqlite/sqlite_catalog.h"

namespace phodex::app {
namespace {

bool Exists(os::FileSystem& fs, const std::string& path) {
  return fs.Stat(path, os::Follow::kNo).has_value();
}

}  // namespace

Status SwapInRebuiltCatalog(os::FileSystem& fs, const std::string& path,
                            const std::string& rebuilt,
                            const std::string& keep) {
  if (Exists(fs, rebuilt + "-wal")) {
    return MakeError(ErrorCode::kInternal,
                     "the rebuilt catalog was not closed cleanly",
                     "swap catalog", rebuilt);
  }
  auto lock = catalog::LockSqliteCatalogExclusive(path);
  // A file that is not a database at all is no one's open catalog.
  if (!lock && lock.error().code() != ErrorCode::kCorrupt) {
    return std::unexpected(lock.error());
  }
  bool renamed_away = false;
  if (auto linked = fs.Link(path, keep); !linked) {
    if (linked.error().code() != ErrorCode::kUnsupported) return linked;
    PHODEX_TRY(fs.Rename(path, keep, os::Replace::kNo));
    renamed_away = true;
  }
  // Puts the old file back as it was. Its own failures are dropped on
  // purpose: the swap's error is the one to report, and the old catalog
  // is whole either way, at `path` or at `keep` (both names are the
  // caller's to show).
  auto undo = [&](bool wal_moved) {
    if (wal_moved)
      (void)fs.Rename(keep + "-wal", path + "-wal", os::Replace::kNo);
    if (renamed_away) {
      (void)fs.Rename(keep, path, os::Replace::kNo);
    } else {
      (void)fs.RemoveFile(keep);
    }
  };
  // An empty -wal (what a reader or a damaged connection leaves) holds
  // nothing (removing it is best effort: a stale empty -wal is harmless);
  // another goes with the old file.
  auto wal = fs.Stat(path + "-wal", os::Follow::kNo);
  if (wal && wal->size == 0) (void)fs.RemoveFile(path + "-wal");
  const bool has_wal = wal && wal->size > 0;
  if (has_wal) {
    if (auto st = fs.Rename(path + "-wal", keep + "-wal", os::Replace::kNo);
        !st) {
      undo(false);
      return st;
    }
  }
  // Rebuilt by the next connection anyway (no one has it open: the lock).
  (void)fs.RemoveFile(path + "-shm");
  if (auto st = fs.Rename(rebuilt, path,
                          renamed_away ? os::Replace::kNo : os::Replace::kYes);
      !st) {
    undo(has_wal);
    return st;
  }
  return fs.SyncDir(os::DirName(path));
}

}  // namespace phodex::app
