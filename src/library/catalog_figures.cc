#include "library/catalog_figures.h"

#include "library/thumbs.h"

namespace phodex::library {

Result<CatalogFigures> ReadCatalogFigures(Library& lib) {
  CatalogFigures f;
  PHODEX_ASSIGN_OR_RETURN(f.stats, lib.catalog().Stats());
  const std::string key = OpenThumbnailCache(lib)->settings_key();
  if (auto px = lib.catalog().GetPixelTotals(key)) f.pixels = *px;
  PHODEX_ASSIGN_OR_RETURN(f.jobs, lib.catalog().CountJobs());
  f.read_at_ns = lib.clock().MonotonicNs();
  return f;
}

Result<std::shared_ptr<const CatalogFigures>> FiguresCache::Get(
    Library& lib) {
  const int64_t now = lib.clock().MonotonicNs();
  int64_t generation = 0;
  {
    util::MutexLock l(mu_);
    const bool fresh = current_ && read_generation_ == generation_ &&
                       now - current_->read_at_ns < max_age_.count();
    if (fresh || (current_ && reading_)) return current_;
    reading_ = true;
    generation = generation_;
  }
  Result<CatalogFigures> read = ReadCatalogFigures(lib);
  util::MutexLock l(mu_);
  reading_ = false;
  if (!read) return std::unexpected(read.error());
  current_ = std::make_shared<const CatalogFigures>(std::move(*read));
  // An Invalidate during the read leaves them stale: the read may have
  // come before the change.
  read_generation_ = generation;
  return current_;
}

void FiguresCache::Invalidate() {
  util::MutexLock l(mu_);
  ++generation_;
}

}  // namespace phodex::library
