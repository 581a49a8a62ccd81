#include "app/pixel_workers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/decoders.h"
#include "os/clock.h"
#include "os/process.h"
#include "os/subprocess.h"
#include "util/mutex.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

int Cores() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

Result<std::unique_ptr<imaging::PixelRenderer>> StartRenderer(
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
  options.workers = config.pixel_workers > 0 ? config.pixel_workers : Cores();
  options.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(config.pixel_timeout_s * 1000));
  options.what = "decoder";
  PHODEX_ASSIGN_OR_RETURN(auto pool,
                          imaging::RenderPool::Create(std::move(options)));
  return std::unique_ptr<imaging::PixelRenderer>(std::move(pool));
}

// One line on stderr, rewritten every second, while the pass runs on a
// terminal.
class PixelProgressLine {
 public:
  explicit PixelProgressLine(const scan::PixelProgress& p) : p_(p) {
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
  ~PixelProgressLine() {
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

}  // namespace

std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    Context& ctx, const Config& config) {
  const imaging::ImageFormat format = config.thumb_format == "jpeg"
                                          ? imaging::ImageFormat::kJpeg
                                          : imaging::ImageFormat::kWebp;
  std::vector<imaging::ThumbnailSpec> specs = {
      {"thumb", {config.thumb_size, format, config.thumb_quality}}};
  if (config.preview_size > 0) {  // 0: thumbnails only
    specs.push_back(
        {"preview", {config.preview_size, format, config.thumb_quality}});
  }
  return std::make_unique<imaging::ThumbnailCache>(ctx.fs(), ctx.thumbs_dir(),
                                                   std::move(specs));
}

int RunPixelStage(Context& ctx, catalog::Catalog& cat, const Config& config,
                  const catalog::FileQuery& scope, const std::string& where,
                  const std::atomic<bool>& cancel) {
  auto renderer = StartRenderer(config);
  if (!renderer) return PrintError(renderer.error().ToString()), kExitError;
  auto cache = OpenThumbnailCache(ctx, config);
  scan::PixelPassOptions options;
  options.renderer = renderer->get();
  options.cache = cache.get();
  options.threads = config.pixel_workers > 0 ? config.pixel_workers : Cores();
  options.max_source_pixels =
      static_cast<int64_t>(config.max_megapixels * 1e6);
  options.memory_budget_bytes = static_cast<int64_t>(config.pixel_memory_mb) << 20;
  os::Clock& clock = os::SystemClock();
  catalog::Operation op;
  op.type = "thumbs";
  op.root = scope.root;
  op.scope = scope.rel_prefix;
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  auto op_id = cat.BeginOperation(op);
  if (!op_id) return PrintError(op_id.error().ToString()), kExitError;
  options.op = *op_id;
  scan::PixelProgress progress;
  Result<scan::PixelPassReport> report;
  {
    PixelProgressLine line(progress);
    report = scan::RunPixelPass(cat, ctx.fs(), clock, scope, options, progress,
                                &cancel);
  }
  if (!report) {
    (void)cat.FinishOperation(*op_id, catalog::OperationStatus::kFailed, {},
                              report.error().ToString(), clock.NowUnixNs());
    return PrintError(report.error().ToString()), kExitError;
  }
  catalog::OperationCounts counts;
  counts.scanned = report->candidates;
  counts.updated = report->rendered;
  counts.errors = report->errors;
  // A run where every file failed (a full or read-only cache) did not do
  // its job: it is no success, whatever the reasons.
  const bool all_failed =
      report->errors > 0 && report->errors == report->candidates;
  const auto status = report->interrupted
                          ? catalog::OperationStatus::kInterrupted
                      : all_failed ? catalog::OperationStatus::kFailed
                                   : catalog::OperationStatus::kCompleted;
  (void)cat.FinishOperation(*op_id, status, counts,
                            all_failed ? "every file failed" : "",
                            clock.NowUnixNs());
  std::printf(
      "thumbs %s'%s': %s photos and videos, %s decoded, %s up to date, %s "
      "hashed first, %s changed since the scan (skipped), %s errors, in %s\n",
      report->interrupted ? "(interrupted) " : "",
      util::EscapeControls(where, util::Newline::kEscape).c_str(),
      util::GroupThousands(report->candidates).c_str(),
      util::GroupThousands(report->rendered).c_str(),
      util::GroupThousands(report->up_to_date).c_str(),
      util::GroupThousands(report->hashed).c_str(),
      util::GroupThousands(report->skipped_changed).c_str(),
      util::GroupThousands(report->errors).c_str(),
      util::HumanDuration(report->seconds).c_str());
  for (const catalog::FileErrorEntry& e : report->first_errors) {
    std::printf("  error: %s '%s': %s\n", e.op.c_str(),
                util::EscapeForTerminal(e.path).c_str(),
                util::EscapeControls(e.reason, util::Newline::kEscape).c_str());
  }
  spdlog::info("thumbs #{} '{}': {} files, {} decoded, {} errors", op_id->value,
               where, report->candidates, report->rendered, report->errors);
  if (report->interrupted) return kExitInterrupted;
  return all_failed ? kExitError : kExitOk;
}

}  // namespace phodex::app
