#pragma once
// The embedded catalog backend: one SQLite file in WAL mode
// (docs/catalog.md). Only app/ names this header.

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"

namespace phodex::catalog {

struct SqliteOptions {
  // kYes: apply pending migrations on open, after writing a backup copy of
  // a non-empty catalog next to it. kNo: open as it is (`migrate --status`);
  // a catalog that is not at the latest version is then only good for
  // GetSchemaStatus().
  enum class Migrate { kYes, kNo } migrate = Migrate::kYes;
  // How long a writer waits for another process's transaction.
  int busy_timeout_ms = 60'000;
  // Stop migrating at this version (0: latest). Tests build old catalogs
  // with it.
  int max_version_ForTesting = 0;
};

// Opens (creating if needed) the catalog at `path`. Fails with kUnsupported,
// without touching the file, when it was written by a newer phodex.
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path,
                                                   const SqliteOptions& opts);

}  // namespace phodex::catalog
