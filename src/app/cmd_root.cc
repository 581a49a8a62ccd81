// phodex root add|list|remove|rebind

#include <cstdio>
#include <expected>

#include "app/commands.h"
#include "app/roots.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/root_identity.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

struct RootArgs {
  std::string path;
  std::string name;
  std::string remove_arg;   // NAME|PATH
  std::string remove_name;  // --name
  std::string remove_path;  // --path
  bool purge = false;
  bool force = false;
  bool wait = false;
};

int RunAdd(Context& ctx, const RootArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kCreate);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  if (!a.name.empty()) {
    if (Status st = ValidateRootName(a.name); !st) {
      return PrintError(st.error().ToString()), kExitUsage;
    }
  }
  auto added = AddRoot(ctx, **cat, a.path, a.name);
  if (!added) return PrintError(added.error().ToString()), kExitError;
  std::printf("added root '%s' (%s)\n", util::EscapeForTerminal(added->root.name).c_str(),
              util::EscapeForTerminal(added->root.path).c_str());
  if (!added->identity_note.empty()) {
    std::printf("  note: %s\n", util::EscapeControls(added->identity_note).c_str());
  }
  return kExitOk;
}

// "" for a root whose drive is there; else "offline: <why>".
std::string OfflineNote(Context& ctx, const catalog::Root& root) {
  const scan::RootCheck check = scan::CheckRootIdentity(ctx.fs(), root);
  if (check.presence != scan::RootPresence::kOffline) return "";
  return "offline: " + check.reason;
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
    const std::string offline = OfflineNote(ctx, rs.root);
    std::printf("%-4lld %-20s %10s %10s  %-25s %s%s%s\n",
                static_cast<long long>(rs.root.id.value),
                util::EscapeForTerminal(rs.root.name).c_str(),
                util::GroupThousands(rs.present).c_str(),
                util::HumanBytes(rs.bytes).c_str(), scanned.c_str(),
                util::EscapeForTerminal(rs.root.path).c_str(),
                offline.empty() ? "" : "  ", offline.c_str());
  }
  return kExitOk;
}

// The root `remove` and `rebind` name (PATH|NAME, --name or --path),
// holding its scan lock; the exit status after a message otherwise.
struct LockedRoot {
  catalog::Root root;
  std::unique_ptr<os::FileLock> lock;
};
std::expected<LockedRoot, int> TargetRoot(Context& ctx, catalog::Catalog& cat,
                                          const RootArgs& a,
                                          const std::string& command) {
  auto roots = cat.ListRoots();
  if (!roots) return PrintError(roots.error().ToString()), std::unexpected(1);
  const int given =
      !a.remove_arg.empty() + !a.remove_name.empty() + !a.remove_path.empty();
  if (given != 1) {
    PrintError("root " + command +
               ": give one of PATH|NAME, --name NAME, --path PATH");
    return std::unexpected(kExitUsage);
  }
  const RootArg how = !a.remove_name.empty()   ? RootArg::kName
                      : !a.remove_path.empty() ? RootArg::kPath
                                               : RootArg::kNameOrPath;
  auto resolved = ResolveRootArg(ctx, *roots,
                                 how == RootArg::kName   ? a.remove_name
                                 : how == RootArg::kPath ? a.remove_path
                                                         : a.remove_arg,
                                 how);
  if (!resolved) {
    PrintError(resolved.error().ToString());
    return std::unexpected(
        resolved.error().code() == ErrorCode::kInvalidArgument ? kExitUsage
                                                               : kExitError);
  }
  // Never under a running scan.
  auto lock = os::FileLock::Acquire(
      RootLockPath(ctx, resolved->id),
      a.wait ? os::FileLock::Wait::kYes : os::FileLock::Wait::kNo);
  if (!lock) {
    PrintError("root '" + util::EscapeBytes(resolved->name) +
               "' is being scanned: " + lock.error().ToString());
    return std::unexpected(kExitBusy);
  }
  return LockedRoot{std::move(*resolved), std::move(*lock)};
}

