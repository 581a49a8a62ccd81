// phodex catalog check | backup FILE | rebuild

#include <cstdio>

#include "app/catalog_swap.h"
#include "app/commands.h"
#include "app/metadata_workers.h"
#include "app/progress_printer.h"
#include "library/catalog_admin.h"
#include "library/file_locks.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/catalog_rebuild.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

bool Exists(Context& ctx, const std::string& path) {
  return ctx.fs().Stat(path, os::Follow::kNo).has_value();
}

// "20240501T123456Z": for the names of files made beside the catalog.
std::string Stamp(int64_t unix_ns) {
  std::string out;
  for (char c : util::Rfc3339Utc(unix_ns).substr(0, 19)) {
    if (c != '-' && c != ':') out += c;
  }
  return out + "Z";
}

int RunCheck(Context& ctx) {
  auto lib = ctx.OpenLibrary(CatalogUse::kInspect);
  if (!lib) {
    // Damage (not a database at all) gets main's kExitCorrupt.
    return PrintError(lib.error().ToString()), kExitError;
  }
  auto check = library::CheckCatalog(**lib);
  if (!check) return PrintError(check.error().ToString()), kExitError;
  const std::string shown = util::EscapeBytes(ctx.catalog_path());
  if (!check->damaged) {
    std::printf("%s: ok\n", shown.c_str());
    return kExitOk;
  }
  std::printf("%s: damaged\n", shown.c_str());
  for (const std::string& line : check->findings) {
    std::printf("  %s\n", line.c_str());
  }
  return kExitError;  // main says what to do, with kExitCorrupt
}

int RunBackup(Context& ctx, const std::string& file) {
  if (Exists(ctx, file)) {  // before the catalog is looked for
    PrintError("'" + util::EscapeBytes(file) + "' exists; not replaced");
    return kExitError;
  }
  auto lib = ctx.OpenLibrary(CatalogUse::kInspect);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  auto size = library::BackupCatalog(**lib, file);
  if (!size) return PrintError(size.error().ToString()), ExitStatusFor(size.error());
  std::printf(
      "backed up %s to %s (%s)\n",
      util::EscapeBytes(ctx.catalog_path()).c_str(),
      util::EscapeBytes(file).c_str(),
      *size >= 0 ? util::HumanBytes(static_cast<uint64_t>(*size)).c_str() : "?");
  return kExitOk;
}

// As `scan` with no options: the config's settings.
scan::ScanOptions RescanOptions(Context& ctx, const Config& config) {
  scan::ScanOptions options;
  options.filter.exclude_globs = config.scan_exclude;
  if (auto data = ctx.fs().RealPath(ctx.data().dir)) {
    options.filter.exclude_abs_dirs.push_back(*data);
  }
  options.filter.include_hidden = config.include_hidden;
  options.follow_symlinks =
      config.follow_symlinks ? os::Follow::kYes : os::Follow::kNo;
  options.file_systems = config.cross_filesystems
                             ? scan::WalkOptions::FileSystems::kAll
                             : scan::WalkOptions::FileSystems::kOne;
  options.threads = config.threads;
  options.content.full_hash = config.hash == "full";
  return options;
}

void PrintSalvage(const catalog::SalvageReport& salvage) {
  std::printf("carried over from the old catalog:\n");
  for (const catalog::SalvagedTable& t : salvage.tables) {
    std::printf("  %-12s %12s rows", t.table.c_str(),
                util::GroupThousands(t.copied).c_str());
    if (t.lost > 0) {
      std::printf(", %s unreadable", util::GroupThousands(t.lost).c_str());
    }
    if (!t.complete) std::printf(", the rest unreadable");
    std::printf("\n");
  }
}

struct RebuildRun {
  explicit RebuildRun(const library::DataFolder& data) : lock_files(data) {}
  // The data folder's locks, as every other command takes them (the
  // rebuild works without a Library: its catalog is what it replaces).
  library::FileLocks lock_files;
  std::vector<std::unique_ptr<catalog::Lock>> locks;
  std::unique_ptr<ProgressPrinter> printer;
};

scan::RebuildOptions RebuildHooks(RebuildRun& run) {
  scan::RebuildOptions o;
  o.lock_roots = [&run](const std::vector<catalog::Root>& roots) -> Status {
    for (const catalog::Root& r : roots) {
      auto lock = run.lock_files.LockRoot(r.id, catalog::Locks::Wait::kNo);
      if (!lock) {
        return MakeError(ErrorCode::kBusy,
                         "root '" + r.name +
                             "' is being scanned by another "
                             "phodex process (" +
                             lock.error().message() + ")",
                         "rebuild catalog");
      }
      run.locks.push_back(std::move(*lock));
    }
    return Status();
  };
  o.on_scan_start = [&run](const catalog::Root& r, scan::ScanProgress& p) {
    run.printer = std::make_unique<ProgressPrinter>(
        os::IsTerminal(2) ? ProgressMode::kTty : ProgressMode::kNone, p,
        r.name);
    run.printer->Start();
  };
  o.on_scan_end = [&run](const catalog::Root& r, const scan::ScanReport& s,
                         const scan::ScanProgress&) {
    run.printer->Stop();
    run.printer.reset();
    std::printf(
        "rescanned '%s': %s files; added %s, updated %s, removed %s, "
        "moved %s; %s errors%s%s\n",
        r.name.c_str(), util::GroupThousands(s.counts.scanned).c_str(),
        util::GroupThousands(s.counts.added).c_str(),
        util::GroupThousands(s.counts.updated).c_str(),
        util::GroupThousands(s.counts.removed).c_str(),
        util::GroupThousands(s.counts.moved).c_str(),
        util::GroupThousands(s.counts.errors).c_str(),
        s.error.empty() ? "" : "; ", s.error.c_str());
  };
  return o;
}

