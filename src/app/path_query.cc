#include "app/path_query.h"

#include "library/roots.h"

namespace phodex::app {

Result<catalog::FileQuery> QueryForPath(Context& ctx, catalog::Catalog& cat,
                                        const std::string& path) {
  return library::QueryForPath(ctx.fs(), cat, path);
}

}  // namespace phodex::app
