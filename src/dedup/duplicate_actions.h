#pragma once
// Carrying out a duplicate plan (dedup/action_plan.h): `phodex dupes
// --action hardlink|move-to|delete --apply`, and settling what a crash left
// half done. The front header of the duplicate actions; docs/cli.md
// describes the behaviour, docs/architecture.md the guarantees.
//
// For each planned action, in order:
//   1. check (dedup/file_compare.h): keeper and victim have the size, mtime
//      and inode the catalog holds, are two distinct files (not the same
//      inode number and mtime on two devices either) and hold the same
//      bytes (read in full, now). Anything else: skipped, untouched.
//      move-to: the target's folder is created (failing: failed) and the
//      target must be free (else skipped).
//   2. journal the intent (dedup/action_journal.h), on disk before step 3.
//   3. prove a second copy exists: rename the victim to its aside name
//      (".NAME.phodex-aside-<tag>-<seq>" beside it, never replacing), then
//      ProveSecondCopy: the keeper must still be listed in its folder, be
//      the file compared, and open by its path with the expected bytes. A
//      path double (the victim seen through a bind mount, an overlay, a
//      network or FUSE mount: byte-identical to itself) vanishes or
//      changes with the victim's name. Any doubt: the victim is renamed
//      back and skipped. This step cannot be skipped.
//   4. act on the aside name, with steps that never lose the content:
//      delete    remove the aside name
//      hardlink  link the keeper at the victim's (free) name, then remove
//                the aside name
//      move-to   link the aside name at the target (never replaces), fsync
//                the target's folder, then remove the aside name; where the
//                file system has no hard links, rename it there without
//                replacing. A target on another file system (link and
//                rename say kUnsupported): journal "copying", copy durably
//                (os::FileSystem::CopyFileDurable: temp named in the
//                intent, fsync, placed without replacing), compare the
//                copy's bytes with the original's, journal "copied", then
//                remove the aside name.
//      Each step ends with an fsync of the folder it changed; a step that
//      fails renames the victim back (a failure to do so names the aside).
//   5. journal the outcome, then record it in the catalog
//      (dedup/action_recorder.h).
// The keeper is never acted on, so the last copy always stays.
//
// Single-threaded. The caller holds the locks that keep other phodex
// processes away (the journal's, and the scan locks of the roots).

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "dedup/action_journal.h"
#include "dedup/action_plan.h"
#include "dedup/action_recorder.h"
#include "dedup/file_ops.h"
#include "os/file_system.h"

namespace phodex::dedup {

// What the actions work with. Not owned.
struct ActionEnv {
  os::FileSystem& fs;  // stat and read
  FileOps& ops;        // link, rename, remove
  ActionJournal& journal;
  ActionRecorder& recorder;  // the catalog
  // Names temporary links (".NAME.phodex-link-<tag>-<seq>"), e.g. the
  // operation id, so they never meet a stale one.
  int64_t tag = 0;
  // Checked between actions; when set, the run stops there.
  const std::atomic<bool>* cancel = nullptr;
};

enum class Outcome { kDone, kSkipped, kFailed };
const char* OutcomeName(Outcome outcome);  // "done", "skipped", "failed"

struct ActionResult {
  PlannedAction action;
  Outcome outcome = Outcome::kSkipped;
  std::string reason;  // why skipped or failed
};

struct ApplyReport {
  std::vector<ActionResult> results;  // in plan order
  int64_t deleted = 0;
  int64_t linked = 0;
  int64_t moved = 0;
  int64_t skipped = 0;
  // Skipped actions by reason: the words before any ':' or '(' ("changed
  // since the scan", "content differs from the copy kept").
  std::map<std::string, int64_t> skip_reasons;
  int64_t failed = 0;
  // Deleted or linked victims whose every path was acted on.
  int64_t bytes_freed = 0;
  int64_t bytes_moved = 0;   // size of each file moved
  bool interrupted = false;  // `cancel` stopped the run
};

// Carries out `plan`. Per-file problems are results (skipped, failed); an
// error is returned only when the journal or the catalog cannot be written,
// and the run stops there (the journal then tells the next run what to
// settle).
// REQUIRES: env.journal is empty (RecoverJournal ran).
Result<ApplyReport> ApplyPlan(const ActionPlan& plan, ActionEnv& env);

// What happens (or happened) to one path of a plan, for display: every
// path of every group, kept copies first, in plan order.
struct PathStatus {
  size_t group = 0;                       // index into plan.groups
  const DuplicateFile* file = nullptr;    // into the plan
  const PlannedAction* action = nullptr;  // null: a kept copy
  // "kept", "planned", "skipped", "done", "failed" or "interrupted" (the
  // run stopped before it).
  std::string status;
  std::string reason;
};
// `applied`: the report of ApplyPlan on `plan`, or null for a dry run.
// The result points into `plan` and `applied`.
std::vector<PathStatus> DescribePaths(const ActionPlan& plan,
                                      const ApplyReport* applied);

// An action found in the journal and how it was settled.
struct RecoveredAction {
  JournalRecord intent;
  JournalState state = JournalState::kRolledBack;  // not kIntent
  std::string detail;
};

// Settles every action of the journal: one with a recorded outcome is
// (again) recorded in the catalog; one without is finished or rolled back
// from what the file system shows, and its outcome journaled. The
// "original" is the victim's inode at its aside name or at its own name.
// An aside name is never left: it is renamed back (rolled back) or the
// action finished.
//   delete    original at the aside name: renamed back; victim's name
//             still there: left in place; neither: done
//   hardlink  victim's name on the keeper's inode: done (a leftover aside
//             name, which was proven to be a second copy before the link
//             was made, is removed); original at the aside name: renamed
//             back; otherwise left in place. A leftover temporary link of
//             an older phodex is removed (a second name of the keeper)
//   move-to   target and original one inode: the original's name is
//             removed, done; target only: done; original only: renamed
//             back or left in place
//   move-to across file systems (a "copying" or "copied" progress record):
//             the leftover temp named in the intent is removed; a target
//             that is a complete copy (size and bytes equal to the
//             original, or to the keeper once the original is gone)
//             finishes the move (the original, if still there, is
//             removed); any other target is left alone and the original
//             renamed back or left in place
// Where the victim's name was taken by another file meanwhile, an original
// at the aside name cannot be renamed back: failed, the detail names it.
// Then empties the journal.
Result<std::vector<RecoveredAction>> RecoverJournal(ActionEnv& env);

}  // namespace phodex::dedup
