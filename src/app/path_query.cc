#include "app/path_query.h"

#include "app/roots.h"

namespace phodex::app {

Result<catalog::FileQuery> QueryForPath(Context& ctx, catalog::Catalog& cat,
                                        const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  // The path may name a removed folder or file: resolve what exists, and
  // take the rest literally.
  std::string abs = path;
  if (auto real = ctx.fs().RealPath(path)) abs = *real;
  if (!abs.empty() && abs.front() != '/') {
    if (auto cwd = ctx.fs().RealPath(".")) abs = os::JoinPath(*cwd, abs);
  }
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  auto rs = FindRootFor(roots, abs);
  if (!rs) {
    return MakeError(ErrorCode::kNotFound,
                     "not inside any root (phodex root list)", "", path);
  }
  catalog::FileQuery q;
  q.root = rs->root.id;
  q.rel_prefix = rs->scope;
  return q;
}

}  // namespace phodex::app
