#include "library/path_scope.h"

#include "library/roots.h"

namespace phodex::library {

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
  auto rs = FindRootFor(roots, abs);
  if (!rs) {
    return MakeError(ErrorCode::kNotFound,
                     "not inside any root (phodex root list)", "", path);
  }
  catalog::FileQuery q;
  q.root = rs->root.id;
  q.rel_prefix = std::move(rs->scope);
  return q;
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
