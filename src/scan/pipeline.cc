#include "scan/pipeline.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <thread>

#include "scan/root_identity.h"
#include "scan/scan_session.h"
#include "util/metrics.h"

namespace phodex::scan {
namespace {

int DefaultThreads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(hw == 0 ? 4 : 2 * hw);
}

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
               const std::string& scope, WalkVisitor& visitor, int threads) {
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

// After a completed scan: a root added before identities were recorded
// gets one when the scan found cataloged files where the catalog expected
// them (or, when it knew none, found files at all): the drive is the one
// cataloged. A confirmed root's identity is completed (a marker where it
// can now be written, file-system fields learnt since). Only a catalog
// error fails the scan; a marker or file system that cannot be looked at
// leaves the identity as it was, for the next scan.
Status RecordIdentity(catalog::Catalog& catalog, os::FileSystem& fs,
                      const catalog::Root& root, const RootCheck& check,
                      const ApplyReport& walk, int64_t added,
                      os::Clock& clock, ScanReport& report) {
  const bool found_where_expected =
      walk.known > 0 ? walk.seen > 0 : added > 0;
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

ScanStages::ScanStages(os::FileSystem& fs, const ScanOptions& options)
    : content_(fs, options.content) {
  if (options.discover_only) return;
  list_.push_back(&content_);
  wants_.content_version = kContentStagesVersionNoMetadata;
  if (options.metadata) {
    list_.push_back(&metadata_.emplace(*options.metadata));
    wants_.content_version = kContentStagesVersion;
  }
  wants_.full_hash = options.content.full_hash;
  wants_.sha256 = options.content.sha256;
}

// Reads top to bottom as the scan runs: begin, check the drive, load, walk
// into the session, finish; each step is one call.
Result<ScanReport> ScanRoot(catalog::Catalog& catalog, os::FileSystem& fs,
                            os::Clock& clock, const catalog::Root& root,
                            const std::string& scope,
                            const ScanOptions& options,
                            ScanProgress& progress, jobs::CancelToken cancel) {
  const ScanStages stages(fs, options);
  PHODEX_ASSIGN_OR_RETURN(
      std::unique_ptr<ScanSession> session,
      ScanSession::Begin({catalog, fs, clock, progress}, root,
                         {.type = options.operation_type, .scope = scope}, options,
                         stages.set(), cancel));

  // Is this the root's drive? An unmounted one is not a deleted library.
  const RootCheck check = CheckRootIdentity(fs, root);
  if (check.presence == RootPresence::kOffline) {
    auto report = session->Fail("root is offline: " + check.reason +
                                "; nothing was marked removed");
    if (report) report->offline = true;
    return report;
  }

  // What the catalog knows under the scope.
  auto tree = session->StartTree(scope);
  if (!tree) return session->Fail(tree.error().ToString());
  progress.expected_files = (*tree)->known_count();
  const std::optional<std::string> looks_unmounted = LooksUnmounted(
      fs, os::JoinPath(root.path, scope), (*tree)->known_count());
  if (looks_unmounted && !options.allow_empty_root) {
    tree->reset();
    return session->Fail(*looks_unmounted);
  }
  // --allow-empty-root on an empty folder says: mark them all removed.
  const Removals removals = options.accept_removals || looks_unmounted
                                ? Removals::kAccept
                                : Removals::kWithinLimit;

  progress.phase = 1;
  ScanSession::Tree& visitor = **tree;
  WalkOptions walk_options;
  walk_options.follow_symlinks = options.follow_symlinks;
  walk_options.file_systems = options.file_systems;
  walk_options.remove_write_temps_before_ns =
      clock.NowUnixNs() - os::kStrayTempAgeNs;
  walk_options.should_stop = [&] { return visitor.ShouldStop(); };
  Filter filter(options.filter);
  Walker walker(fs, filter, walk_options, progress);
  Status walked = RunWalk(walker, root, scope, visitor, options.threads);
  // A drive unmounted while it was walked lists as an empty mount point
  // or not at all: what the walk did not see then proves nothing. Checked
  // after the walk, so a drive that went at any moment of it is caught.
  bool went_offline = false;
  if (walked) {
    const RootCheck after = CheckRootIdentity(fs, root);
    if (after.presence == RootPresence::kOffline) {
      went_offline = true;
      walked = MakeError(ErrorCode::kNotFound,
                         "root went offline during the scan: " + after.reason +
                             "; nothing was marked removed");
    }
  }
  progress.phase = 2;
  // The walk was complete: what was not seen is gone (FinishTree), unless
  // it moved (Finish). The root is not marked scanned when the session
  // stopped: its last complete scan stays when the files were last known
  // present.
  const ApplyReport walk =
      session->FinishTree(std::move(*tree), walked, removals);
  auto report = session->Finish(
      [&](const catalog::OperationCounts& counts,
          ScanReport& report) -> Status {
        PHODEX_TRY(catalog.SetRootScanned(root.id, clock.NowUnixNs()));
        return RecordIdentity(catalog, fs, root, check, walk, counts.added,
                              clock, report);
      });
  if (report && went_offline) report->offline = true;
  return report;
}

}  // namespace phodex::scan
