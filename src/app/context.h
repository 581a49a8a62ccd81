#pragma once
// What every command shares: global options, where the catalog and config
// live, the logger, and the concrete backends (the only place that picks
// them). Single-threaded (the main thread).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/exit_status.h"
#include "catalog/catalog.h"
#include "core/error.h"
#include "library/data_folder.h"
#include "library/file_locks.h"
#include "library/library.h"
#include "os/file_system.h"

namespace phodex::app {

// What a command does with the catalog, which decides how it is opened
// (docs/cli.md, "The catalog file").
enum class CatalogUse {
  // Reads only (status, ls, show, ops, similar, root list). The catalog
  // must exist. Opened for writing where it can be (an older one is then
  // migrated), else read-only: a read-only folder or mount, a full disk.
  kRead,
  // Writes (rate, verify, dupes, thumbs, root remove, migrate). Must exist;
  // checked for damage before anything is written to it.
  kWrite,
  // Adds to the catalog (scan, root add): as kWrite, but a missing catalog
  // is created, with its folder.
  kCreate,
  // Looks at the catalog as it is (migrate --status, catalog check and
  // backup): must exist; never migrated; read-only where it cannot be
  // written.
  kInspect,
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
  // Opens the catalog for `use` (the first call decides; later calls
  // return the same catalog). A missing catalog is kNotFound ("no catalog
  // at PATH") for every use but kCreate, and then nothing is created. A
  // catalog opened for any use but kInspect also gets the operations
  // stranded by processes that died ended (EndOrphanedOperations), unless
  // it is damaged: the one write a reading command makes, so that `ops`
  // never shows a killed command running.
  Result<catalog::Catalog*> OpenCatalog(CatalogUse use);
  // Another connection to the catalog OpenCatalog opened (it must have),
  // for a thread of its own (`serve`'s job runner): no check, no
  // migration, no orphans ended (the first connection did all that).
  Result<std::unique_ptr<catalog::Catalog>> OpenConnection();
  // A Library like OpenLibrary's over a connection of its own (OpenConnection),
  // for a thread of its own (the HTTP server's handlers); it owns its
  // connection. REQUIRES: OpenLibrary succeeded.
  Result<std::shared_ptr<library::Library>> OpenLibraryConnection();
  // The operations OpenCatalog ended so (a scan notes its root's).
  const std::vector<catalog::Operation>& orphans_ended() const {
    return orphans_ended_;
  }
  // True once the catalog met damage, at open or since (Catalog::Damaged):
  // main then exits with kExitCorrupt and says what to do.
  bool catalog_damaged();

  // Loads --config or the default config file; prints its warnings
  // (unknown keys) on stderr. The settings are kept for OpenLibrary.
  Result<Config> LoadConfig();

  // The library over the catalog opened for `use` (OpenCatalog), with this
  // process's file system, the system clock, the data folder's lock files
  // and the worker pools of this binary. Its settings are those LoadConfig
  // loaded, or the defaults if the command never loaded them (a command
  // that reads settings calls LoadConfig first). Later calls return the
  // same library.
  Result<library::Library*> OpenLibrary(CatalogUse use);
  // The data folder beside the catalog (library/data_folder.h).
  const library::DataFolder& data() const { return data_; }

  os::FileSystem& fs() { return *fs_; }
  const GlobalOptions& options() const { return opts_; }

  // Sets up logging to stderr (warnings, or more with -v) and to
  // <data_dir>/phodex.log when that folder exists (best effort: a read-only
  // folder or a full disk must not stop a query; the folder is created
  // only with a new catalog); logs the version, commit and command line.
  void StartLogging(const std::string& command_line);

 private:
  // What every Library of this process is made of, over `cat`.
  library::Parts PartsFor(catalog::Catalog* cat);
  Result<std::unique_ptr<catalog::Catalog>> Open(CatalogUse use);
  Result<std::unique_ptr<catalog::Catalog>> OpenReadOnly(CatalogUse use,
                                                         const Error& why);
  void AttachLogFile();

  GlobalOptions opts_;
  std::string catalog_path_;
  std::unique_ptr<os::FileSystem> fs_;
  std::unique_ptr<catalog::Catalog> catalog_;
  library::DataFolder data_;
  std::unique_ptr<library::FileLocks> locks_;
  std::optional<Config> config_;
  std::unique_ptr<library::Library> library_;
  std::vector<catalog::Operation> orphans_ended_;
  bool damaged_ = false;  // the open failed on damage
  bool log_file_ = false;
  std::string command_line_;
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

// What to do about a damaged catalog, for stderr.
std::string DamagedCatalogMessage(const std::string& catalog_path);

}  // namespace phodex::app
