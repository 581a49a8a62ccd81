#pragma once
// The use cases of `phodex thumbs` and of the pixel stage of `phodex scan
// --thumbs` (and later the API's thumbnail jobs): decode each photo, RAW
// and video once in the isolated decoder pool (library::WorkerFactories::
// pixels) and make its thumbnail and preview, perceptual hash and quality
// (scan/pixel_pass.h), as one "thumbs" operation per scope; and the
// thumbnail cache itself, at the data folder's thumbs/, with the settings'
// sizes, format and quality. Thread-compatible: one thread calls, with one
// Library; the pass runs its own threads.

#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "imaging/thumbnail_cache.h"
#include "jobs/cancel_token.h"
#include "library/library.h"
#include "scan/pixel_pass.h"

namespace phodex::library {

// The cache at lib.data().ThumbsDir() with the settings' [thumbnails]
// sizes, format and quality (its settings_key() names them). Opens
// nothing: a cache that is never written creates no folder.
std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(Library& lib);
// The same, before a Library exists (a query that wants only the cache's
// settings key).
std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    os::FileSystem& fs, const DataFolder& data, const Config& config);

// The pixel stage's options from the settings ([thumbnails] workers,
// megapixel limit, memory budget); renderer, cache and op unset.
scan::PixelPassOptions PixelPassOptionsFor(const Config& config);

// One run of the pixel stage.
struct PixelStageResult {
  OperationId op;
  scan::PixelPassReport report;
  // Every file failed (a full or read-only cache): the run did not do its
  // job, whatever the reasons; the operation ended failed.
  bool all_failed = false;
};

// Runs the pixel stage over `scope` (root, rel_prefix; {} = everything)
// with the settings' [thumbnails] workers, time limit, megapixel limit and
// memory budget. The decoder pool is started here (its processes start
// with the first file that needs one) and stopped at the end. `progress`
// is counted while it runs (for a progress line polled by another
// thread). Once `cancel` is set, no new file is started
// (report.interrupted; the operation ends interrupted). Errors: the
// decoder pool's start (before the operation begins), the catalog's (the
// operation ends failed). REQUIRES: lib.workers().pixels is set.
// This is what `phodex scan --thumbs` calls after each root's scan.
Result<PixelStageResult> RunPixelStage(Library& lib,
                                       const catalog::FileQuery& scope,
                                       scan::PixelProgress& progress,
                                       const jobs::CancelToken& cancel);

struct ThumbsRequest {
  // Roots, folders or files as typed; empty: everything cataloged.
  std::vector<std::string> paths;
};

// Told about each scope's run, in order. Called on the calling thread.
class ThumbsSink {
 public:
  virtual ~ThumbsSink() = default;
  // `where`: the path as typed, or "all roots". `progress` counts until
  // StageDone or StageFailed.
  virtual void StageStarting(const std::string& where,
                             const scan::PixelProgress& progress) = 0;
  virtual void StageDone(const std::string& where,
                         const PixelStageResult& result) = 0;
  // The run of that scope could not go on; the next scope still runs.
  virtual void StageFailed(const std::string& where, const Error& error) = 0;
};

struct ThumbsResult {
  int64_t stages_failed = 0;  // StageFailed, or every file failed
  bool interrupted = false;   // stopped by `cancel`
};

// RunPixelStage over each path's scope in turn, told to `sink`; stops
// before the next scope once `cancel` is set. Errors: a path in no root
// (kNotFound, before anything runs), the catalog's.
Result<ThumbsResult> Thumbs(Library& lib, const ThumbsRequest& request,
                            ThumbsSink& sink, const jobs::CancelToken& cancel);

// Removes cache files no present file's content needs, and those made with
// other settings (`phodex thumbs --gc`).
Result<imaging::CacheGcReport> CollectThumbs(Library& lib);

}  // namespace phodex::library
