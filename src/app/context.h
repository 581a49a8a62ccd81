#pragma once
// What every command shares: global options, where the catalog and config
// live, the logger, and the concrete backends (the only place that picks
// them). Single-threaded (the main thread).

#include <memory>
#include <string>

#include "app/config.h"
#include "catalog/catalog.h"
#include "core/error.h"
#include "os/file_system.h"

namespace phodex::app {

// Exit statuses, documented in docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,     // the command could not do its job
  kExitUsage = 2,     // bad arguments
  kExitBusy = 3,      // another phodex process holds what we need
  kExitDamaged = 4,   // verify found files whose content changed silently
  kExitInterrupted = 130,
};

struct GlobalOptions {
  std::string catalog;  // --catalog
  std::string config;   // --config
  int verbosity = 0;    // -v count
  bool stats = false;   // --stats
};

class Context {
 public:
  explicit Context(GlobalOptions opts);

  // Catalog path: --catalog, else $PHODEX_CATALOG, else
  // $XDG_DATA_HOME/phodex/catalog.db, else ~/.local/share/phodex/catalog.db.
  const std::string& catalog_path() const { return catalog_path_; }
  // The folder holding the catalog (and later thumbnails): never scanned.
  std::string data_dir() const;

  // Opens the catalog (creating its folder), migrating it if older, and
  // ends the operations stranded by processes that died
  // (EndOrphanedOperations).
  Result<catalog::Catalog*> OpenCatalog();
  // The operations OpenCatalog ended so (a scan notes its root's).
  const std::vector<catalog::Operation>& orphans_ended() const {
    return orphans_ended_;
  }
  // Opens without migrating (for `migrate --status`).
  Result<catalog::Catalog*> OpenCatalogNoMigrate();

  // Loads --config or the default config file; prints its warnings
  // (unknown keys) on stderr.
  Result<Config> LoadConfig();

  os::FileSystem& fs() { return *fs_; }
  const GlobalOptions& options() const { return opts_; }

  // Sets up logging to stderr (warnings, or more with -v) and to
  // <data_dir>/phodex.log; logs the version, commit and command line.
  void StartLogging(const std::string& command_line);

 private:
  GlobalOptions opts_;
  std::string catalog_path_;
  std::unique_ptr<os::FileSystem> fs_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::vector<catalog::Operation> orphans_ended_;
};

// Marks "running" operations of this host whose process is gone (killed
// by SIGKILL, a crash, a power cut) as interrupted, so `ops` and `status`
// never show them running forever. Returns them. Best effort: logs what
// fails.
std::vector<catalog::Operation> EndOrphanedOperations(catalog::Catalog& cat);

// "phodex 0.1.0 (commit 1234abcd)"
std::string VersionString();

// Prints "phodex: <message>" to stderr, control characters escaped
// (util::EscapeControls: a file name cannot drive the terminal).
void PrintError(const std::string& message);

}  // namespace phodex::app
