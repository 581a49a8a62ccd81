#include "app/catalog_factory.h"

namespace phodex::app {

bool IsPostgresLocation(const std::string& location) {
  return location.starts_with("postgresql://") ||
         location.starts_with("postgres://");
}

Result<std::unique_ptr<catalog::Catalog>> OpenCatalogFrom(
    const std::string& location, const catalog::SqliteOptions& sqlite) {
  if (IsPostgresLocation(location)) {
    return MakeError(ErrorCode::kUnsupported,
                     "PostgreSQL catalogs are not built yet", "open catalog");
  }
  return catalog::OpenSqliteCatalog(location, sqlite);
}

}  // namespace phodex::app
