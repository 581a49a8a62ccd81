#pragma once
// Looking after the catalog itself: its schema version, an integrity
// check, a backup. What must pick a concrete backend (opening a new SQLite
// catalog for `catalog rebuild`, swapping it in) stays in app/. The
// coming server offers the same calls. Single-threaded.

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "library/library.h"
#include "os/file_system.h"

namespace phodex::library {

// The schema version and the migrations a write would apply.
Result<catalog::SchemaStatus> GetSchemaStatus(Library& lib);

struct CatalogCheck {
  bool damaged = false;
  // What the check found, one finding a line (when damaged).
  std::vector<std::string> findings;
};
// The backend's integrity check. Damage is a result, not an error; an
// error is a check that could not run.
Result<CatalogCheck> CheckCatalog(Library& lib);

// Writes a consistent copy of the catalog to `file`, which must not exist
// (kAlreadyExists): under a temporary name beside it, then given its name
// without replacing anything, so `file` is whole or absent. Returns its
// size in bytes (-1 when it cannot be read back).
Result<int64_t> BackupCatalog(Library& lib, const std::string& file);

// Removes a catalog file phodex made and gave up on (a failed backup or
// rebuild), with its -wal, -shm and -journal. Best effort.
void RemoveCatalogFiles(os::FileSystem& fs, const std::string& path);

}  // namespace phodex::library
