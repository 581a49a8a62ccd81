// phodex scan [PATH...]

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "app/commands.h"
#include "app/metadata_workers.h"
#include "app/pixel_workers.h"
#include "dedup/action_journal.h"
#include "app/progress_printer.h"
#include "app/roots.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/pipeline.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

struct ScanArgs {
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
  bool follow_symlinks = false;
  bool cross_filesystems = false;
  bool include_hidden = false;
  bool allow_empty_root = false;
  bool accept_removals = false;
  bool discover_only = false;
  bool full_hash = false;
  bool sha256 = false;
  bool no_metadata = false;
  bool thumbs = false;
  bool wait = false;
  int threads = -1;
  size_t batch_size = 1000;
  std::string progress = "auto";
};

ProgressMode ParseProgress(const std::string& s) {
  if (s == "json") return ProgressMode::kJson;
  if (s == "tty") return ProgressMode::kTty;
  if (s == "none") return ProgressMode::kNone;
  return os::IsTerminal(2) ? ProgressMode::kTty : ProgressMode::kNone;
}

// What to scan: whole roots, or folders of roots. Paths that are not in a
// root become new roots.
Result<std::vector<RootScope>> ResolveTargets(Context& ctx,
                                              catalog::Catalog& cat,
                                              const ScanArgs& a) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  std::vector<RootScope> out;
  if (a.paths.empty()) {
    for (catalog::Root& r : roots) out.push_back({std::move(r), ""});
    return out;
  }
  for (const std::string& p : a.paths) {
    PHODEX_ASSIGN_OR_RETURN(std::string abs, CanonicalFolder(ctx, p));
    if (auto rs = FindRootFor(roots, abs)) {
      out.push_back(std::move(*rs));
      continue;
    }
    PHODEX_ASSIGN_OR_RETURN(AddedRoot added, AddRoot(ctx, cat, abs, ""));
    std::printf("added root '%s' (%s)\n", util::EscapeForTerminal(added.root.name).c_str(),
                util::EscapeForTerminal(added.root.path).c_str());
    if (!added.identity_note.empty()) {
      std::printf("  note: %s\n", added.identity_note.c_str());
    }
    roots.push_back(added.root);
    out.push_back({std::move(added.root), ""});
  }
  return out;
}

