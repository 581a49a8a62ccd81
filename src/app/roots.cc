#include "app/roots.h"

#include "os/clock.h"

namespace phodex::app {
namespace {

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.starts_with("/");
  return path.size() > dir.size() && path.starts_with(dir) &&
         path[dir.size()] == '/';
}

}  // namespace

std::optional<RootScope> FindRootFor(const std::vector<catalog::Root>& roots,
                                     const std::string& abs) {
  for (const catalog::Root& r : roots) {
    if (abs == r.path) return RootScope{r, ""};
    if (IsUnder(abs, r.path)) {
      const size_t skip = r.path == "/" ? 1 : r.path.size() + 1;
      return RootScope{r, abs.substr(skip)};
    }
  }
  return std::nullopt;
}

std::string RootLockPath(const Context& ctx, RootId root) {
  return ctx.catalog_path() + ".root-" + std::to_string(root.value) + ".lock";
}

Result<std::string> CanonicalFolder(Context& ctx, const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::string abs, ctx.fs().RealPath(path));
  PHODEX_ASSIGN_OR_RETURN(FileStat st, ctx.fs().Stat(abs, os::Follow::kYes));
  if (st.type != FileType::kDirectory) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "", path);
  }
  return abs;
}

Result<catalog::Root> AddRoot(Context& ctx, catalog::Catalog& cat,
                              const std::string& path, std::string name) {
  PHODEX_ASSIGN_OR_RETURN(std::string abs, CanonicalFolder(ctx, path));
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  for (const catalog::Root& r : roots) {
    if (r.path == abs) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "already a root, named '" + r.name + "'", "add root",
                       abs);
    }
    if (IsUnder(abs, r.path)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "inside root '" + r.name + "' (" + r.path +
                           "); scan it as part of that root",
                       "add root", abs);
    }
    if (IsUnder(r.path, abs)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "contains root '" + r.name + "' (" + r.path +
                           "); remove that root first",
                       "add root", abs);
    }
  }
  const bool explicit_name = !name.empty();
  if (name.empty()) {
    name = std::string(os::BaseName(abs));
    if (name.empty()) name = "root";
  }
  const std::string base = name;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const catalog::Root& r : roots) taken |= r.name == name;
    if (!taken) break;
    if (explicit_name) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "a root named '" + name + "' exists", "add root", abs);
    }
    name = base + "-" + std::to_string(n);
  }
  return cat.AddRoot(abs, name, os::SystemClock().NowUnixNs());
}

}  // namespace phodex::app
