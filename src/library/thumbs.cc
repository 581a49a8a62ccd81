#include "library/thumbs.h"

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "jobs/operation_scope.h"
#include "library/path_scope.h"

namespace phodex::library {
namespace {

int Cores() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

scan::PixelPassOptions PixelPassOptionsFor(const Config& config) {
  scan::PixelPassOptions options;
  options.threads = config.pixel_workers > 0 ? config.pixel_workers : Cores();
  options.max_source_pixels =
      static_cast<int64_t>(config.max_megapixels * 1e6);
  options.memory_budget_bytes = static_cast<int64_t>(config.pixel_memory_mb)
                                << 20;
  return options;
}

std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(Library& lib) {
  return OpenThumbnailCache(lib.fs(), lib.data(), lib.config());
}

std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    os::FileSystem& fs, const DataFolder& data, const Config& config) {
  const imaging::ImageFormat format = config.thumb_format == "jpeg"
                                          ? imaging::ImageFormat::kJpeg
                                          : imaging::ImageFormat::kWebp;
  std::vector<imaging::ThumbnailSpec> specs = {
      {"thumb", {config.thumb_size, format, config.thumb_quality}}};
  if (config.preview_size > 0) {  // 0: thumbnails only
    specs.push_back(
        {"preview", {config.preview_size, format, config.thumb_quality}});
  }
  return std::make_unique<imaging::ThumbnailCache>(fs, data.ThumbsDir(),
                                                   std::move(specs));
}

Result<PixelStageResult> RunPixelStage(Library& lib,
                                       const catalog::FileQuery& scope,
                                       scan::PixelProgress& progress,
                                       const jobs::CancelToken& cancel) {
  PHODEX_CHECK(lib.workers().pixels != nullptr);
  PHODEX_ASSIGN_OR_RETURN(auto renderer, lib.workers().pixels(lib.config()));
  auto cache = OpenThumbnailCache(lib);
  scan::PixelPassOptions options = PixelPassOptionsFor(lib.config());
  options.renderer = renderer.get();
  options.cache = cache.get();
  catalog::Operation op;
  op.type = "thumbs";
  op.root = scope.root;
  op.scope = scope.rel_prefix;
  PHODEX_ASSIGN_OR_RETURN(
      jobs::OperationScope run,
      jobs::OperationScope::Begin(lib.catalog(), lib.clock(), op));
  options.op = run.id();
  auto report = scan::RunPixelPass(lib.catalog(), lib.fs(), lib.clock(), scope,
                                   options, progress, cancel.flag());
  if (!report) return std::unexpected(run.Fail(report.error()));
  PixelStageResult result;
  result.op = run.id();
  result.report = std::move(*report);
  const scan::PixelPassReport& r = result.report;
  catalog::OperationCounts counts;
  counts.scanned = r.candidates;
  counts.updated = r.rendered;
  counts.errors = r.errors;
  result.all_failed = r.errors > 0 && r.errors == r.candidates;
  const auto status = r.interrupted       ? catalog::OperationStatus::kInterrupted
                      : result.all_failed ? catalog::OperationStatus::kFailed
                                          : catalog::OperationStatus::kCompleted;
  PHODEX_TRY(run.Finish(status, counts,
                        result.all_failed ? "every file failed" : ""));
  return result;
}

Result<ThumbsResult> Thumbs(Library& lib, const ThumbsRequest& request,
                            ThumbsSink& sink, const jobs::CancelToken& cancel) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::FileQuery> scopes,
      ScopesOfPaths(lib.fs(), lib.catalog(), request.paths));
  ThumbsResult result;
  for (size_t i = 0; i < scopes.size(); ++i) {
    if (cancel.cancelled()) {
      result.interrupted = true;
      break;
    }
    const std::string where =
        request.paths.empty() ? "all roots" : request.paths[i];
    scan::PixelProgress progress;
    sink.StageStarting(where, progress);
    auto stage = RunPixelStage(lib, scopes[i], progress, cancel);
    if (!stage) {
      sink.StageFailed(where, stage.error());
      ++result.stages_failed;
      continue;
    }
    sink.StageDone(where, *stage);
    if (stage->all_failed) ++result.stages_failed;
    if (stage->report.interrupted) {
      result.interrupted = true;
      break;
    }
  }
  return result;
}

Result<imaging::CacheGcReport> CollectThumbs(Library& lib) {
  std::unordered_set<ContentHash> live;
  PHODEX_TRY(lib.catalog().ForEachPresentHash(
      [&](const ContentHash& h) { live.insert(h); }));
  return OpenThumbnailCache(lib)->Collect(
      [&](const ContentHash& h) { return live.count(h) > 0; });
}

}  // namespace phodex::library
