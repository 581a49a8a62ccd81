#include "dedup/action_plan.h"

#include <map>
#include <set>

#include "os/file_system.h"

namespace phodex::dedup {
namespace {

using Inode = std::pair<uint64_t, uint64_t>;  // (dev, ino)

Inode InodeOf(const DuplicateFile& f) { return {f.dev, f.ino}; }

// The kept copy a victim is checked against: the primary, except that a
// hard link needs one on the victim's file system. nullptr: none.
const DuplicateFile* KeeperFor(const std::vector<DuplicateFile>& kept,
                               const DuplicateFile& victim, ActionKind kind) {
  if (kind != ActionKind::kHardLink) return &kept.front();
  for (const DuplicateFile& k : kept) {
    if (k.dev == victim.dev) return &k;
  }
  return nullptr;
}

// Gives each victim inode's bytes to its last path, when none of its paths
// is skipped.
void AssignFrees(PlannedGroup& g) {
  std::map<Inode, PlannedAction*> last;
  std::set<Inode> blocked;
  for (PlannedAction& a : g.actions) {
    last[InodeOf(a.victim)] = &a;
    if (!a.skip.empty()) blocked.insert(InodeOf(a.victim));
  }
  for (auto& [inode, a] : last) {
    if (!blocked.count(inode)) a->frees = g.size;
  }
}

PlannedGroup PlanGroup(const DuplicateGroup& group,
                       const std::map<std::string, const catalog::Root*>& roots,
                       const ActionOptions& options) {
  PlannedGroup g;
  g.size = group.size;
  g.hash = group.hash;
  KeptCopies choice =
      ChooseKept(group, options.keep, [&](const std::string& root_path) {
        auto it = roots.find(root_path);
        return it == roots.end() ? std::string() : it->second->name;
      });
  if (choice.kept.empty()) {
    g.skip = choice.why_none;
    g.kept = group.files;  // nothing is touched
    return g;
  }
  std::set<Inode> kept_inodes;
  for (size_t i : choice.kept) {
    g.kept.push_back(group.files[i]);
    kept_inodes.insert(InodeOf(group.files[i]));
  }
  std::set<std::string> kept_paths;
  for (const DuplicateFile& k : g.kept) kept_paths.insert(k.path);
  for (const DuplicateFile& f : group.files) {
    if (kept_inodes.count(InodeOf(f))) {
      // A hard link of a kept copy: kept with it.
      if (!kept_paths.count(f.path)) g.kept.push_back(f);
      continue;
    }
    PlannedAction a;
    a.kind = options.kind;
    a.victim = f;
    auto root = roots.find(f.root_path);
    if (root != roots.end()) {
      a.victim_root = root->second->id;
      a.victim_root_name = root->second->name;
    }
    a.size = group.size;
    a.hash = group.hash;
    if (const DuplicateFile* k = KeeperFor(g.kept, f, options.kind)) {
      a.keeper = *k;
    } else {
      a.keeper = g.kept.front();
      a.skip = "on another file system than every copy kept";
    }
    if (root == roots.end()) a.skip = "its root is not in the catalog";
    if (options.kind == ActionKind::kMoveTo) {
      a.target = os::JoinPath(os::JoinPath(options.move_to, a.victim_root_name),
                              f.rel);
    }
    g.actions.push_back(std::move(a));
  }
  AssignFrees(g);
  return g;
}

}  // namespace

const char* ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kReport:
      return "report";
    case ActionKind::kHardLink:
      return "hardlink";
    case ActionKind::kMoveTo:
      return "move-to";
    case ActionKind::kDelete:
      return "delete";
  }
  return "report";
}

Result<ActionKind> ParseActionKind(std::string_view text) {
  for (ActionKind k : {ActionKind::kReport, ActionKind::kHardLink,
                       ActionKind::kMoveTo, ActionKind::kDelete}) {
    if (text == ActionKindName(k)) return k;
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "expected report, hardlink, move-to DIR or delete, got '" +
                       std::string(text) + "'",
                   "--action");
}

Status CheckMoveToFolder(os::FileSystem& fs, const std::string& dir,
                         const std::vector<catalog::Root>& roots) {
  auto at_or_below = [](const std::string& path, const std::string& folder) {
    return path == folder || folder == "/" || path.starts_with(folder + "/");
  };
  auto refuse = [&](const catalog::Root& r, const char* how,
                    const char* note = "") {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(how) + " root '" + r.name + "' (" + r.path +
                         ")" + note +
                         "; choose a folder outside every root: the next "
                         "scan would catalog the moved copies again",
                     "--action move-to", dir);
  };
  std::map<Inode, const catalog::Root*> by_inode;
  for (const catalog::Root& r : roots) {
    if (at_or_below(dir, r.path)) return refuse(r, "is inside");
    if (at_or_below(r.path, dir)) return refuse(r, "holds");
    // An offline root cannot be reached through another path either.
    if (auto st = fs.Stat(r.path, os::Follow::kYes)) {
      by_inode[{st->dev, st->ino}] = &r;
    }
  }
  for (std::string p = dir;; p = os::DirName(p)) {
    if (auto st = fs.Stat(p, os::Follow::kYes)) {
      auto it = by_inode.find({st->dev, st->ino});
      if (it != by_inode.end()) {
        return refuse(*it->second, "is inside",
                      ", reached through another path (a bind mount?)");
      }
    }
    if (p == "/" || p == ".") break;
  }
  return {};
}

ActionPlan PlanActions(const DuplicateReport& report,
                       const std::vector<catalog::Root>& roots,
                       const ActionOptions& options) {
  PHODEX_CHECK(options.kind != ActionKind::kReport);
  PHODEX_CHECK(options.kind != ActionKind::kMoveTo || !options.move_to.empty());
  std::map<std::string, const catalog::Root*> by_path;
  for (const catalog::Root& r : roots) by_path[r.path] = &r;
  ActionPlan plan;
  for (const DuplicateGroup& group : report.groups) {
    PlannedGroup g = PlanGroup(group, by_path, options);
    if (!g.skip.empty()) ++plan.groups_left_alone;
    for (const PlannedAction& a : g.actions) {
      ++(a.skip.empty() ? plan.actions : plan.skipped);
      if (a.skip.empty()) plan.bytes_freed += a.frees;
    }
    plan.groups.push_back(std::move(g));
  }
  return plan;
}

}  // namespace phodex::dedup
