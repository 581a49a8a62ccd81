#include "library/path_scope.h"

namespace phodex::library {
namespace {

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.starts_with("/");
  return path.size() > dir.size() && path.starts_with(dir) &&
         path[dir.size()] == '/';
}

}  // namespace

Result<catalog::FileQuery> ScopeOfPath(os::FileSystem& fs,
                                       const std::vector<catalog::Root>& roots,
                                       const std::string& path) {
  // The path may name a removed folder or file: resolve what exists, and
  // take the rest literally.
  std::string abs = path;
  if (auto real = fs.RealPath(path)) abs = *real;
  if (!abs.empty() && abs.front() != '/') {
    if (auto cwd = fs.RealPath(".")) abs = os::JoinPath(*cwd, abs);
  }
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  for (const catalog::Root& r : roots) {
    catalog::FileQuery q;
    q.root = r.id;
    if (abs == r.path) return q;
    if (IsUnder(abs, r.path)) {
      q.rel_prefix = abs.substr(r.path == "/" ? 1 : r.path.size() + 1);
      return q;
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   "not inside any root (phodex root list)", "", path);
}

Result<std::vector<catalog::FileQuery>> ScopesOfPaths(
    os::FileSystem& fs, catalog::Catalog& catalog,
    const std::vector<std::string>& paths) {
  std::vector<catalog::FileQuery> scopes;
  if (paths.empty()) {
    scopes.emplace_back();
    return scopes;
  }
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          catalog.ListRoots());
  for (const std::string& p : paths) {
    PHODEX_ASSIGN_OR_RETURN(catalog::FileQuery q, ScopeOfPath(fs, roots, p));
    scopes.push_back(std::move(q));
  }
  return scopes;
}

}  // namespace phodex::library
