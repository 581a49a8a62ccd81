#include "library/scan.h"

#include <utility>

#include "dedup/action_journal.h"

namespace phodex::library {
namespace {

// What to scan: whole roots, or folders of roots. Paths that are not in a
// root become new roots.
Result<std::vector<RootScope>> ResolveTargets(Library& lib,
                                              const ScanPathsRequest& req,
                                              ScanSink& sink) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  std::vector<RootScope> out;
  if (req.paths.empty()) {
    for (catalog::Root& r : roots) out.push_back({std::move(r), ""});
    return out;
  }
  for (const std::string& p : req.paths) {
    PHODEX_ASSIGN_OR_RETURN(std::string abs, CanonicalFolder(lib.fs(), p));
    if (auto rs = FindRootFor(roots, abs)) {
      out.push_back(std::move(*rs));
      continue;
    }
    PHODEX_ASSIGN_OR_RETURN(AddedRoot added, AddRoot(lib, {abs, ""}));
    sink.RootAdded(added);
    roots.push_back(added.root);
    out.push_back({std::move(added.root), ""});
  }
  return out;
}

// An interrupted `dupes --apply` is settled by the next `dupes` run, which
// takes every root's lock (docs/cli.md, "The dupes journal"); a scan only
// says so, and catalogs what it finds meanwhile (both names of a half-done
// move are files on disk).
void NoteUnsettledDupesJournal(Library& lib, ScanSink& sink) {
  auto journal =
      dedup::ActionJournal::Open(lib.fs(), lib.data().DupesJournalPath());
  if (!journal) return;
  size_t open = 0;
  for (const dedup::JournalEntry& e : (*journal)->Entries()) {
    if (!e.outcome) ++open;
  }
  if (open > 0) sink.UnsettledDupesJournal(open);
}

// The scans of `target`'s root a killed process left: those the scan
// found, and those ended on opening the catalog.
std::vector<catalog::Operation> InterruptedBefore(
    const RootScope& target, const scan::ScanReport& r,
    const std::vector<catalog::Operation>& ended_on_open) {
  std::vector<catalog::Operation> before = r.interrupted_before;
  for (const catalog::Operation& op : ended_on_open) {
    if (op.type == "scan" && op.root == target.root.id) before.push_back(op);
  }
  return before;
}

// A failure outranks an offline or busy root (which only wait for their
// drive or their turn); among those, the first stays.
void Rank(ScanStatus& status, ScanStatus root) {
  if (root == ScanStatus::kFailed) {
    status = ScanStatus::kFailed;
  } else if (status == ScanStatus::kOk) {
    status = root;
  }
}

}  // namespace

scan::ScanOptions ScanOptionsFor(const Library& lib,
                                 const ScanPathsRequest& req,
                                 const std::string& data_dir_real) {
  const Config& config = lib.config();
  scan::ScanOptions options;
  options.filter.exclude_globs = config.scan_exclude;
  options.filter.exclude_globs.insert(options.filter.exclude_globs.end(),
                                      req.exclude.begin(), req.exclude.end());
  // phodex's own data is never a media file, wherever it lives: the data
  // folder (when inside a root), and when the data folder is a root
  // itself, the thumbnail cache and the catalog's files there.
  if (!data_dir_real.empty()) {
    DataFolder real = lib.data();
    real.dir = data_dir_real;
    options.filter.exclude_abs_dirs.push_back(data_dir_real);
    options.filter.exclude_abs_dirs.push_back(real.ThumbsDir());
    options.filter.exclude_abs_file_globs = real.OwnFileGlobs(data_dir_real);
  }
  options.filter.include_hidden = req.include_hidden || config.include_hidden;
  options.follow_symlinks = req.follow_symlinks || config.follow_symlinks
                                ? os::Follow::kYes
                                : os::Follow::kNo;
  options.file_systems = req.cross_filesystems || config.cross_filesystems
                             ? scan::WalkOptions::FileSystems::kAll
                             : scan::WalkOptions::FileSystems::kOne;
  options.threads = req.threads >= 0 ? req.threads : config.threads;
  options.batch.max_rows = req.batch_size;
  options.allow_empty_root = req.allow_empty_root;
  options.max_removed_fraction = config.max_removed_fraction;
  options.accept_removals = req.accept_removals;
  options.discover_only = req.discover_only;
  options.content.full_hash = req.full_hash || config.hash == "full";
  options.content.sha256 = req.sha256;
  return options;
}

Result<ScanPathsResult> ScanPaths(Library& lib, const ScanPathsRequest& req,
                                  ScanSink& sink, jobs::CancelToken cancel) {
  ScanPathsResult result;
  PHODEX_ASSIGN_OR_RETURN(std::vector<RootScope> targets,
                          ResolveTargets(lib, req, sink));
  if (targets.empty()) {
    result.status = ScanStatus::kNoRoots;
    return result;
  }
  const std::string data_real = lib.fs().RealPath(lib.data().dir).value_or("");
  scan::ScanOptions options = ScanOptionsFor(lib, req, data_real);
  std::unique_ptr<media::MetadataReader> metadata_workers;
  if (!req.discover_only && !req.no_metadata && lib.config().metadata) {
    PHODEX_ASSIGN_OR_RETURN(metadata_workers,
                            lib.workers().metadata(lib.config()));
    options.metadata = metadata_workers.get();
  }
  NoteUnsettledDupesJournal(lib, sink);
  // Cancelled before any root started: nothing was done.
  if (cancel.cancelled()) {
    result.status = ScanStatus::kInterrupted;
    return result;
  }
  for (const RootScope& target : targets) {
    if (cancel.cancelled()) break;
    RootScanOutcome& out = result.roots.emplace_back();
    out.target = target;
    auto lock = lib.locks().LockRoot(target.root.id, req.wait);
    if (!lock) {
      if (cancel.cancelled()) {  // while waiting (--wait)
        out.status = RootScanStatus::kInterrupted;
        result.status = ScanStatus::kInterrupted;
        return result;
      }
      out.status = RootScanStatus::kBusy;
      sink.RootBusy(target, lock.error());
      Rank(result.status, ScanStatus::kBusy);
      continue;
    }
    scan::ScanProgress progress;
    sink.RootStarting(target, progress);
    auto report = scan::ScanRoot(lib.catalog(), lib.fs(), lib.clock(),
                                 target.root, target.scope, options, progress,
                                 cancel);
    sink.RootStopped(target);
    if (!report) return std::unexpected(report.error());
    out.report = *report;
    if (report->offline) {
      out.status = RootScanStatus::kOffline;
      sink.RootOffline(target, *report);
      Rank(result.status, ScanStatus::kOffline);
      continue;
    }
    sink.RootScanned(target, *report, progress,
                     InterruptedBefore(target, *report, req.ended_on_open));
    if (report->removals_withheld > 0) {
      sink.RemovalsWithheld(target, *report, options.max_removed_fraction);
    }
    if (report->status == catalog::OperationStatus::kFailed) {
      out.status = RootScanStatus::kFailed;
      Rank(result.status, ScanStatus::kFailed);
    }
    if (report->status == catalog::OperationStatus::kInterrupted) {
      out.status = RootScanStatus::kInterrupted;
      result.status = ScanStatus::kInterrupted;
      return result;
    }
    if (req.after_root &&
        report->status == catalog::OperationStatus::kCompleted) {
      if (Status st = req.after_root(target); !st) {
        if (st.error().code() == ErrorCode::kCancelled) {
          result.status = ScanStatus::kInterrupted;
          return result;
        }
        Rank(result.status, ScanStatus::kFailed);
      }
    }
  }
  return result;
}

}  // namespace phodex::library
