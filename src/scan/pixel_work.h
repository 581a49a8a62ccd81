#pragma once
// The pixel stage's work on one file (scan/pixel_pass.h describes the
// stage): whether it is up to date, its full hash when the catalog has
// none, one decode in the renderer giving its thumbnails (into the cache),
// perceptual hash and quality. RunPixelPass runs it over pages of the
// catalog; `phodex serve`'s "pixels" jobs (library/service_jobs.h) run it
// one job at a time. What the catalog must record comes back in the
// PixelItem: the caller writes it.
//
// Thread-safe: Prepare and Render may run on many threads at once (for
// different items); decodes in flight share one memory budget.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "scan/pixel_pass.h"
#include "util/mutex.h"

namespace phodex::scan {

// A counting semaphore over bytes (thread-safe).
class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t cap) : cap_(std::max<int64_t>(cap, 1)) {}
  // Waits until `bytes` fit (or nothing else is in flight), takes them and
  // returns how much was taken.
  int64_t Acquire(int64_t bytes) EXCLUDES(mu_);
  void Release(int64_t bytes) EXCLUDES(mu_);

 private:
  const int64_t cap_;
  util::Mutex mu_;
  util::CondVar cv_;
  int64_t used_ GUARDED_BY(mu_) = 0;
};

// One file and what became of it.
struct PixelItem {
  catalog::PixelCandidate file;
  enum class Outcome {
    kUpToDate,
    kRendered,
    kContentError,  // recorded for its content (update), not retried
    kOtherError,    // passing: due again
    kChanged,       // not what the catalog describes: left to its next scan
    kNotDone        // interrupted before it: left for the next run
  } outcome = Outcome::kUpToDate;
  bool hashed = false;  // file.hash was computed here: record it
  std::optional<catalog::PixelUpdate> update;
  std::optional<Error> error;
};

// What `ops --errors` shows for a failed item. An error about another
// file than the photo (the cache file that could not be written) names
// that file too.
catalog::FileErrorEntry PixelErrorEntry(const PixelItem& item);

class PixelWork {
 public:
  // `options` (its renderer and cache), `fs`, `clock` and `cancel` (may be
  // null) are borrowed and outlive this.
  PixelWork(os::FileSystem& fs, os::Clock& clock,
            const PixelPassOptions& options, const std::atomic<bool>* cancel);

  // Whether the catalog's facts and the cache say `c` is done.
  bool UpToDate(const catalog::PixelCandidate& c) const;
  // Whether the item needs a decode (after hashing it if need be); when
  // not, item.outcome says why.
  bool Prepare(PixelItem& item);
  // Decodes the item and writes its thumbnails. REQUIRES: Prepare said so.
  void Render(PixelItem& item);

 private:
  Status EnsureHash(PixelItem& item);
  bool Cancelled(PixelItem& item) const;

  os::FileSystem& fs_;
  os::Clock& clock_;
  const PixelPassOptions& options_;
  const std::atomic<bool>* const cancel_;
  std::vector<imaging::EncodeOptions> outputs_;
  MemoryBudget budget_;
};

}  // namespace phodex::scan
