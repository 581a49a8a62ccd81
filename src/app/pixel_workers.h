#pragma once
// The command line's side of the pixel stage (library/thumbs.h): the
// isolated decoder pool this binary provides (the worker is this binary
// started as `phodex __pixel-worker`; app::Context::OpenLibrary hands
// StartPixelWorkers to the library as WorkerFactories::pixels), and how a
// run is shown: a progress line on a terminal, a summary line, the first
// errors. Single-threaded (the main thread), but for the progress line's
// own thread.

#include <atomic>
#include <memory>
#include <string>

#include "app/config.h"
#include "app/context.h"
#include "catalog/catalog.h"
#include "imaging/renderer.h"
#include "imaging/thumbnail_cache.h"
#include "library/thumbs.h"

namespace phodex::app {

// The hidden command that runs a decoder worker (never shown in --help).
inline constexpr char kPixelWorkerCommand[] = "__pixel-worker";

// The decoder pool, sized and timed by `config` (lazily: no process until
// the first file). PHODEX_PIXELS_IN_PROCESS_FOR_BENCH set in the
// environment gives the unisolated in-process renderer instead.
Result<std::unique_ptr<imaging::PixelRenderer>> StartPixelWorkers(
    const Config& config);

// <data_dir>/thumbs, with the sizes, format and quality of `config`
// (library::OpenThumbnailCache).
std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    Context& ctx, const Config& config);

// Shows the runs of library::Thumbs: a progress line on stderr while a
// run goes on (on a terminal only), then its summary line and first
// errors on stdout, or its error on stderr.
class PixelStagePrinter final : public library::ThumbsSink {
 public:
  PixelStagePrinter();
  ~PixelStagePrinter() override;

  void StageStarting(const std::string& where,
                     const scan::PixelProgress& progress) override;
  void StageDone(const std::string& where,
                 const library::PixelStageResult& result) override;
  void StageFailed(const std::string& where, const Error& error) override;

 private:
  class ProgressLine;
  std::unique_ptr<ProgressLine> line_;
};

// `phodex scan --thumbs`: library::RunPixelStage over `scope` of the
// context's library, shown by PixelStagePrinter. Returns an exit code.
// `cat` and `config` must be the context's (the library's are used).
int RunPixelStage(Context& ctx, catalog::Catalog& cat, const Config& config,
                  const catalog::FileQuery& scope, const std::string& where,
                  const std::atomic<bool>& cancel);

}  // namespace phodex::app
