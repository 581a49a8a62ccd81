#include "app/pixel_workers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/decoders.h"
#include "os/process.h"
#include "os/subprocess.h"
#include "util/mutex.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {

Result<std::unique_ptr<imaging::PixelRenderer>> StartPixelWorkers(
    const Config& config) {
  // For measuring what the isolation costs (bench/run.py).
  if (os::GetEnv("PHODEX_PIXELS_IN_PROCESS_FOR_BENCH")) {
    return NewInProcessRenderer();
  }
  // The workers load the decoder module; a missing one fails here, once,
  // rather than in every worker.
  if (auto found = FindDecoders(); !found) {
    return std::unexpected(found.error());
  }
  PHODEX_ASSIGN_OR_RETURN(std::string self, os::SelfExecutablePath());
  os::WorkerPoolOptions options;
  options.worker_argv = {self, kPixelWorkerCommand};
  options.workers =
      config.pixel_workers > 0
          ? config.pixel_workers
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(config.pixel_timeout_s * 1000));
  options.what = "decoder";
  PHODEX_ASSIGN_OR_RETURN(auto pool,
                          imaging::RenderPool::Create(std::move(options)));
  return std::unique_ptr<imaging::PixelRenderer>(std::move(pool));
}

std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    Context& ctx, const Config& config) {
  return library::OpenThumbnailCache(ctx.fs(), ctx.data(), config);
}

// One line on stderr, rewritten every second, while the pass runs on a
// terminal.
class PixelStagePrinter::ProgressLine {
 public:
  explicit ProgressLine(const scan::PixelProgress& p) : p_(p) {
    if (!os::IsTerminal(2)) return;
    thread_ = std::thread([this] {
      util::MutexLock lock(mu_);
      auto next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      while (!done_) {
        if (cv_.WaitUntil(mu_, next) || done_) continue;  // woken, or done
        next = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        std::fprintf(stderr, "\rthumbs: %s files, %s decoded, %s up to date, %s errors ",
                     util::GroupThousands(p_.candidates.load()).c_str(),
                     util::GroupThousands(p_.rendered.load()).c_str(),
                     util::GroupThousands(p_.up_to_date.load()).c_str(),
                     util::GroupThousands(p_.errors.load()).c_str());
      }
      std::fprintf(stderr, "\r\033[K");
    });
  }
  ~ProgressLine() {
    {
      util::MutexLock lock(mu_);
      done_ = true;
    }
    cv_.NotifyAll();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const scan::PixelProgress& p_;
  util::Mutex mu_;
  util::CondVar cv_;
  bool done_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

PixelStagePrinter::PixelStagePrinter() = default;
PixelStagePrinter::~PixelStagePrinter() = default;

void PixelStagePrinter::StageStarting(const std::string&,
                                      const scan::PixelProgress& progress) {
  line_ = std::make_unique<ProgressLine>(progress);
}

void PixelStagePrinter::StageFailed(const std::string&, const Error& error) {
  line_.reset();
  PrintError(error.ToString());
}

void PixelStagePrinter::StageDone(const std::string& where,
                                  const library::PixelStageResult& result) {
  line_.reset();
  const scan::PixelPassReport& r = result.report;
  std::printf(
      "thumbs %s'%s': %s photos and videos, %s decoded, %s up to date, %s "
      "hashed first, %s changed since the scan (skipped), %s errors, in %s\n",
      r.interrupted ? "(interrupted) " : "",
      util::EscapeControls(where, util::Newline::kEscape).c_str(),
      util::GroupThousands(r.candidates).c_str(),
      util::GroupThousands(r.rendered).c_str(),
      util::GroupThousands(r.up_to_date).c_str(),
      util::GroupThousands(r.hashed).c_str(),
      util::GroupThousands(r.skipped_changed).c_str(),
      util::GroupThousands(r.errors).c_str(),
      util::HumanDuration(r.seconds).c_str());
  for (const catalog::FileErrorEntry& e : r.first_errors) {
    std::printf("  error: %s '%s': %s\n", e.op.c_str(),
                util::EscapeForTerminal(e.path).c_str(),
                util::EscapeControls(e.reason, util::Newline::kEscape).c_str());
  }
  spdlog::info("thumbs #{} '{}': {} files, {} decoded, {} errors",
               result.op.value, where, r.candidates, r.rendered, r.errors);
}

int RunPixelStage(Context& ctx, catalog::Catalog& /*cat*/,
                  const Config& /*config*/, const catalog::FileQuery& scope,
                  const std::string& where, const std::atomic<bool>& cancel) {
  auto lib = ctx.OpenLibrary(CatalogUse::kWrite);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  PixelStagePrinter printer;
  scan::PixelProgress progress;
  printer.StageStarting(where, progress);
  auto stage = library::RunPixelStage(**lib, scope, progress,
                                      jobs::CancelToken(cancel));
  if (!stage) {
    printer.StageFailed(where, stage.error());
    return kExitError;
  }
  printer.StageDone(where, *stage);
  if (stage->report.interrupted) return kExitInterrupted;
  return stage->all_failed ? kExitError : kExitOk;
}

}  // namespace phodex::app
