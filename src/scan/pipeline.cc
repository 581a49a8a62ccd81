#include "scan/pipeline.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <mutex>
#include <thread>

#include "os/process.h"
#include "scan/move_detector.h"
#include "util/bounded_queue.h"
#include "util/metrics.h"

namespace phodex::scan {
namespace {

constexpr size_t kMaxReportedErrors = 20;
constexpr size_t kQueueFolders = 256;

// Joins walker -> detector -> stages and hands each folder's result to the
// writer queue. Thread-safe (called from walker threads).
class ScanVisitor final : public WalkVisitor {
 public:
  ScanVisitor(const std::string& root_abs, ChangeDetector& detector,
              std::span<Stage* const> stages,
              util::BoundedQueue<DirChanges>& queue, ScanProgress& progress)
      : root_abs_(root_abs),
        content_version_(stages.empty() ? 0 : kContentStagesVersion),
        detector_(detector),
        stages_(stages),
        queue_(queue),
        progress_(progress) {}

  void OnDirectory(std::string_view rel_dir,
                   std::vector<WalkEntry>&& files) override {
    DirChanges changes = detector_.Detect(rel_dir, std::move(files));
    if (!stages_.empty()) RunStages(changes);
    queue_.Push(std::move(changes));
  }

  void OnError(std::string_view rel, const Error& error) override {
    detector_.Protect(rel);
    DirChanges c;
    c.errors.push_back(Record(error, os::JoinPath(root_abs_, rel)));
    queue_.Push(std::move(c));
  }

  std::vector<catalog::FileErrorEntry> FirstErrors() {
    std::lock_guard lock(mu_);
    return first_errors_;
  }

 private:
  catalog::FileErrorEntry Record(const Error& error, std::string abs) {
    catalog::FileErrorEntry e{std::move(abs), error.op(), error.message()};
    std::lock_guard lock(mu_);
    if (first_errors_.size() < kMaxReportedErrors) first_errors_.push_back(e);
    return e;
  }

  void RunStages(DirChanges& changes) {
    std::vector<FileChange> kept;
    kept.reserve(changes.changes.size());
    for (FileChange& c : changes.changes) {
      const std::string abs = os::JoinPath(root_abs_, c.upsert.rel);
      c.upsert.content_version = content_version_;
      c.upsert.error.reset();
      bool vanished = false;
      for (Stage* stage : stages_) {
        auto st = stage->Process(abs, c.upsert);
        if (st) continue;
        progress_.errors.fetch_add(1, std::memory_order_relaxed);
        Error err = st.error();
        if (err.code() == ErrorCode::kNotFound) {
          vanished = true;
          err = Error(err.code(), "vanished during the scan", err.op(),
                      err.path());
        }
        changes.errors.push_back(Record(err, abs));
        if (vanished) break;
        c.upsert.error = std::string(stage->name()) + ": " + err.ToString();
        // Not processed: the next scan tries again even if it is unchanged.
        c.upsert.content_version = 0;
      }
      if (!vanished) kept.push_back(std::move(c));
    }
    changes.changes = std::move(kept);
  }

  const std::string& root_abs_;
  const int content_version_;
  ChangeDetector& detector_;
  std::span<Stage* const> stages_;
  util::BoundedQueue<DirChanges>& queue_;
  ScanProgress& progress_;
  std::mutex mu_;
  std::vector<catalog::FileErrorEntry> first_errors_;  // GUARDED_BY(mu_)
};

int DefaultThreads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(hw == 0 ? 4 : 2 * hw);
}

}  // namespace

