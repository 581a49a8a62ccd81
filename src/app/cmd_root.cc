// phodex root add|list|remove|rebind

#include <cstdio>
#include <expected>

#include "app/commands.h"
#include "library/roots.h"
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

// The library a root command works on; prints why not (a damaged
// catalog gets main's status 6).
library::Library* Open(Context& ctx, CatalogUse use, int& rc) {
  auto lib = ctx.OpenLibrary(use);
  if (!lib) {
    PrintError(lib.error().ToString());
    rc = kExitError;
    return nullptr;
  }
  return *lib;
}

int RunAdd(Context& ctx, const RootArgs& a) {
  int rc = kExitOk;
  library::Library* lib = Open(ctx, CatalogUse::kCreate, rc);
  if (!lib) return rc;
  if (!a.name.empty()) {
    if (Status st = library::ValidateRootName(a.name); !st) {
      return PrintError(st.error().ToString()), kExitUsage;
    }
  }
  auto added = library::AddRoot(*lib, {a.path, a.name});
  if (!added) return PrintError(added.error().ToString()), ExitStatusFor(added.error());
  std::printf("added root '%s' (%s)\n", util::EscapeForTerminal(added->root.name).c_str(),
              util::EscapeForTerminal(added->root.path).c_str());
  if (!added->identity_note.empty()) {
    std::printf("  note: %s\n", util::EscapeControls(added->identity_note).c_str());
  }
  return kExitOk;
}

int RunList(Context& ctx) {
  int rc = kExitOk;
  library::Library* lib = Open(ctx, CatalogUse::kRead, rc);
  if (!lib) return rc;
  auto roots = library::ListRoots(*lib);
  if (!roots) return PrintError(roots.error().ToString()), ExitStatusFor(roots.error());
  if (roots->empty()) {
    std::printf("no roots yet: phodex root add PATH\n");
    return kExitOk;
  }
  std::printf("%-4s %-20s %10s %10s  %-25s %s\n", "id", "name", "files",
              "size", "last scanned", "path");
  for (const library::RootListing& l : *roots) {
    const catalog::RootStats& rs = l.stats;
    const std::string scanned =
        rs.root.last_scanned_ns ? util::Rfc3339Local(*rs.root.last_scanned_ns)
                                : "never";
    const std::string offline =
        l.offline_reason.empty() ? "" : "offline: " + l.offline_reason;
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

// The root `remove` and `rebind` name (PATH|NAME, --name or --path); the
// exit status after a message when the arguments do not name one.
std::expected<library::RootTarget, int> Target(const RootArgs& a,
                                               const std::string& command) {
  const int given =
      !a.remove_arg.empty() + !a.remove_name.empty() + !a.remove_path.empty();
  if (given != 1) {
    PrintError("root " + command +
               ": give one of PATH|NAME, --name NAME, --path PATH");
    return std::unexpected(kExitUsage);
  }
  library::RootTarget t;
  t.how = !a.remove_name.empty()   ? library::RootArg::kName
          : !a.remove_path.empty() ? library::RootArg::kPath
                                   : library::RootArg::kNameOrPath;
  t.arg = t.how == library::RootArg::kName   ? a.remove_name
          : t.how == library::RootArg::kPath ? a.remove_path
                                             : a.remove_arg;
  t.wait = a.wait ? catalog::Locks::Wait::kYes : catalog::Locks::Wait::kNo;
  return t;
}

// A refused argument (ambiguous) is a usage error (docs/cli.md).
int TargetFailed(const Error& e) {
  PrintError(e.ToString());
  return e.code() == ErrorCode::kInvalidArgument ? kExitUsage
                                                 : ExitStatusFor(e);
}

int RunRemove(Context& ctx, const RootArgs& a) {
  int rc = kExitOk;
  library::Library* lib = Open(ctx, CatalogUse::kWrite, rc);
  if (!lib) return rc;
  auto target = Target(a, "remove");
  if (!target) return target.error();
  auto removed = library::RemoveRoot(
      *lib, {*target, a.purge ? catalog::Purge::kYes : catalog::Purge::kNo});
  if (!removed) return TargetFailed(removed.error());
  std::printf("removed root '%s' (%s)%s\n",
              util::EscapeBytes(removed->name).c_str(),
              util::EscapeBytes(removed->path).c_str(),
              a.purge ? " and its records"
                      : " (its records are kept, marked removed; --purge "
                        "deletes them)");
  return kExitOk;
}

// After the library moved to a new drive, or its marker was deleted: the
// root's identity recorded anew from what is at its folder now.
int RunRebind(Context& ctx, const RootArgs& a) {
  int rc = kExitOk;
  library::Library* lib = Open(ctx, CatalogUse::kWrite, rc);
  if (!lib) return rc;
  auto target = Target(a, "rebind");
  if (!target) return target.error();
  auto done = library::RebindRoot(*lib, {*target, a.force});
  if (!done) return TargetFailed(done.error());
  const std::string name = util::EscapeBytes(done->root.name);
  if (done->library_missing) {
    PrintError("none of the files cataloged in root '" + name + "' is at " +
               util::EscapeBytes(done->root.path) +
               ": is its drive mounted? (--force records it anyway)");
    return kExitOffline;
  }
  std::printf("root '%s' (%s): identity recorded%s\n", name.c_str(),
              util::EscapeBytes(done->root.path).c_str(),
              done->marker_error.empty()
                  ? " (marker file .phodex-root written)"
                  : (" (no marker file: " + done->marker_error +
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
