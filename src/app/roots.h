#pragma once
// Resolving user-given paths against the catalog's roots. Single-threaded.

#include <optional>
#include <string>
#include <vector>

#include "app/context.h"
#include "catalog/catalog.h"

namespace phodex::app {

struct RootScope {
  catalog::Root root;
  std::string scope;  // rel folder below the root; "" = the whole root
};

// The root that holds absolute path `abs` (itself or below it).
std::optional<RootScope> FindRootFor(const std::vector<catalog::Root>& roots,
                                     const std::string& abs);

// Adds folder `path` as a root. Refuses a folder inside another root or
// one that contains a root (files would be cataloged twice). An empty
// `name` becomes the folder's name, made unique.
Result<catalog::Root> AddRoot(Context& ctx, catalog::Catalog& cat,
                              const std::string& path, std::string name);

// The lock a scan of `root` holds (beside the catalog), so that two
// processes never scan or remove the same root at once.
std::string RootLockPath(const Context& ctx, RootId root);

// Resolves `path` to a canonical absolute folder path.
Result<std::string> CanonicalFolder(Context& ctx, const std::string& path);

}  // namespace phodex::app
