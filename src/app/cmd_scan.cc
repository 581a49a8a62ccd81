// phodex scan [PATH...]

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "app/commands.h"
#include "app/pixel_workers.h"
#include "app/progress_printer.h"
#include "jobs/cancel_token.h"
#include "library/scan.h"
#include "os/process.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

using library::RootScope;

struct ScanArgs {
  library::ScanPathsRequest req;  // the options bind to its fields
  bool thumbs = false;
  bool wait = false;
  std::string progress = "auto";
};

ProgressMode ParseProgress(const std::string& s) {
  if (s == "json") return ProgressMode::kJson;
  if (s == "tty") return ProgressMode::kTty;
  if (s == "none") return ProgressMode::kNone;
  return os::IsTerminal(2) ? ProgressMode::kTty : ProgressMode::kNone;
}

void PrintReport(const RootScope& target, const scan::ScanReport& r,
                 const scan::ScanProgress& p,
                 const std::vector<catalog::Operation>& before) {
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
                   double max_removed_fraction) {
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
      std::to_string(std::lround(max_removed_fraction * 100)) +
      "% ([scan] max_removed_fraction): none were marked removed (what it "
      "found otherwise is recorded). If they were deleted or moved away, "
      "mark them: phodex scan --accept-removals '" +
      where + "'");
  return kExitError;
}

// Prints what the scan does as it goes (docs/cli.md, "phodex scan").
class PrintingSink final : public library::ScanSink {
 public:
  explicit PrintingSink(ProgressMode mode) : mode_(mode) {}

  void RootAdded(const library::AddedRoot& added) override {
    std::printf("added root '%s' (%s)\n",
                util::EscapeForTerminal(added.root.name).c_str(),
                util::EscapeForTerminal(added.root.path).c_str());
    if (!added.identity_note.empty()) {
      std::printf("  note: %s\n", added.identity_note.c_str());
    }
  }
  void UnsettledDupesJournal(size_t open) override {
    std::fprintf(stderr,
                 "phodex: an interrupted `dupes --apply` left %zu unfinished "
                 "action(s); run `phodex dupes` to settle them\n",
                 open);
  }
  void RootBusy(const RootScope& target, const Error& why) override {
    PrintError("root '" + target.root.name +
               "' is already being scanned by another phodex process (" +
               why.message() +
               "); it was not scanned. Use --wait to wait for it.");
  }
  void RootStarting(const RootScope& target,
                    const scan::ScanProgress& progress) override {
    printer_ = std::make_unique<ProgressPrinter>(mode_, progress,
                                                 target.root.name);
    printer_->Start();
  }
  void RootStopped(const RootScope& /*target*/) override {
    printer_->Stop();
    printer_.reset();
  }
  void RootOffline(const RootScope& target,
                   const scan::ScanReport& report) override {
    spdlog::info("scan #{} of '{}': {}", report.op.value, target.root.name,
                 report.error);
    ReportHeldBack(target, report, 0);
  }
  void RootScanned(
      const RootScope& target, const scan::ScanReport& report,
      const scan::ScanProgress& progress,
      const std::vector<catalog::Operation>& interrupted_before) override {
    PrintReport(target, report, progress, interrupted_before);
    spdlog::info("scan #{} of '{}' {}: {} scanned, {} added, {} updated, {} "
                 "removed, {} errors",
                 report.op.value, target.root.name,
                 catalog::OperationStatusName(report.status),
                 report.counts.scanned, report.counts.added,
                 report.counts.updated, report.counts.removed,
                 report.counts.errors);
  }
  void RemovalsWithheld(const RootScope& target, const scan::ScanReport& report,
                        double max_removed_fraction) override {
    ReportHeldBack(target, report, max_removed_fraction);
  }

 private:
  ProgressMode mode_;
  std::unique_ptr<ProgressPrinter> printer_;
};

int ScanExitStatus(library::ScanStatus status) {
  switch (status) {
    case library::ScanStatus::kOk:
      return kExitOk;
    case library::ScanStatus::kBusy:
      return kExitBusy;
    case library::ScanStatus::kOffline:
      return kExitOffline;
    case library::ScanStatus::kInterrupted:
      return kExitInterrupted;
    case library::ScanStatus::kNoRoots:
      return kExitUsage;
    case library::ScanStatus::kFailed:
      break;
  }
  return kExitError;
}

