#include "scan/pipeline.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include "os/process.h"
#include "scan/metadata_stage.h"
#include "scan/move_detector.h"
#include "scan/retry_policy.h"
#include "scan/root_identity.h"
#include "util/bounded_queue.h"
#include "util/metrics.h"
#include "util/mutex.h"

namespace phodex::scan {
namespace {

constexpr size_t kMaxReportedErrors = 20;
constexpr size_t kQueueFolders = 256;

// Joins walker -> detector -> stages and hands each folder's result to the
// writer queue. Thread-safe (called from walker threads).
class ScanVisitor final : public WalkVisitor {
 public:
  ScanVisitor(const std::string& root_abs, ChangeDetector& detector,
              std::span<Stage* const> stages, int content_version,
              util::BoundedQueue<DirChanges>& queue, ScanProgress& progress,
              const std::atomic<bool>* cancel)
      : root_abs_(root_abs),
        content_version_(content_version),
        detector_(detector),
        stages_(stages),
        queue_(queue),
        progress_(progress),
        cancel_(cancel) {}

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

  std::vector<catalog::FileErrorEntry> FirstErrors() EXCLUDES(mu_) {
    util::MutexLock lock(mu_);
    return first_errors_;
  }

 private:
  catalog::FileErrorEntry Record(const Error& error, std::string abs)
      EXCLUDES(mu_) {
    catalog::FileErrorEntry e{std::move(abs), error.op(), error.message()};
    util::MutexLock lock(mu_);
    if (first_errors_.size() < kMaxReportedErrors) first_errors_.push_back(e);
    return e;
  }

  // The files of one folder go through the stages in parallel: a folder
  // of 1,000 photos (a camera card) must keep every metadata worker busy.
  void RunStages(DirChanges& changes) {
    std::vector<FileChange>& files = changes.changes;
    std::vector<std::vector<catalog::FileErrorEntry>> errors(files.size());
    std::vector<char> vanished(files.size(), 0);
    tbb::parallel_for(tbb::blocked_range<size_t>(0, files.size(), 4),
                      [&](const tbb::blocked_range<size_t>& range) {
                        for (size_t i = range.begin(); i != range.end(); ++i) {
                          // Interrupted: the rest of a big folder is left
                          // out (the next scan finds it again) rather than
                          // read, so Ctrl-C stops within a file per thread.
                          vanished[i] =
                              Cancelled() || RunStagesOn(files[i], errors[i]);
                        }
                      });
    std::vector<FileChange> kept;
    kept.reserve(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      for (auto& e : errors[i]) changes.errors.push_back(std::move(e));
      if (!vanished[i]) kept.push_back(std::move(files[i]));
    }
    changes.changes = std::move(kept);
  }

  bool Cancelled() const {
    return cancel_ != nullptr && cancel_->load(std::memory_order_relaxed);
  }

  // Returns true when the file vanished or its stages were interrupted (it
  // is then not added).
  bool RunStagesOn(FileChange& c,
                   std::vector<catalog::FileErrorEntry>& errors) {
    const std::string abs = os::JoinPath(root_abs_, c.upsert.rel);
    c.upsert.content_version = content_version_;
    c.upsert.error.reset();
    for (Stage* stage : stages_) {
      auto st = stage->Process(abs, c.upsert);
      if (st) continue;
      // Cut short by an interrupt: nothing is known; the next scan reads it.
      if (st.error().code() == ErrorCode::kCancelled) return true;
      progress_.errors.fetch_add(1, std::memory_order_relaxed);
      Error err = st.error();
      if (err.code() == ErrorCode::kNotFound) {
        errors.push_back(Record(Error(err.code(), "vanished during the scan",
                                      err.op(), err.path()),
                                abs));
        return true;
      }
      errors.push_back(Record(err, abs));
      c.upsert.error = std::string(stage->name()) + ": " + err.ToString();
      // A passing failure: the next scan tries again even if it is
      // unchanged (scan/retry_policy.h).
      if (!RecordAsDone(err)) c.upsert.content_version = 0;
    }
    return false;
  }

