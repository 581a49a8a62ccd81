#pragma once
// The command table (after ninja's kTools): adding a command adds a row in
// main.cc and one file here. Each Setup function declares the command's
// options on its CLI11 subcommand and returns the function that runs it.

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <functional>
#include <string>

#include "app/context.h"

namespace phodex::app {

using RunFn = std::function<int(Context&)>;

// A CLI11 check for an integer option of at least `min` (counts, limits,
// ids): "--limit: must be an integer of at least 0 (got -5)". Every
// numeric option has a check, so a bad value is a usage error (exit 2)
// before anything runs.
inline CLI::Validator AtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& in) -> std::string {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), v);
        if (ec == std::errc() && end == in.data() + in.size() && v >= min) {
          return "";
        }
        return "must be an integer of at least " + std::to_string(min) +
               " (got " + in + ")";
      },
      ">=" + std::to_string(min));
}
using SetupFn = RunFn (*)(CLI::App& sub);

struct Command {
  const char* name;
  const char* help;
  SetupFn setup;
};

RunFn SetupRoot(CLI::App& sub);     // cmd_root.cc
RunFn SetupScan(CLI::App& sub);     // cmd_scan.cc
RunFn SetupStatus(CLI::App& sub);   // cmd_status.cc
RunFn SetupLs(CLI::App& sub);       // cmd_ls.cc
RunFn SetupOps(CLI::App& sub);      // cmd_ops.cc
RunFn SetupJobs(CLI::App& sub);     // cmd_jobs.cc
RunFn SetupMigrate(CLI::App& sub);  // cmd_migrate.cc
RunFn SetupVerify(CLI::App& sub);   // cmd_verify.cc
RunFn SetupDupes(CLI::App& sub);    // cmd_dupes.cc
RunFn SetupShow(CLI::App& sub);     // cmd_show.cc
RunFn SetupRate(CLI::App& sub);     // cmd_rate.cc
RunFn SetupFav(CLI::App& sub);      // cmd_rate.cc
RunFn SetupThumbs(CLI::App& sub);   // cmd_thumbs.cc
RunFn SetupSimilar(CLI::App& sub);  // cmd_similar.cc
RunFn SetupCatalog(CLI::App& sub);  // cmd_catalog.cc
RunFn SetupServe(CLI::App& sub);    // cmd_serve.cc
RunFn SetupToken(CLI::App& sub);    // cmd_serve.cc

}  // namespace phodex::app
