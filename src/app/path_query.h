#pragma once
// Turns a path a user typed (a root, a folder or file in one, possibly one
// that no longer exists) into a catalog query. Single-threaded.

#include <string>

#include "app/context.h"
#include "catalog/catalog.h"

namespace phodex::app {

// Fails with a clear message when the path is in no root.
Result<catalog::FileQuery> QueryForPath(Context& ctx, catalog::Catalog& cat,
                                        const std::string& path);

}  // namespace phodex::app