int RunScan(Context& ctx, const ScanArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto lib = ctx.OpenLibrary(CatalogUse::kCreate);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  library::ScanPathsRequest req = a.req;
  req.wait = a.wait ? catalog::Locks::Wait::kYes : catalog::Locks::Wait::kNo;
  req.ended_on_open = ctx.orphans_ended();
  if (a.thumbs) {
    // The pixel stage, after the metadata stages, over what was scanned:
    // still under the root's lock, so no scan of it interleaves.
    req.after_root = [&](const RootScope& target) -> Status {
      catalog::FileQuery scope;
      scope.root = target.root.id;
      scope.rel_prefix = target.scope;
      std::string where = util::EscapeForTerminal(target.root.name);
      if (!target.scope.empty()) {
        where += "/" + util::EscapeForTerminal(target.scope);
      }
      const int prc =
          RunPixelStage(ctx, (*lib)->catalog(), *config, scope, where, cancel);
      if (prc == kExitInterrupted) {
        return MakeError(ErrorCode::kCancelled, "interrupted");
      }
      // 1 outranks an offline or busy root's status (docs/cli.md).
      if (prc == kExitError) return MakeError(ErrorCode::kIo, "thumbs failed");
      return {};
    };
  }
  PrintingSink sink(ParseProgress(a.progress));
  auto result =
      library::ScanPaths(**lib, req, sink, jobs::CancelToken(cancel));
  if (!result) return PrintError(result.error().ToString()), ExitStatusFor(result.error());
  if (result->status == library::ScanStatus::kNoRoots) {
    PrintError("no roots to scan: phodex scan PATH, or phodex root add PATH");
  }
  return ScanExitStatus(result->status);
}

}  // namespace

RunFn SetupScan(CLI::App& sub) {
  auto a = std::make_shared<ScanArgs>();
  sub.add_option("paths", a->req.paths,
                 "Roots or folders of roots (default: all roots); a folder "
                 "that is in no root is added as a root");
  sub.add_option("--exclude", a->req.exclude,
                 "Glob to skip (repeatable): a name ('*.psd') or a path "
                 "relative to the root ('2019/tmp/*')")
      ->allow_extra_args(false);  // one glob per --exclude, then paths
  sub.add_flag("--follow-symlinks", a->req.follow_symlinks,
               "Follow symbolic links (loop-safe)");
  sub.add_flag("--cross-filesystems", a->req.cross_filesystems,
               "Enter folders on other file systems (mount points)");
  sub.add_flag("--include-hidden", a->req.include_hidden,
               "Also scan hidden files and folders");
  sub.add_flag("--allow-empty-root", a->req.allow_empty_root,
               "Accept an empty root folder (marks its files removed)");
  sub.add_flag("--accept-removals", a->req.accept_removals,
               "Mark files removed even when they are more than [scan] "
               "max_removed_fraction (0.5) of the root's files");
  sub.add_flag("--discover-only", a->req.discover_only,
               "Only find files (one stat each, no reads); the next full "
               "scan checks their content");
  sub.add_flag("--full-hash", a->req.full_hash,
               "Hash every byte (XXH3-128) of new files and of files "
               "without a full hash");
  sub.add_flag("--sha256", a->req.sha256, "Also SHA-256 (implies reading every byte)");
  sub.add_flag("--no-metadata", a->req.no_metadata,
               "Skip metadata (EXIF/XMP/IPTC, video); the next scan reads it");
  sub.add_flag("--thumbs", a->thumbs,
               "Also make thumbnails, previews, perceptual hashes and quality "
               "measures (as `phodex thumbs`) for what was scanned");
  sub.add_flag("--wait", a->wait,
               "Wait for another process scanning the same root");
  sub.add_option("--threads", a->req.threads,
                 "Walker threads (0: 2 x cores; at most 1024)")
      ->check(CLI::Range(0, kMaxThreads));
  sub.add_option("--batch-size", a->req.batch_size,
                 "Rows per catalog transaction")
      ->check(CLI::Range(1, 1000000));
  sub.add_option("--progress", a->progress,
                 "auto (a line on a terminal), tty, json (one object per "
                 "line on stderr) or none")
      ->check(CLI::IsMember({"auto", "tty", "json", "none"}));
  return [a](Context& ctx) { return RunScan(ctx, *a); };
}

}  // namespace phodex::app
