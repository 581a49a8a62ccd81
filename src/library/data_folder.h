#pragma once
// Where phodex keeps what is not in the catalog's tables: the thumbnail
// cache, the dupes journal, the lock files and the log. Explicit, so that
// nothing is derived from the catalog's file path: an embedded catalog's
// data folder is the folder holding it, with its files named after it
// (catalog.db.dupes-journal, catalog.db.root-3.lock, ...: the names of
// every phodex before this one); a PostgreSQL catalog's is a local folder
// chosen by configuration. Thread-compatible value type.

#include <string>
#include <vector>

#include "core/types.h"

namespace phodex::library {

struct DataFolder {
  // The folder (absolute or relative to the working directory, as given).
  std::string dir;
  // The prefix of phodex's file names in it ("catalog.db").
  std::string prefix;
  // The embedded catalog's own file in `dir`, if any ("catalog.db"): its
  // -wal, -shm and -journal and its migration backups are phodex's files.
  std::string catalog_file;

  // <dir>/thumbs
  std::string ThumbsDir() const;
  // <dir>/<prefix>.dupes-journal and .dupes.lock
  std::string DupesJournalPath() const;
  std::string DupesLockPath() const;
  // <dir>/<prefix>.root-<id>.lock
  std::string RootLockPath(RootId root) const;
  // <dir>/phodex.log
  std::string LogPath() const;
  // <dir>/<prefix>.serve.lock: held by `phodex serve` for its life (one
  // service per catalog; `phodex status` probes it).
  std::string ServeLockPath() const;
  // <dir>/<prefix>.serve-status.json: what the running service last said
  // of itself (library/service_status.h), rewritten every few seconds.
  std::string ServiceStatusPath() const;
  // <dir>/<prefix>.api-token: the HTTP API's token (library/api_token.h),
  // mode 0600.
  std::string ApiTokenPath() const;

  // phodex's own files in the folder, as absolute globs under
  // `dir_real` (the folder resolved, as the walk compares canonical
  // paths), for scan::FilterOptions::exclude_abs_file_globs: never
  // cataloged, even when the folder is inside a root.
  std::vector<std::string> OwnFileGlobs(const std::string& dir_real) const;
};

// The data folder of an embedded catalog at `catalog_path`: its folder,
// its files named after it.
DataFolder DataFolderBeside(const std::string& catalog_path);

}  // namespace phodex::library
