#pragma once
// The catalog's figures that only a read of a whole table can tell: files
// and bytes per kind and per root (catalog::CatalogStats), the thumbnail
// totals, the job counts per kind and state (completed ones included). At
// a million files each takes a few hundred milliseconds, too slow for a
// dashboard's every request and a Prometheus scrape every 15 s on 2 cores
// (docs/api.md, "Status"), so `phodex serve` reads them through one
// FiguresCache: at most once per max_age, by one thread, while the others
// keep answering with the figures before. `phodex status` reads them
// directly (GetStatus without a cache).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "library/library.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::library {

struct CatalogFigures {
  catalog::CatalogStats stats;
  // For the settings' thumbnail cache (library/thumbs.h), when the read
  // succeeded.
  std::optional<catalog::PixelTotals> pixels;
  // Every kind and state present (catalog::JobQueue::CountJobs).
  std::vector<catalog::JobCount> jobs;
  int64_t read_at_ns = 0;  // lib.clock().MonotonicNs() when read
};

// Reads them now. Errors: the catalog's (a failed thumbnail read only
// leaves `pixels` unset).
Result<CatalogFigures> ReadCatalogFigures(Library& lib);

// Thread-safe: handler threads share one, each calling with its own
// Library.
class FiguresCache {
 public:
  explicit FiguresCache(
      std::chrono::nanoseconds max_age = std::chrono::seconds(5))
      : max_age_(max_age) {}

  // The figures, read again with `lib` when they are older than max_age
  // (by lib.clock()) or were invalidated, unless another thread is reading
  // them already: then the figures before are returned at once (a thread
  // finding none reads them too). A read that fails returns its error and
  // keeps the figures before.
  Result<std::shared_ptr<const CatalogFigures>> Get(Library& lib);
  // The next Get reads again (after a change the answer must show: jobs
  // retried, cancelled, paused).
  void Invalidate();

 private:
  const std::chrono::nanoseconds max_age_;
  util::Mutex mu_;
  std::shared_ptr<const CatalogFigures> current_ GUARDED_BY(mu_);
  // Invalidate counts up generation_; the figures are valid while
  // read_generation_ (the generation when their read began) equals it.
  int64_t generation_ GUARDED_BY(mu_) = 0;
  int64_t read_generation_ GUARDED_BY(mu_) = -1;
  bool reading_ GUARDED_BY(mu_) = false;
};

}  // namespace phodex::library