void PrintReport(const RootScope& target, const scan::ScanReport& r,
                 const scan::ScanProgress& p,
                 const std::vector<catalog::Operation>& orphans) {
  std::vector<catalog::Operation> before = r.interrupted_before;
  for (const catalog::Operation& op : orphans) {  // ended on opening
    if (op.type == "scan" && op.root == target.root.id) before.push_back(op);
  }
  for (const catalog::Operation& op : before) {
    std::printf(
        "note: scan #%lld of '%s' was interrupted (%s files committed); "
        "this scan picked up where it stopped\n",
        static_cast<long long>(op.id.value),
        util::EscapeForTerminal(target.root.name).c_str(),
        util::GroupThousands(op.counts.scanned).c_str());
  }
  std::string where = util::EscapeForTerminal(target.root.name);
  if (!target.scope.empty()) {
    where += "/" + util::EscapeForTerminal(target.scope);
  }
  const double rate = r.seconds > 0 ? p.files.load() / r.seconds : 0;
  std::printf("%s '%s': %s files in %s folders (%s) in %s, %s files/s\n",
              r.status == catalog::OperationStatus::kCompleted ? "scanned"
              : r.status == catalog::OperationStatus::kInterrupted
                  ? "interrupted"
                  : "FAILED",
              where.c_str(), util::GroupThousands(p.files.load()).c_str(),
              util::GroupThousands(p.dirs.load()).c_str(),
              util::HumanBytes(p.bytes.load()).c_str(),
              util::HumanDuration(r.seconds).c_str(),
              util::GroupThousands(static_cast<uint64_t>(rate)).c_str());
  const int64_t unchanged = r.counts.scanned - r.counts.added -
                            r.counts.updated - r.counts.moved;
  std::printf(
      "  added %s, updated %s, removed %s, moved %s, unchanged %s; %s other "
      "files ignored, %s excluded, %s symlinks not followed; %s errors\n",
      util::GroupThousands(r.counts.added).c_str(),
      util::GroupThousands(r.counts.updated).c_str(),
      util::GroupThousands(r.counts.removed).c_str(),
      util::GroupThousands(r.counts.moved).c_str(),
      util::GroupThousands(unchanged > 0 ? unchanged : 0).c_str(),
      util::GroupThousands(p.other_files.load()).c_str(),
      util::GroupThousands(p.excluded.load()).c_str(),
      util::GroupThousands(p.skipped_links.load()).c_str(),
      util::GroupThousands(p.errors.load()).c_str());
  if (p.skipped_mounts.load() > 0) {
    std::printf("  %s folders on other file systems skipped "
                "(--cross-filesystems enters them)\n",
                util::GroupThousands(p.skipped_mounts.load()).c_str());
  }
  for (const catalog::FileErrorEntry& e : r.first_errors) {
    std::printf("  error: %s '%s': %s\n", e.op.c_str(),
                util::EscapeForTerminal(e.path).c_str(),
                util::EscapeControls(e.reason, util::Newline::kEscape).c_str());
  }
  if (p.errors.load() > static_cast<int64_t>(r.first_errors.size())) {
    std::printf("  (all errors: phodex ops --errors %lld)\n",
                static_cast<long long>(r.op.value));
  }
  // Withheld removals are explained once, on stderr (ReportHeldBack).
  if (!r.error.empty() && r.removals_withheld == 0) {
    std::printf("  %s\n", util::EscapeControls(r.error).c_str());
  }
  if (r.identity_recorded) {
    std::printf("  recorded the identity of root '%s'%s\n",
                util::EscapeForTerminal(target.root.name).c_str(),
                r.identity_recorded->marker
                    ? " (marker file .phodex-root at its folder)"
                    : " (its file system; no marker file could be written)");
  }
}

// What the user must know when a scan withheld its removals or found the
// root offline (docs/cli.md, "Root identity"). Returns the exit status.
int ReportHeldBack(const RootScope& target, const scan::ScanReport& r,
                   const scan::ScanOptions& options) {
  const std::string name = util::EscapeBytes(target.root.name);
  const std::string path = util::EscapeBytes(target.root.path);
  if (r.offline) {
    PrintError("root '" + name + "' is offline (its drive is not mounted at " +
               path + "?): nothing was marked removed\n  (" + r.error + ")");
    return kExitOffline;
  }
  const std::string where =
      target.scope.empty()
          ? path
          : os::JoinPath(path, util::EscapeBytes(target.scope));
  PrintError(
      "scan of root '" + name + "' did not find " +
      util::GroupThousands(r.removals_withheld) + " of its " +
      util::GroupThousands(r.root_present) + " files, more than " +
      std::to_string(std::lround(options.max_removed_fraction * 100)) +
      "% ([scan] max_removed_fraction): none were marked removed (what it "
      "found otherwise is recorded). If they were deleted or moved away, "
      "mark them: phodex scan --accept-removals '" +
      where + "'");
  return kExitError;
}

// An interrupted `dupes --apply` is settled by the next `dupes` run, which
// takes every root's lock (docs/cli.md, "The dupes journal"); a scan only
// says so, and catalogs what it finds meanwhile (both names of a half-done
// move are files on disk).
void NoteUnsettledDupesJournal(Context& ctx) {
  auto journal = dedup::ActionJournal::Open(
      ctx.fs(), ctx.catalog_path() + ".dupes-journal");
  if (!journal) return;
  size_t open = 0;
  for (const dedup::JournalEntry& e : (*journal)->Entries()) {
    if (!e.outcome) ++open;
  }
  if (open > 0) {
    std::fprintf(stderr,
                 "phodex: an interrupted `dupes --apply` left %zu unfinished "
                 "action(s); run `phodex dupes` to settle them\n",
                 open);
  }
}

