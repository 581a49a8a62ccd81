#include "app/roots.h"

namespace phodex::app {

std::string RootLockPath(const Context& ctx, RootId root) {
  return ctx.data().RootLockPath(root);
}

}  // namespace phodex::app
