// phodex: the command line. Thin: parse, call one function, print.

#include <CLI/CLI.hpp>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "app/commands.h"
#include "app/context.h"
#include "app/decoders.h"
#include "app/metadata_workers.h"
#include "app/pixel_workers.h"
#include "os/process.h"
#include "util/metrics.h"

namespace {

using phodex::app::Command;

constexpr std::array kCommands = {
    Command{"root", "Manage library roots (drives, shares, folders)",
            phodex::app::SetupRoot},
    Command{"scan", "Scan roots (or folders of them) into the catalog",
            phodex::app::SetupScan},
    Command{"status", "Roots, counts per kind, recent operations",
            phodex::app::SetupStatus},
    Command{"ls", "List cataloged files", phodex::app::SetupLs},
    Command{"show", "Everything the catalog knows about a file, every tag "
                    "included",
            phodex::app::SetupShow},
    Command{"rate", "Set star ratings (into XMP sidecars, or --embed)",
            phodex::app::SetupRate},
    Command{"fav", "Mark or unmark favorites (a favorite is 5 stars)",
            phodex::app::SetupFav},
    Command{"ops", "Operation history", phodex::app::SetupOps},
    Command{"jobs", "The job queue: counts, failures, retry, cancel, pause",
            phodex::app::SetupJobs},
    Command{"dupes", "Groups of files with identical content",
            phodex::app::SetupDupes},
    Command{"thumbs", "Make missing thumbnails, previews, perceptual hashes "
                      "and quality measures",
            phodex::app::SetupThumbs},
    Command{"similar", "Groups of visually near-identical photos",
            phodex::app::SetupSimilar},
    Command{"verify", "Re-hash files and report silent corruption",
            phodex::app::SetupVerify},
    Command{"migrate", "Show or apply catalog schema migrations",
            phodex::app::SetupMigrate},
    Command{"catalog", "Check, back up or rebuild the catalog file",
            phodex::app::SetupCatalog},
    Command{"serve", "Keep the catalog in sync with the disk, in the "
                     "foreground (docs/serve.md)",
            phodex::app::SetupServe},
    Command{"token", "Show the HTTP API's token (created when there is "
                     "none; docs/api.md)",
            phodex::app::SetupToken},
};

std::string WriteError(int err) {
  return std::string("write to standard output: ") + std::strerror(err);
}

// A failed write to standard output while nothing is left to finish
// (os::CheckStandardOutput): a reader that went away (`phodex ls | head`)
// ends the command quietly, as SIGPIPE would but with status 0; any other
// failure (a full disk, a closed descriptor) is an error.
[[noreturn]] void StopOnWriteError(int err) {
  if (err != EPIPE) phodex::app::PrintError(WriteError(err));
  std::_Exit(err == EPIPE ? phodex::app::kExitOk : phodex::app::kExitError);
}

// The command's status, unless what it printed did not all arrive.
int FinishOutput(int rc) {
  const int err = phodex::os::FinishStandardOutput();
  if (err == 0 || err == EPIPE) return rc;
  phodex::app::PrintError(WriteError(err));
  return rc == phodex::app::kExitOk ? phodex::app::kExitError : rc;
}

}  // namespace

int main(int argc, char** argv) {
  // A worker (media/extractor_pool.h, imaging/renderer.h) starts before
  // anything else, from the decoder module (app/decoders.h).
  if (argc == 2 && std::string_view(argv[1]) ==
                       phodex::app::kMetadataWorkerCommand) {
    return phodex::app::RunMetadataWorker();
  }
  if (argc == 2 &&
      std::string_view(argv[1]) == phodex::app::kPixelWorkerCommand) {
    return phodex::app::RunPixelWorker();
  }
  // Before anything opens a file: a closed standard output must not become
  // the next file opened, and its failures must be seen.
  phodex::os::CheckStandardOutput(StopOnWriteError);
  phodex::os::IgnoreBrokenPipe();
  phodex::os::ExitOnInterrupt();
  CLI::App app{"phodex: a fast, trustworthy catalog for large photo libraries",
               "phodex"};
  app.require_subcommand(0, 1);
  phodex::app::GlobalOptions global;
  bool version = false;
  app.add_flag("--version", version, "Print version and build commit");
  app.add_option("--catalog", global.catalog,
                 "Catalog file (default: $PHODEX_CATALOG, else "
                 "$XDG_DATA_HOME/phodex/catalog.db)")
      ->check(CLI::Validator(
          [](const std::string& path) {
            // Not the default in disguise: a script's unset variable.
            return path.empty() ? std::string("must not be empty")
                                : std::string();
          },
          "PATH"));
  app.add_option("--config", global.config,
                 "Config file (default: $XDG_CONFIG_HOME/phodex/config.toml)");
  app.add_flag("-v,--verbose", global.verbosity, "More log output (-vv: debug)");
  app.add_flag("--stats", global.stats, "Print phase timings at the end");

  std::vector<std::pair<CLI::App*, phodex::app::RunFn>> runs;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    runs.emplace_back(sub, c.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : phodex::app::kExitUsage;
  }
  if (version) {
    std::printf("%s\n", phodex::app::VersionString().c_str());
    return FinishOutput(phodex::app::kExitOk);
  }
  if (global.stats) phodex::util::Metrics::Enable();

  std::string command_line;
  for (int i = 1; i < argc; ++i) {
    if (i > 1) command_line += ' ';
    command_line += argv[i];
  }
  phodex::app::Context ctx(global);
  for (auto& [sub, run] : runs) {
    if (!sub->parsed()) continue;
    ctx.StartLogging(command_line);
    int rc = run(ctx);
    // Whatever the command made of it (ExitStatusFor gives a catalog's
    // kCorrupt 6 already), a damaged catalog gets one answer.
    if (ctx.catalog_damaged()) {
      phodex::app::PrintError(
          phodex::app::DamagedCatalogMessage(ctx.catalog_path()));
      rc = phodex::app::kExitCorrupt;
    }
    if (global.stats) {
      std::fprintf(stderr, "%s", phodex::util::Metrics::Report().c_str());
    }
    return FinishOutput(rc);
  }
  std::printf("%s", app.help().c_str());
  return phodex::app::kExitUsage;
}