int RunScan(Context& ctx, const ScanArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto cat = ctx.OpenCatalog(CatalogUse::kCreate);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto targets = ResolveTargets(ctx, **cat, a);
  if (!targets) return PrintError(targets.error().ToString()), kExitError;
  if (targets->empty()) {
    PrintError("no roots to scan: phodex scan PATH, or phodex root add PATH");
    return kExitUsage;
  }

  scan::ScanOptions options;
  options.filter.exclude_globs = config->scan_exclude;
  options.filter.exclude_globs.insert(options.filter.exclude_globs.end(),
                                      a.exclude.begin(), a.exclude.end());
  // phodex's own data is never a media file, wherever it lives: the data
  // folder (when inside a root), and when the catalog's folder is a root
  // itself, the thumbnail cache and the catalog's files there.
  if (auto data = ctx.fs().RealPath(ctx.data_dir())) {
    options.filter.exclude_abs_dirs.push_back(*data);
    options.filter.exclude_abs_dirs.push_back(os::JoinPath(*data, "thumbs"));
    options.filter.exclude_abs_file_globs = ctx.OwnFileGlobs(*data);
  }
  options.filter.include_hidden = a.include_hidden || config->include_hidden;
  options.follow_symlinks = a.follow_symlinks || config->follow_symlinks
                                ? os::Follow::kYes
                                : os::Follow::kNo;
  options.file_systems = a.cross_filesystems || config->cross_filesystems
                             ? scan::WalkOptions::FileSystems::kAll
                             : scan::WalkOptions::FileSystems::kOne;
  options.threads = a.threads >= 0 ? a.threads : config->threads;
  options.batch.max_rows = a.batch_size;
  options.allow_empty_root = a.allow_empty_root;
  options.max_removed_fraction = config->max_removed_fraction;
  options.accept_removals = a.accept_removals;
  options.discover_only = a.discover_only;
  options.content.full_hash = a.full_hash || config->hash == "full";
  options.content.sha256 = a.sha256;
  std::unique_ptr<media::MetadataReader> metadata_workers;
  if (!a.discover_only && !a.no_metadata && config->metadata) {
    auto pool = StartMetadataWorkers(*config);
    if (!pool) return PrintError(pool.error().ToString()), kExitError;
    metadata_workers = std::move(*pool);
    options.metadata = metadata_workers.get();
  }

  NoteUnsettledDupesJournal(ctx);
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();

  int rc = kExitOk;
  for (const RootScope& target : *targets) {
    if (cancel.load()) break;
    auto lock = os::FileLock::Acquire(
        RootLockPath(ctx, target.root.id),
        a.wait ? os::FileLock::Wait::kYes : os::FileLock::Wait::kNo);
    if (!lock) {
      if (cancel.load()) return kExitInterrupted;  // while waiting (--wait)
      PrintError("root '" + target.root.name +
                 "' is already being scanned by another phodex process (" +
                 lock.error().message() +
                 "); it was not scanned. Use --wait to wait for it.");
      rc = rc == kExitOk ? kExitBusy : rc;
      continue;
    }
    scan::ScanProgress progress;
    ProgressPrinter printer(ParseProgress(a.progress), progress,
                            target.root.name);
    printer.Start();
    auto report = scan::ScanRoot(**cat, ctx.fs(), os::SystemClock(),
                                 target.root, target.scope, options, progress,
                                 jobs::CancelToken(cancel));
    printer.Stop();
    if (!report) {
      PrintError(report.error().ToString());
      return kExitError;
    }
    if (report->offline) {
      spdlog::info("scan #{} of '{}': {}", report->op.value, target.root.name,
                   report->error);
      const int orc = ReportHeldBack(target, *report, options);
      rc = rc == kExitOk ? orc : rc;
      continue;
    }
    PrintReport(target, *report, progress, ctx.orphans_ended());
    spdlog::info("scan #{} of '{}' {}: {} scanned, {} added, {} updated, {} "
                 "removed, {} errors",
                 report->op.value, target.root.name,
                 catalog::OperationStatusName(report->status),
                 report->counts.scanned, report->counts.added,
                 report->counts.updated, report->counts.removed,
                 report->counts.errors);
    if (report->removals_withheld > 0) {
      ReportHeldBack(target, *report, options);
    }
    // A failure outranks an offline or busy root (which only wait for
    // their drive or their turn).
    if (report->status == catalog::OperationStatus::kFailed) rc = kExitError;
    if (report->status == catalog::OperationStatus::kInterrupted) {
      return kExitInterrupted;
    }
    // The pixel stage, after the metadata stages, over what was scanned:
    // still under the root's lock, so no scan of it interleaves.
    if (a.thumbs && report->status == catalog::OperationStatus::kCompleted) {
      catalog::FileQuery scope;
      scope.root = target.root.id;
      scope.rel_prefix = target.scope;
      std::string where = util::EscapeForTerminal(target.root.name);
      if (!target.scope.empty()) {
        where += "/" + util::EscapeForTerminal(target.scope);
      }
      const int prc = RunPixelStage(ctx, **cat, *config, scope, where, cancel);
      if (prc == kExitInterrupted) return prc;
      // 1 outranks an offline or busy root's status (docs/cli.md).
      if (prc == kExitError) {
        rc = kExitError;
      } else if (rc == kExitOk) {
        rc = prc;
      }
    }
  }
  return rc;
}

}  // namespace