Result<ScanReport> ScanRoot(catalog::Catalog& catalog, os::FileSystem& fs,
                            os::Clock& clock, const catalog::Root& root,
                            const std::string& scope,
                            const ScanOptions& options,
                            ScanProgress& progress,
                            const std::atomic<bool>* cancel) {
  const int64_t start_mono = clock.MonotonicNs();
  ScanReport report;
  PHODEX_ASSIGN_OR_RETURN(report.interrupted_before,
                          catalog.InterruptStaleOperations(root.id,
                                                           clock.NowUnixNs()));
  PHODEX_ASSIGN_OR_RETURN(const int64_t gen,
                          catalog.NextScanGeneration(root.id));
  catalog::Operation op;
  op.type = "scan";
  op.root = root.id;
  op.scope = scope;
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  PHODEX_ASSIGN_OR_RETURN(report.op, catalog.BeginOperation(op));

  auto finish = [&](catalog::OperationStatus status,
                    const catalog::OperationCounts& counts,
                    std::string error) -> Result<ScanReport> {
    report.status = status;
    report.counts = counts;
    report.error = std::move(error);
    report.seconds =
        static_cast<double>(clock.MonotonicNs() - start_mono) / 1e9;
    progress.phase = 3;
    PHODEX_TRY(catalog.FinishOperation(report.op, status, counts, report.error,
                                       clock.NowUnixNs()));
    return report;
  };

  // Load what the catalog knows under the scope.
  ContentStage content(fs, options.content);
  std::vector<Stage*> stage_list;
  if (!options.discover_only) stage_list.push_back(&content);
  const std::span<Stage* const> stages = stage_list;
  ChangeDetector::Wants wants;
  if (!options.discover_only) {
    wants.content_version = kContentStagesVersion;
    wants.full_hash = options.content.full_hash;
    wants.sha256 = options.content.sha256;
  }
  ChangeDetector detector(wants);
  {
    PHODEX_METRIC_RECORD("scan.load_known");
    auto st = catalog.ForEachKnownFile(
        root.id, scope,
        [&](catalog::KnownFile&& f) { detector.AddKnown(std::move(f)); });
    if (!st) return finish(catalog::OperationStatus::kFailed, {},
                           st.error().ToString());
    detector.Seal();
  }
  progress.expected_files = detector.known_count();

  const std::string start_abs = os::JoinPath(root.path, scope);
  if (detector.known_count() > 0 && !options.allow_empty_root) {
    auto listing = fs.ListDir(start_abs, os::Follow::kNo);
    if (listing && listing->empty()) {
      return finish(
          catalog::OperationStatus::kFailed, {},
          "folder '" + start_abs + "' is empty, but the catalog holds " +
              std::to_string(detector.known_count()) +
              " files there; is the drive mounted? (--allow-empty-root "
              "marks them all removed)");
    }
  }

  // Writer thread: the only user of the catalog while the walk runs.
  util::BoundedQueue<DirChanges> queue(kQueueFolders);
  catalog::ScanBatch header;
  header.root = root.id;
  header.op = report.op;
  header.scan_gen = gen;
  header.removals_last_seen_ns = root.last_scanned_ns.value_or(0);
  BatchWriter writer(catalog, header, options.batch, progress, clock);
  std::atomic<bool> writer_failed{false};
  std::optional<Error> writer_error;
  std::thread writer_thread([&] {
    DirChanges item;
    for (;;) {
      const auto s = queue.PopFor(std::chrono::milliseconds(50), &item);
      if (s == util::BoundedQueue<DirChanges>::PopStatus::kClosed) break;
      if (writer_failed.load()) continue;  // drain so producers never block
      Status st = s == util::BoundedQueue<DirChanges>::PopStatus::kItem
                      ? writer.Add(std::move(item))
                      : writer.MaybeFlush();
      if (!st) {
        writer_error = st.error();
        writer_failed = true;
      }
    }
    if (!writer_failed.load()) {
      if (Status st = writer.Flush(); !st) {
        writer_error = st.error();
        writer_failed = true;
      }
    }
  });

  progress.phase = 1;
  ScanVisitor visitor(root.path, detector, stages, queue, progress);
  WalkOptions walk_options;
  walk_options.follow_symlinks = options.follow_symlinks;
  walk_options.file_systems = options.file_systems;
  walk_options.should_stop = [&] {
    return writer_failed.load(std::memory_order_relaxed) ||
           (cancel && cancel->load(std::memory_order_relaxed));
  };
  Filter filter(options.filter);
  Walker walker(fs, filter, walk_options, progress);
  Status walked;
  {
    PHODEX_METRIC_RECORD("scan.walk");
    const int threads = options.threads > 0 ? options.threads
                                            : DefaultThreads();
    // Allow more threads than cores: the walk waits on I/O.
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(threads));
    tbb::task_arena arena(threads);
    walked = arena.execute([&] { return walker.Walk(root.path, scope, visitor); });
  }
  queue.Close();
  writer_thread.join();
  progress.phase = 2;
  report.first_errors = visitor.FirstErrors();

  if (writer_failed) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  "writing to the catalog failed: " +
                      writer_error->ToString());
  }
  if (!walked) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  walked.error().ToString());
  }
  if (cancel && cancel->load()) {
    return finish(catalog::OperationStatus::kInterrupted, writer.committed(),
                  "interrupted by the user");
  }
  // The walk was complete: what was not seen is gone, unless it moved.
  catalog::OperationCounts counts;
  {
    PHODEX_METRIC_RECORD("scan.mark_removed");
    Status st = writer.AddRemovals(detector.Unseen());
    if (st) st = writer.Flush();
    counts = writer.committed();
    if (st) {
      auto moves = ResolveMoves(catalog, fs, root.id, gen);
      if (moves) {
        counts.moved = moves->moved;
        counts.added -= moves->added_by_this_scan;
        counts.removed -= moves->removed_by_this_scan;
        counts.errors += static_cast<int64_t>(moves->errors.size());
        for (auto& e : moves->errors) {
          if (report.first_errors.size() < kMaxReportedErrors) {
            report.first_errors.push_back(e);
          }
        }
        progress.added.fetch_sub(moves->added_by_this_scan);
        progress.removed.fetch_sub(moves->removed_by_this_scan);
      } else {
        st = std::unexpected(moves.error());
      }
    }
    if (st) st = catalog.SetRootScanned(root.id, clock.NowUnixNs());
    if (!st) {
      return finish(catalog::OperationStatus::kFailed, counts,
                    "writing to the catalog failed: " + st.error().ToString());
    }
  }
  return finish(catalog::OperationStatus::kCompleted, counts, "");
}

}  // namespace phodex::scan
