#pragma once
// Turns a path a user typed (a root, a folder or file in one, possibly one
// that no longer exists) into a catalog query: the scope of `verify`,
// `thumbs`, `similar`, `dupes` and `rate`. The one place that knows how a
// typed path meets the roots for these use cases. Thread-compatible.

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "os/file_system.h"

namespace phodex::library {

// What exists of `path` is resolved (symlinks), the rest taken literally;
// a relative path is taken from the working directory. kNotFound ("not
// inside any root (phodex root list)", with the path as typed) when the
// path is in no root of `roots`.
Result<catalog::FileQuery> ScopeOfPath(os::FileSystem& fs,
                                       const std::vector<catalog::Root>& roots,
                                       const std::string& path);

// The scopes of `paths`, in order, over the catalog's roots; one query of
// everything when `paths` is empty. The first path in no root fails.
Result<std::vector<catalog::FileQuery>> ScopesOfPaths(
    os::FileSystem& fs, catalog::Catalog& catalog,
    const std::vector<std::string>& paths);

}  // namespace phodex::library
