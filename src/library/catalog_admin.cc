#include "library/catalog_admin.h"

#include <string_view>

#include "os/process.h"
#include "util/text.h"

namespace phodex::library {

void RemoveCatalogFiles(os::FileSystem& fs, const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    // Best effort: most of them do not exist.
    (void)fs.RemoveFile(path + suffix);
  }
}

Result<catalog::SchemaStatus> GetSchemaStatus(Library& lib) {
  return lib.catalog().GetSchemaStatus();
}

Result<CatalogCheck> CheckCatalog(Library& lib) {
  CatalogCheck out;
  Status st = lib.catalog().CheckIntegrity();
  if (st) return out;
  if (st.error().code() != ErrorCode::kCorrupt) {
    return std::unexpected(st.error());
  }
  out.damaged = true;
  for (std::string_view rest = st.error().message(); !rest.empty();) {
    const size_t nl = rest.find('\n');
    out.findings.emplace_back(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  return out;
}

Result<int64_t> BackupCatalog(Library& lib, const std::string& file) {
  os::FileSystem& fs = lib.fs();
  if (fs.Stat(file, os::Follow::kNo)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "'" + util::EscapeBytes(file) + "' exists; not replaced");
  }
  const std::string temp = os::JoinPath(
      os::DirName(file), "." + std::string(os::BaseName(file)).substr(0, 200) +
                             ".phodex-tmp-" + std::to_string(os::CurrentPid()));
  RemoveCatalogFiles(fs, temp);  // a crashed earlier run of this pid
  Status st = lib.catalog().BackupTo(temp);
  if (st) st = fs.Rename(temp, file, os::Replace::kNo);
  if (st) st = fs.SyncDir(os::DirName(file));
  if (!st) {
    RemoveCatalogFiles(fs, temp);
    return std::unexpected(st.error());
  }
  auto size = fs.Stat(file, os::Follow::kNo);
  return size ? static_cast<int64_t>(size->size) : int64_t{-1};
}

}  // namespace phodex::library
