#pragma once
// The plan of `phodex dupes --action`: for each duplicate group, which
// copies stay (the --keep rule, dedup/keep_rule.h) and what happens to each
// other path. Planning reads nothing and changes nothing; a dry run prints
// the plan, `--apply` hands it to ApplyPlan (dedup/duplicate_actions.h),
// which checks every file again right before acting on it.
//
// Paths that are hard links of a kept copy are kept with it: removing them
// frees nothing. A victim with several paths (hard links of each other)
// frees its bytes only when every one of its paths is acted on.
//
// Pure functions and value types; thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/content_hash.h"
#include "core/error.h"
#include "dedup/exact_duplicates.h"
#include "dedup/keep_rule.h"
#include "os/file_system.h"

namespace phodex::dedup {

enum class ActionKind { kReport, kHardLink, kMoveTo, kDelete };

// "report", "hardlink", "move-to", "delete": the --action values, also used
// in the journal and JSON output (docs/cli.md).
const char* ActionKindName(ActionKind kind);
Result<ActionKind> ParseActionKind(std::string_view text);

struct ActionOptions {
  ActionKind kind = ActionKind::kReport;
  KeepRule keep;
  // kMoveTo: the absolute, canonical folder duplicates go to; each lands at
  // <move_to>/<root name>/<rel>, so copies from different roots or folders
  // never collide.
  std::string move_to;
};

// What happens to one path.
struct PlannedAction {
  ActionKind kind = ActionKind::kReport;
  DuplicateFile victim;
  RootId victim_root;
  std::string victim_root_name;
  // The copy the victim is checked against (and, for kHardLink, linked
  // to): a kept copy, on the victim's file system for kHardLink.
  DuplicateFile keeper;
  std::string target;  // kMoveTo: where the victim goes
  int64_t size = 0;
  ContentHash hash;
  // Bytes freed once this action and the others on the same inode are
  // done: the size on the last path of each victim inode, else 0.
  int64_t frees = 0;
  // Set when the plan already knows the action cannot be done (e.g. no
  // kept copy on the victim's file system to link to).
  std::string skip;
};

struct PlannedGroup {
  int64_t size = 0;
  ContentHash hash;
  std::vector<DuplicateFile> kept;  // primary keeper first, then its links
  std::vector<PlannedAction> actions;
  std::string skip;  // why the whole group is left alone ("": it is not)
};

struct ActionPlan {
  std::vector<PlannedGroup> groups;  // in the report's order
  int64_t actions = 0;               // planned actions not skipped
  int64_t skipped = 0;  // actions the plan already knows cannot be done
  int64_t groups_left_alone = 0;  // groups whose rule kept no copy
  // If every planned action succeeds (for kMoveTo: the bytes moved).
  int64_t bytes_freed = 0;
};

// Why `dir` (absolute; canonical as far as it exists) may not take the
// copies `move-to` moves: it is a root or inside one (the next scan would
// catalog the moved copies as part of the library, and the next run would
// move them again, one folder deeper each time), or it holds a root.
// Compares the paths, then the device and inode of `dir` and of each
// folder above it that exists with each root's, so that a root reached
// through another path (a bind mount) is found too. kInvalidArgument
// naming the root; ok otherwise. The one function here that reads the
// file system (stat only).
Status CheckMoveToFolder(os::FileSystem& fs, const std::string& dir,
                         const std::vector<catalog::Root>& roots);

// Plans `options.kind` (not kReport) for every group of `report`. `roots`
// are the catalog's roots (for root names and ids).
// REQUIRES: options.kind != kReport; for kMoveTo, options.move_to is set.
ActionPlan PlanActions(const DuplicateReport& report,
                       const std::vector<catalog::Root>& roots,
                       const ActionOptions& options);

}  // namespace phodex::dedup