RunFn SetupScan(CLI::App& sub) {
  auto a = std::make_shared<ScanArgs>();
  sub.add_option("paths", a->paths,
                 "Roots or folders of roots (default: all roots); a folder "
                 "that is in no root is added as a root");
  sub.add_option("--exclude", a->exclude,
                 "Glob to skip (repeatable): a name ('*.psd') or a path "
                 "relative to the root ('2019/tmp/*')")
      ->allow_extra_args(false);  // one glob per --exclude, then paths
  sub.add_flag("--follow-symlinks", a->follow_symlinks,
               "Follow symbolic links (loop-safe)");
  sub.add_flag("--cross-filesystems", a->cross_filesystems,
               "Enter folders on other file systems (mount points)");
  sub.add_flag("--include-hidden", a->include_hidden,
               "Also scan hidden files and folders");
  sub.add_flag("--allow-empty-root", a->allow_empty_root,
               "Accept an empty root folder (marks its files removed)");
  sub.add_flag("--accept-removals", a->accept_removals,
               "Mark files removed even when they are more than [scan] "
               "max_removed_fraction (0.5) of the root's files");
  sub.add_flag("--discover-only", a->discover_only,
               "Only find files (one stat each, no reads); the next full "
               "scan checks their content");
  sub.add_flag("--full-hash", a->full_hash,
               "Hash every byte (XXH3-128) of new files and of files "
               "without a full hash");
  sub.add_flag("--sha256", a->sha256, "Also SHA-256 (implies reading every byte)");
  sub.add_flag("--no-metadata", a->no_metadata,
               "Skip metadata (EXIF/XMP/IPTC, video); the next scan reads it");
  sub.add_flag("--thumbs", a->thumbs,
               "Also make thumbnails, previews, perceptual hashes and quality "
               "measures (as `phodex thumbs`) for what was scanned");
  sub.add_flag("--wait", a->wait,
               "Wait for another process scanning the same root");
  sub.add_option("--threads", a->threads,
                 "Walker threads (0: 2 x cores; at most 1024)")
      ->check(CLI::Range(0, kMaxThreads));
  sub.add_option("--batch-size", a->batch_size,
                 "Rows per catalog transaction")
      ->check(CLI::Range(1, 1000000));
  sub.add_option("--progress", a->progress,
                 "auto (a line on a terminal), tty, json (one object per "
                 "line on stderr) or none")
      ->check(CLI::IsMember({"auto", "tty", "json", "none"}));
  return [a](Context& ctx) { return RunScan(ctx, *a); };
}

}  // namespace phodex::app
