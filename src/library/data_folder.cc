#include "library/data_folder.h"

#include "os/file_system.h"
#include "util/text.h"

namespace phodex::library {

std::string DataFolder::ThumbsDir() const { return os::JoinPath(dir, "thumbs"); }

std::string DataFolder::DupesJournalPath() const {
  return os::JoinPath(dir, prefix + ".dupes-journal");
}

std::string DataFolder::DupesLockPath() const {
  return os::JoinPath(dir, prefix + ".dupes.lock");
}

std::string DataFolder::RootLockPath(RootId root) const {
  return os::JoinPath(dir,
                      prefix + ".root-" + std::to_string(root.value) + ".lock");
}

std::string DataFolder::LogPath() const { return os::JoinPath(dir, "phodex.log"); }

std::string DataFolder::ServeLockPath() const {
  return os::JoinPath(dir, prefix + ".serve.lock");
}

std::string DataFolder::ServiceStatusPath() const {
  return os::JoinPath(dir, prefix + ".serve-status.json");
}

std::string DataFolder::ApiTokenPath() const {
  return os::JoinPath(dir, prefix + ".api-token");
}

std::vector<std::string> DataFolder::OwnFileGlobs(
    const std::string& dir_real) const {
  std::vector<std::string> out;
  // The names are set where the files are written: SQLite (-wal, -shm,
  // -journal), catalog/sqlite (".v<N>.bak", ".v<N>.<n>.bak"), the methods
  // above, and app's logging (phodex.log, rotated as phodex.<n>.log).
  if (!catalog_file.empty()) {
    const std::string db = util::GlobEscape(catalog_file);
    for (const char* suffix : {"", "-wal", "-shm", "-journal", ".v*.bak"}) {
      out.push_back(os::JoinPath(dir_real, db + suffix));
    }
  }
  const std::string own = util::GlobEscape(prefix);
  for (const char* suffix : {".dupes-journal", ".dupes.lock", ".root-*.lock",
                             ".serve.lock", ".serve-status.json",
                             ".api-token", ".api-token.tmp-*"}) {
    out.push_back(os::JoinPath(dir_real, own + suffix));
  }
  out.push_back(os::JoinPath(dir_real, "phodex.log"));
  out.push_back(os::JoinPath(dir_real, "phodex.*.log"));
  return out;
}

DataFolder DataFolderBeside(const std::string& catalog_path) {
  DataFolder d;
  d.dir = os::DirName(catalog_path);
  d.prefix = os::BaseName(catalog_path);
  d.catalog_file = d.prefix;
  return d;
}

}  // namespace phodex::library
