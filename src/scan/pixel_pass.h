#pragma once
// The pixel stage: every present photo, RAW and video of a scope is
// decoded once (imaging/renderer.h) and that one decode gives its
// thumbnail and preview (written to the content-addressed cache,
// imaging/thumbnail_cache.h), its perceptual hash and its quality
// metrics (stored per content hash in the catalog). It runs after the
// metadata stages: `phodex scan --thumbs` runs it over the scanned scope
// when the walk is done, `phodex thumbs` on its own.
//
// Resumable by construction: the work list is what the catalog and the
// cache lack, read in pages by file id, and each page is committed before
// the next; an interrupted run loses at most one page of work.
//   - a file whose content (hash) has current facts and whose thumbnails
//     are all in the cache is skipped: a moved or copied file costs one
//     stat per thumbnail;
//   - a file without a full hash is hashed first (the read also brings it
//     into the page cache for the decode);
//   - a file the decoders cannot read, crash on or hang on gets its reason
//     recorded for its content and is not tried again until it changes;
//   - a file that changed since the last scan is left to the next scan.
//
// RunPixelPass is thread-compatible; it runs its own threads.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "imaging/renderer.h"
#include "imaging/thumbnail_cache.h"
#include "os/clock.h"
#include "os/file_system.h"

namespace phodex::scan {

struct PixelPassOptions {
  // REQUIRED: where pixels come from (the isolated RenderPool in the app)
  // and where thumbnails go.
  imaging::PixelRenderer* renderer = nullptr;
  imaging::ThumbnailCache* cache = nullptr;
  // Files decoded at once (normally the number of render workers).
  int threads = 2;
  // Files per catalog commit (and per page of the work list).
  int page = 256;
  int64_t max_source_pixels = imaging::DecodeOptions{}.max_source_pixels;
  // Memory the decodes in flight may use together, estimated per file from
  // its kind and pixel count (EstimateDecodeBytes): on a many-core machine
  // fifty-megapixel RAWs wait for each other instead of all decoding at
  // once. A file estimated above the budget runs alone.
  int64_t memory_budget_bytes = int64_t{1024} << 20;
  // The operation the pass runs in: each file that fails is recorded
  // for it (`phodex ops --errors`). 0: not recorded.
  OperationId op;
};

// What decoding one file is estimated to take at its peak, in the worker:
// a half-size RAW demosaic holds the raw data and the half-size image
// (~6 bytes a source pixel), libheif decodes HEIF/AVIF whole (~14 bytes),
// JPEG shrinks on load (~1 byte), other formats ~4 bytes; a video frame
// ~100 MB. Unknown sizes count as 24 megapixels. Measured in
// docs/performance.md ("Thumbnails: memory").
int64_t EstimateDecodeBytes(const catalog::PixelCandidate& file);

// Live counters (atomics; thread-safe), for progress: the report's
// counts so far, published after each page.
struct PixelProgress {
  std::atomic<int64_t> candidates{0};  // photos, RAWs, videos looked at
  std::atomic<int64_t> rendered{0};    // decoded this run
  std::atomic<int64_t> up_to_date{0};  // nothing to do
  std::atomic<int64_t> hashed{0};      // full hash computed first
  std::atomic<int64_t> errors{0};
};

struct PixelPassReport {
  int64_t candidates = 0;
  int64_t rendered = 0;
  int64_t up_to_date = 0;
  int64_t hashed = 0;
  int64_t errors = 0;
  int64_t skipped_changed = 0;  // changed since the last scan
  bool interrupted = false;
  double seconds = 0;
  std::vector<catalog::FileErrorEntry> first_errors;  // at most 20
};

// Processes `scope` (root, rel_prefix; "" = everything). Returns an error
// only when the catalog cannot be read or written; per-file errors are in
// the report and recorded for `options.op` (and, for content errors, in
// the content's pixel facts). Once `cancel` is set, files not begun are
// left for the next run and the pass ends after the files in flight.
Result<PixelPassReport> RunPixelPass(catalog::Catalog& catalog,
                                     os::FileSystem& fs, os::Clock& clock,
                                     const catalog::FileQuery& scope,
                                     const PixelPassOptions& options,
                                     PixelProgress& progress,
                                     const std::atomic<bool>* cancel);

}  // namespace phodex::scan
