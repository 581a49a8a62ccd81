#pragma once
// Transitional: library::QueryForPath (library/roots.h) for the commands
// not yet moved to the library. Single-threaded.

#include <string>

#include "app/context.h"
#include "catalog/catalog.h"

namespace phodex::app {

// Fails with a clear message when the path is in no root.
Result<catalog::FileQuery> QueryForPath(Context& ctx, catalog::Catalog& cat,
                                        const std::string& path);

}  // namespace phodex::app
