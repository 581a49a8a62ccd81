// phodex root add|list|remove

#include <cstdio>

#include "app/commands.h"
#include "app/roots.h"
#include "os/clock.h"
#include "os/process.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

struct RootArgs {
  std::string path;
  std::string name;
  std::string remove_name;
  bool purge = false;
  bool wait = false;
};

int RunAdd(Context& ctx, const RootArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kCreate);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto root = AddRoot(ctx, **cat, a.path, a.name);
  if (!root) return PrintError(root.error().ToString()), kExitError;
  std::printf("added root '%s' (%s)\n",
              util::EscapeForTerminal(root->name).c_str(),
              util::EscapeForTerminal(root->path).c_str());
  return kExitOk;
}

int RunList(Context& ctx) {
  auto cat = ctx.OpenCatalog(CatalogUse::kRead);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto stats = (*cat)->Stats();
  if (!stats) return PrintError(stats.error().ToString()), kExitError;
  if (stats->roots.empty()) {
    std::printf("no roots yet: phodex root add PATH\n");
    return kExitOk;
  }
  std::printf("%-4s %-20s %10s %10s  %-25s %s\n", "id", "name", "files",
              "size", "last scanned", "path");
  for (const catalog::RootStats& rs : stats->roots) {
    const std::string scanned =
        rs.root.last_scanned_ns ? util::Rfc3339Local(*rs.root.last_scanned_ns)
                                : "never";
    std::printf("%-4lld %-20s %10s %10s  %-25s %s\n",
                static_cast<long long>(rs.root.id.value),
                util::EscapeForTerminal(rs.root.name).c_str(),
                util::GroupThousands(rs.present).c_str(),
                util::HumanBytes(rs.bytes).c_str(), scanned.c_str(),
                util::EscapeForTerminal(rs.root.path).c_str());
  }
  return kExitOk;
}

int RunRemove(Context& ctx, const RootArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto roots = (*cat)->ListRoots();
  if (!roots) return PrintError(roots.error().ToString()), kExitError;
  const catalog::Root* target = nullptr;
  auto abs = ctx.fs().RealPath(a.remove_name);
  for (const catalog::Root& r : *roots) {
    if (r.name == a.remove_name || r.path == a.remove_name ||
        (abs && r.path == *abs)) {
      target = &r;
    }
  }
  if (target == nullptr) {
    PrintError("no root named or at '" + a.remove_name + "' (phodex root list)");
    return kExitError;
  }
  // Never remove a root under a running scan.
  auto lock = os::FileLock::Acquire(
      RootLockPath(ctx, target->id),
      a.wait ? os::FileLock::Wait::kYes : os::FileLock::Wait::kNo);
  if (!lock) {
    PrintError("root '" + target->name + "' is being scanned: " +
               lock.error().ToString());
    return kExitBusy;
  }
  auto st = (*cat)->RemoveRoot(target->id,
                               a.purge ? catalog::Purge::kYes
                                       : catalog::Purge::kNo,
                               os::SystemClock().NowUnixNs());
  if (!st) return PrintError(st.error().ToString()), kExitError;
  std::printf("removed root '%s'%s\n", target->name.c_str(),
              a.purge ? " and its records"
                      : " (its records are kept, marked removed; --purge "
                        "deletes them)");
  return kExitOk;
}

}  // namespace

RunFn SetupRoot(CLI::App& sub) {
  auto args = std::make_shared<RootArgs>();
  sub.require_subcommand(1);
  CLI::App* add = sub.add_subcommand("add", "Add a folder as a library root");
  add->add_option("path", args->path, "Folder (a drive, share or folder)")
      ->required();
  add->add_option("--name", args->name, "Short name (default: folder name)");
  CLI::App* list = sub.add_subcommand("list", "List roots");
  CLI::App* remove = sub.add_subcommand(
      "remove", "Remove a root (its records stay unless --purge)");
  remove->add_option("root", args->remove_name, "Root name or path")
      ->required();
  remove->add_flag("--purge", args->purge,
                   "Also delete the root's file records and history");
  remove->add_flag("--wait", args->wait, "Wait for a running scan to end");
  return [=](Context& ctx) {
    if (add->parsed()) return RunAdd(ctx, *args);
    if (list->parsed()) return RunList(ctx);
    if (remove->parsed()) return RunRemove(ctx, *args);
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace phodex::app