  const std::string& root_abs_;
  const int content_version_;
  ChangeDetector& detector_;
  std::span<Stage* const> stages_;
  util::BoundedQueue<DirChanges>& queue_;
  ScanProgress& progress_;
  const std::atomic<bool>* const cancel_;
  util::Mutex mu_;
  std::vector<catalog::FileErrorEntry> first_errors_ GUARDED_BY(mu_);
};

int DefaultThreads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(hw == 0 ? 4 : 2 * hw);
}

// The writer thread: the only user of the catalog while the walk runs.
// Takes folder results from the queue, commits through the BatchWriter
// (also when no folder arrives, so a batch never waits longer than its
// max_delay), and on a catalog error keeps draining so the walkers never
// block.
class WriterThread {
 public:
  WriterThread(util::BoundedQueue<DirChanges>& queue, BatchWriter& writer)
      : queue_(queue), writer_(writer), thread_([this] { Run(); }) {}
  ~WriterThread() { Finish(); }

  // Closes the queue, waits for the last commit.
  void Finish() {
    queue_.Close();
    if (thread_.joinable()) thread_.join();
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // REQUIRES: Finish() returned and failed().
  const Error& error() const { return *error_; }

 private:
  using Queue = util::BoundedQueue<DirChanges>;
  void Run() {
    DirChanges item;
    for (;;) {
      const auto s = queue_.PopFor(std::chrono::milliseconds(50), &item);
      if (s == Queue::PopStatus::kClosed) break;
      if (failed()) continue;
      Fail(s == Queue::PopStatus::kItem ? writer_.Add(std::move(item))
                                        : writer_.MaybeFlush());
    }
    if (!failed()) Fail(writer_.Flush());
  }
  void Fail(const Status& st) {
    if (st) return;
    error_ = st.error();
    failed_ = true;
  }

  Queue& queue_;
  BatchWriter& writer_;
  std::atomic<bool> failed_{false};
  std::optional<Error> error_;  // written before failed_ is set
  std::thread thread_;
};

// The kind of failure that would wrongly mark a whole library removed: a
// root folder that is empty while the catalog holds files there.
std::optional<std::string> LooksUnmounted(os::FileSystem& fs,
                                          const std::string& start_abs,
                                          int64_t known) {
  if (known == 0) return std::nullopt;
  auto listing = fs.ListDir(start_abs, os::Follow::kNo);
  if (!listing) return std::nullopt;
  for (const os::DirEntry& e : *listing) {
    if (e.name != kRootMarkerName) return std::nullopt;
  }
  return "folder '" + start_abs + "' is empty, but the catalog holds " +
         std::to_string(known) +
         " files there; is the drive mounted? (--allow-empty-root marks "
         "them all removed)";
}

Status RunWalk(Walker& walker, const catalog::Root& root,
               const std::string& scope, ScanVisitor& visitor, int threads) {
  PHODEX_METRIC_RECORD("scan.walk");
  // Clamped: oneTBB aborts when the kernel refuses a thread.
  threads = std::min(threads > 0 ? threads : DefaultThreads(), kMaxThreads);
  // Allow more threads than cores: the walk waits on I/O.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<size_t>(threads));
  tbb::task_arena arena(threads);
  return arena.execute(
      [&] { return walker.Walk(root.path, scope, visitor); });
}

bool ExceedsRemovalLimit(int64_t removing, int64_t present,
                         double max_fraction) {
  return removing > 0 && static_cast<double>(removing) >
                             max_fraction * static_cast<double>(present);
}

// The root's present files before this scan (a partial scan's detector
// knows only its folder's): the catalog's count less what this scan added.
Result<int64_t> RootPresentBefore(catalog::Catalog& catalog, RootId root,
                                  int64_t added_now) {
  PHODEX_ASSIGN_OR_RETURN(catalog::CatalogStats stats, catalog.Stats());
  for (const catalog::RootStats& rs : stats.roots) {
    if (rs.root.id == root) return std::max<int64_t>(rs.present - added_now, 0);
  }
  return 0;
}

// The removal limit (ScanOptions::max_removed_fraction): the message when
// the files the complete walk did not find are too many to mark removed,
// with the counts in `report`.
Result<std::optional<std::string>> RemovalsOverLimit(
    catalog::Catalog& catalog, const ChangeDetector& detector,
    const std::vector<FileId>& unseen, const catalog::Root& root,
    const std::string& scope, double limit, int64_t added_now,
    ScanReport& report) {
  if (unseen.empty()) return std::nullopt;
  int64_t present = detector.known_count();
  // Each step costs more than the one before and bounds the count from
  // above: renames (same inode) in memory, moves (same quick hash, in any
  // root) in the catalog, then, for a partial scan (whose folder's count
  // bounds the root's from below), the root's count.
  if (!ExceedsRemovalLimit(static_cast<int64_t>(unseen.size()), present,
                           limit)) {
    return std::nullopt;
  }
  const std::vector<FileId> gone = detector.UnseenNotFoundElsewhere();
  int64_t removing = static_cast<int64_t>(gone.size());
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  PHODEX_ASSIGN_OR_RETURN(
      const int64_t moved,
      catalog.CountLikelyMoves(gone, root.last_scanned_ns.value_or(0)));
  removing -= moved;
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  if (!scope.empty()) {
    PHODEX_ASSIGN_OR_RETURN(present,
                            RootPresentBefore(catalog, root.id, added_now));
  }
  if (!ExceedsRemovalLimit(removing, present, limit)) return std::nullopt;
  report.removals_withheld = removing;
  report.root_present = present;
  return std::optional<std::string>(
      std::to_string(removing) + " of the root's " + std::to_string(present) +
      " files were not found, more than the limit (" +
      std::to_string(std::lround(limit * 100)) +
      "%): none were marked removed; --accept-removals marks them");
}

// After a complete walk: marks the known files that were not seen removed,
// then follows moves, and returns the scan's counts with moves counted as
// moves rather than as removed plus added.
Result<catalog::OperationCounts> MarkRemovedAndFollowMoves(
    catalog::Catalog& catalog, os::FileSystem& fs, BatchWriter& writer,
    const std::vector<FileId>& unseen, RootId root, int64_t gen,
    ScanProgress& progress, std::vector<catalog::FileErrorEntry>& errors) {
  PHODEX_METRIC_RECORD("scan.mark_removed");
  PHODEX_TRY(writer.AddRemovals(unseen));
  PHODEX_TRY(writer.Flush());
  catalog::OperationCounts counts = writer.committed();
  PHODEX_ASSIGN_OR_RETURN(MoveReport moves,
                          ResolveMoves(catalog, fs, root, gen));
  counts.moved = moves.moved;
  counts.added -= moves.added_by_this_scan;
  counts.removed -= moves.removed_by_this_scan;
  counts.errors += static_cast<int64_t>(moves.errors.size());
  for (catalog::FileErrorEntry& e : moves.errors) {
    if (errors.size() < kMaxReportedErrors) errors.push_back(std::move(e));
  }
  progress.added.fetch_sub(moves.added_by_this_scan);
  progress.removed.fetch_sub(moves.removed_by_this_scan);
  return counts;
}

// After a completed scan: a root added before identities were recorded
// gets one when the scan found cataloged files where the catalog expected
// them (or, when it knew none, found files at all): the drive is the one
// cataloged. A confirmed root's identity is completed (a marker where it
// can now be written, file-system fields learnt since). Only a catalog
// error fails the scan; a marker or file system that cannot be looked at
// leaves the identity as it was, for the next scan.
Status RecordIdentity(catalog::Catalog& catalog, os::FileSystem& fs,
                      const catalog::Root& root, const RootCheck& check,
                      const ChangeDetector& detector, int64_t added,
                      os::Clock& clock, ScanReport& report) {
  const bool found_where_expected =
      detector.known_count() > 0 ? detector.SeenCount() > 0 : added > 0;
  if (check.presence != RootPresence::kOnline && !found_where_expected) {
    return {};
  }
  auto id = RefreshRootIdentity(fs, root, check, clock.NowUnixNs());
  if (!id || !*id) return {};
  PHODEX_TRY(catalog.SetRootIdentity(root.id, **id));
  report.identity_recorded = std::move(**id);
  return {};
}

}  // namespace

// Longer than most functions here on purpose: it reads top to bottom as
// the pipeline runs (load, walk with stages and writer, finish), and each
// step is one of the helpers above.
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

