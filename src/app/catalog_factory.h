#pragma once
// Opens a catalog from where it is: app/ is the only module that names
// catalog backends (docs/architecture.md). Today a location is a file
// path, which opens the SQLite backend; a PostgreSQL location
// ("postgresql://..." or "postgres://...") is refused until that backend
// is built.
//
// Thread-safe (no state of its own).

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "core/error.h"

namespace phodex::app {

// True when `location` names a PostgreSQL database, not a file.
bool IsPostgresLocation(const std::string& location);

// Opens the catalog at `location`. A path opens (or creates) a SQLite
// catalog with `sqlite` (see catalog/sqlite/sqlite_catalog.h for its
// errors); a PostgreSQL location fails with kUnsupported ("PostgreSQL
// catalogs are not built yet").
Result<std::unique_ptr<catalog::Catalog>> OpenCatalogFrom(
    const std::string& location, const catalog::SqliteOptions& sqlite);

}  // namespace phodex::app
