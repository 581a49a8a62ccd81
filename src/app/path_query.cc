#include "app/path_query.h"

#include "library/path_scope.h"

namespace phodex::app {

Result<catalog::FileQuery> QueryForPath(Context& ctx, catalog::Catalog& cat,
                                        const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  return library::ScopeOfPath(ctx.fs(), roots, path);
}

}  // namespace phodex::app
