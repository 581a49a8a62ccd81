#pragma once
// What every command shares: global options, where the catalog and config
// live, the logger, and the concrete backends (the only place that picks
// them). Single-threaded (the main thread).

#include <memory>
#include <string>
#include <vector>

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
  kExitOffline = 5,   // a root is offline (its drive is not mounted?):
                      // nothing was marked removed
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
  // The thumbnail cache: <data_dir>/thumbs.
  std::string thumbs_dir() const;
  // phodex's own files beside the catalog, as absolute globs for
  // scan::FilterOptions::exclude_abs_file_globs (never cataloged, even
  // when the catalog's folder is a root): the catalog and its -wal, -shm
  // and -journal, the dupes journal and lock, the root locks, the backups
  // migrations write, the log and its rotated copies. `data_dir_real` is
  // data_dir() resolved (the walk compares canonical paths).
  std::vector<std::string> OwnFileGlobs(const std::string& data_dir_real) const;

  // Opens the catalog (creating its folder), migrating it if older.
  Result<catalog::Catalog*> OpenCatalog();
  // Opens without migrating (for `migrate --status`).
  Result<catalog::Catalog*> OpenCatalogNoMigrate();

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
};

// "phodex 0.1.0 (commit 1234abcd)"
std::string VersionString();

// Prints "phodex: <message>" to stderr.
void PrintError(const std::string& message);

}  // namespace phodex::app