int RunRemove(Context& ctx, const RootArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto locked = TargetRoot(ctx, **cat, a, "remove");
  if (!locked) return locked.error();
  const catalog::Root* target = &locked->root;
  auto st = (*cat)->RemoveRoot(target->id,
                               a.purge ? catalog::Purge::kYes
                                       : catalog::Purge::kNo,
                               os::SystemClock().NowUnixNs());
  if (!st) return PrintError(st.error().ToString()), kExitError;
  std::printf("removed root '%s' (%s)%s\n",
              util::EscapeBytes(target->name).c_str(),
              util::EscapeBytes(target->path).c_str(),
              a.purge ? " and its records"
                      : " (its records are kept, marked removed; --purge "
                        "deletes them)");
  return kExitOk;
}

// Whether any of (up to 32 of) the files the catalog holds for `root` is
// at its path, or the catalog holds none: the folder holds its library.
Result<bool> LibraryIsThere(Context& ctx, catalog::Catalog& cat,
                            const catalog::Root& root) {
  catalog::FileQuery q;
  q.root = root.id;
  q.limit = 32;
  int64_t known = 0;
  bool found = false;
  PHODEX_TRY(cat.ForEachFile(q, [&](const catalog::FileRow& r) {
    ++known;
    found =
        found || ctx.fs().Stat(os::JoinPath(root.path, r.rel), os::Follow::kNo);
  }));
  return known == 0 || found;
}

// After the library moved to a new drive, or its marker was deleted: the
// root's identity recorded anew from what is at its folder now.
int RunRebind(Context& ctx, const RootArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  auto locked = TargetRoot(ctx, **cat, a, "rebind");
  if (!locked) return locked.error();
  const catalog::Root& root = locked->root;
  const std::string name = util::EscapeBytes(root.name);
  auto there = LibraryIsThere(ctx, **cat, root);
  if (!there) return PrintError(there.error().ToString()), kExitError;
  if (!*there && !a.force) {
    PrintError("none of the files cataloged in root '" + name + "' is at " +
               util::EscapeBytes(root.path) +
               ": is its drive mounted? (--force records it anyway)");
    return kExitOffline;
  }
  auto id = scan::RecordRootIdentity(ctx.fs(), root.path,
                                     os::SystemClock().NowUnixNs());
  if (!id) return PrintError(id.error().ToString()), kExitError;
  if (auto st = (*cat)->SetRootIdentity(root.id, id->identity); !st) {
    return PrintError(st.error().ToString()), kExitError;
  }
  std::printf("root '%s' (%s): identity recorded%s\n", name.c_str(),
              util::EscapeBytes(root.path).c_str(),
              id->marker_error.empty()
                  ? " (marker file .phodex-root written)"
                  : (" (no marker file: " + id->marker_error +
                     "; its file system identifies it)")
                        .c_str());
  return kExitOk;
}

// How `remove` and `rebind` name their root (TargetRoot).
void AddTargetOptions(CLI::App& cmd, RootArgs& args) {
  cmd.add_option("root", args.remove_arg,
                 "The root's folder, or its name (a path that is a root's "
                 "folder wins; ambiguity is refused)");
  cmd.add_option("--name", args.remove_name, "The root's name");
  cmd.add_option("--path", args.remove_path, "The root's folder");
  cmd.add_flag("--wait", args.wait, "Wait for a running scan to end");
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
  AddTargetOptions(*remove, *args);
  remove->add_flag("--purge", args->purge,
                   "Also delete the root's file records and history");
  CLI::App* rebind = sub.add_subcommand(
      "rebind",
      "Record a root's identity anew (its library moved to another drive, "
      "or its marker file was deleted)");
  AddTargetOptions(*rebind, *args);
  rebind->add_flag("--force", args->force,
                   "Even when none of its cataloged files is there");
  return [=](Context& ctx) {
    if (add->parsed()) return RunAdd(ctx, *args);
    if (list->parsed()) return RunList(ctx);
    if (remove->parsed()) return RunRemove(ctx, *args);
    if (rebind->parsed()) return RunRebind(ctx, *args);
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace phodex::app