// Phase 1 into `rebuilt`; the caller swaps it in. Returns an exit status.
int BuildBeside(Context& ctx, const std::string& rebuilt, RebuildRun& run) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  // The old catalog is only read, damaged or not.
  catalog::SqliteOptions read;
  read.access = catalog::SqliteOptions::Access::kReadOnly;
  read.create = catalog::SqliteOptions::Create::kNo;
  read.migrate = catalog::SqliteOptions::Migrate::kNo;
  auto old = catalog::OpenSqliteCatalog(ctx.catalog_path(), read);
  if (!old) {
    PrintError(old.error().ToString() +
               "; nothing can be carried over from it: move it away and "
               "start a new catalog with `phodex root add`");
    return old.error().code() == ErrorCode::kCorrupt ? kExitCorrupt
                                                     : kExitError;
  }
  auto fresh = catalog::OpenSqliteCatalog(rebuilt, {});
  if (!fresh) return PrintError(fresh.error().ToString()), kExitError;
  scan::RebuildOptions options = RebuildHooks(run);
  options.scan = RescanOptions(ctx, *config);
  std::unique_ptr<media::MetadataReader> metadata_workers;
  if (config->metadata) {
    auto pool = StartMetadataWorkers(*config);
    if (!pool) return PrintError(pool.error().ToString()), kExitError;
    metadata_workers = std::move(*pool);
    options.scan.metadata = metadata_workers.get();
  }
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  auto report = scan::RebuildCatalog(**old, **fresh, ctx.fs(),
                                     os::SystemClock(), options, &cancel);
  if (run.printer) run.printer->Stop();
  if (!report) {
    PrintError(report.error().ToString());
    return report.error().code() == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  PrintSalvage(report->salvage);
  if (report->status == catalog::OperationStatus::kInterrupted) {
    return kExitInterrupted;
  }
  for (const catalog::Root& r : report->not_scanned) {
    std::printf(
        "note: root '%s' could not be rescanned; its files are as "
        "the old catalog held them\n",
        r.name.c_str());
  }
  return kExitOk;
}

int RunRebuild(Context& ctx) {
  const std::string& path = ctx.catalog_path();
  if (!Exists(ctx, path)) {
    PrintError("no catalog at '" + util::EscapeBytes(path) + "'");
    return kExitError;
  }
  // No `dupes --apply` may run meanwhile (it also takes every root's lock,
  // which the rebuild takes once it knows the roots).
  library::FileLocks lock_files(ctx.data());
  auto dupes_lock = lock_files.LockDupes(catalog::Locks::Wait::kNo);
  if (!dupes_lock) {
    PrintError(
        "duplicate actions are being applied by another phodex "
        "process: " +
        dupes_lock.error().ToString());
    return kExitBusy;
  }
  const std::string stamp = Stamp(os::SystemClock().NowUnixNs());
  const std::string rebuilt = path + ".rebuild-" + stamp;
  const std::string keep = path + ".before-rebuild-" + stamp;
  if (Exists(ctx, rebuilt)) {  // never build into (or remove) another file
    PrintError("'" + util::EscapeBytes(rebuilt) + "' exists");
    return kExitError;
  }
  RebuildRun run(ctx.data());
  int rc = BuildBeside(ctx, rebuilt, run);
  if (rc != kExitOk) {
    library::RemoveCatalogFiles(ctx.fs(), rebuilt);
    return rc;
  }
  auto st = SwapInRebuiltCatalog(ctx.fs(), path, rebuilt, keep);
  if (!st && !Exists(ctx, rebuilt)) {  // in place; the folder's sync failed
    PrintError("rebuilt " + util::EscapeBytes(path) +
               " (the old catalog is "
               "kept as " +
               util::EscapeBytes(keep) + "), but " + st.error().ToString());
    return kExitError;
  }
  if (!st) {
    library::RemoveCatalogFiles(ctx.fs(), rebuilt);
    PrintError(st.error().ToString() +
               "; the catalog was not replaced: run `phodex catalog rebuild` "
               "again once no other phodex uses it");
    return st.error().code() == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  std::printf("rebuilt %s; the old catalog is kept as %s\n",
              util::EscapeBytes(path).c_str(), util::EscapeBytes(keep).c_str());
  return kExitOk;
}

}  // namespace

RunFn SetupCatalog(CLI::App& sub) {
  sub.require_subcommand(1);
  CLI::App* check = sub.add_subcommand(
      "check", "Check every page of the catalog (exit 6 if damaged)");
  CLI::App* backup = sub.add_subcommand(
      "backup", "Write a consistent copy of the catalog to a new FILE");
  auto file = std::make_shared<std::string>();
  backup->add_option("file", *file, "The copy (must not exist)")->required();
  CLI::App* rebuild = sub.add_subcommand(
      "rebuild",
      "Build a new catalog from what the old one can still tell and a rescan "
      "of the roots, and swap it in (the old one is kept)");
  return [=](Context& ctx) {
    if (check->parsed()) return RunCheck(ctx);
    if (backup->parsed()) return RunBackup(ctx, *file);
    if (rebuild->parsed()) return RunRebuild(ctx);
    return int{kExitUsage};
  };
}

}  // namespace phodex::app