  // Is this the root's drive? An unmounted one is not a deleted library.
  const RootCheck check = CheckRootIdentity(fs, root);
  if (check.presence == RootPresence::kOffline) {
    report.offline = true;
    return finish(
        catalog::OperationStatus::kFailed, {},
        "root is offline: " + check.reason + "; nothing was marked removed");
  }

  // What the catalog knows under the scope, and what this scan's stages
  // produce.
  ContentStage content(fs, options.content);
  std::optional<MetadataStage> metadata;
  std::vector<Stage*> stage_list;
  ChangeDetector::Wants wants;
  if (!options.discover_only) {
    stage_list.push_back(&content);
    wants.content_version = kContentStagesVersionNoMetadata;
    if (options.metadata) {
      stage_list.push_back(&metadata.emplace(*options.metadata));
      wants.content_version = kContentStagesVersion;
    }
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
  const std::optional<std::string> looks_unmounted = LooksUnmounted(
      fs, os::JoinPath(root.path, scope), detector.known_count());
  if (looks_unmounted && !options.allow_empty_root) {
    return finish(catalog::OperationStatus::kFailed, {}, *looks_unmounted);
  }
  // --allow-empty-root on an empty folder says: mark them all removed.
  const bool accept_removals =
      options.accept_removals || looks_unmounted.has_value();

  catalog::ScanBatch header;
  header.root = root.id;
  header.op = report.op;
  header.scan_gen = gen;
  header.removals_last_seen_ns = root.last_scanned_ns.value_or(0);
  BatchWriter writer(catalog, header, options.batch, progress, clock);
  util::BoundedQueue<DirChanges> queue(kQueueFolders);
  WriterThread writer_thread(queue, writer);

  progress.phase = 1;
  ScanVisitor visitor(root.path, detector, stage_list, wants.content_version,
                      queue, progress, cancel);
  WalkOptions walk_options;
  walk_options.follow_symlinks = options.follow_symlinks;
  walk_options.file_systems = options.file_systems;
  walk_options.remove_write_temps_before_ns =
      clock.NowUnixNs() - os::kStrayTempAgeNs;
  walk_options.should_stop = [&] {
    return writer_thread.failed() ||
           (cancel && cancel->load(std::memory_order_relaxed));
  };
  Filter filter(options.filter);
  Walker walker(fs, filter, walk_options, progress);
  const Status walked =
      RunWalk(walker, root, scope, visitor, options.threads);
  writer_thread.Finish();
  progress.phase = 2;
  report.first_errors = visitor.FirstErrors();

  if (writer_thread.failed()) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  "writing to the catalog failed: " +
                      writer_thread.error().ToString());
  }
  if (!walked) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  walked.error().ToString());
  }
  if (cancel && cancel->load()) {
    return finish(catalog::OperationStatus::kInterrupted, writer.committed(),
                  "interrupted by the user");
  }
  // The walk was complete: what was not seen is gone, unless it moved, or
  // unless it is too much to believe. The root is not marked scanned then:
  // its last complete scan stays when the files were last known present.
  std::vector<FileId> unseen = detector.Unseen();
  Result<std::optional<std::string>> over_limit;
  if (!accept_removals) {
    over_limit = RemovalsOverLimit(catalog, detector, unseen, root, scope,
                                   options.max_removed_fraction,
                                   writer.committed().added, report);
  }
  if (!over_limit) {
    return finish(
        catalog::OperationStatus::kFailed, writer.committed(),
        "reading the catalog failed: " + over_limit.error().ToString());
  }
  if (*over_limit) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  **over_limit);
  }
  auto counts = MarkRemovedAndFollowMoves(catalog, fs, writer, unseen, root.id,
                                          gen, progress, report.first_errors);
  if (counts) {
    if (Status st = catalog.SetRootScanned(root.id, clock.NowUnixNs()); !st) {
      counts = std::unexpected(st.error());
    }
  }
  if (counts) {
    if (Status st = RecordIdentity(catalog, fs, root, check, detector,
                                   counts->added, clock, report);
        !st) {
      counts = std::unexpected(st.error());
    }
  }
  if (!counts) {
    return finish(catalog::OperationStatus::kFailed, writer.committed(),
                  "writing to the catalog failed: " +
                      counts.error().ToString());
  }
  return finish(catalog::OperationStatus::kCompleted, *counts, "");
}

}  // namespace phodex::scan
