#pragma once
// Transitional: the root rules moved to library/roots.h. What the commands
// not yet moved to the library (dupes, rate) still name here.
// Single-threaded.

#include <string>

#include "app/context.h"
#include "library/roots.h"

namespace phodex::app {

using library::FindRootFor;
using library::RootScope;

// The lock a scan of `root` holds (library::DataFolder::RootLockPath).
std::string RootLockPath(const Context& ctx, RootId root);

}  // namespace phodex::app
