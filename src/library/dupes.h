#pragma once
// The use cases of `phodex dupes` (and later the API's duplicate groups
// and actions): find exact duplicates, plan what a --keep rule does with
// them, and carry the plan out. The rules live here and nowhere else:
//  - an interrupted run left in the dupes journal is settled before
//    anything else looks at the files (docs/cli.md, "dupes"), and
//  - settling or acting holds every root's lock and the dupes lock
//    (catalog::Locks), so no scan and no other dupes run touches the
//    catalog's files meanwhile.
// The JSON of groups and paths is library/group_output.h's.
//
// Thread-compatible: one thread calls, with one Library.

#include <memory>
#include <string>
#include <vector>

#include "catalog/locks.h"
#include "core/error.h"
#include "dedup/action_journal.h"
#include "dedup/duplicate_actions.h"
#include "dedup/exact_duplicates.h"
#include "dedup/file_ops.h"
#include "jobs/cancel_token.h"
#include "library/library.h"

namespace phodex::library {

struct DupesRequest {
  // Only files at or below these paths (as typed; each must be in a
  // root); empty: every root.
  std::vector<std::string> paths;
  // The action (kReport: the groups only), the keep rule, and for kMoveTo
  // the absolute folder (AbsoluteFolder). A kMoveTo folder that is or
  // holds a root, or a keep rule root:NAME that names no root, is refused
  // with kInvalidArgument before anything is read.
  dedup::ActionOptions action;
  // kYes: the plan is to be carried out (DupesApply): the locks are taken
  // and held from DupesPlan on.
  enum class Apply { kNo, kYes } apply = Apply::kNo;
};

// Told what happens while DupesPlan runs, in order. Called on the calling
// thread.
class DupesSink {
 public:
  virtual ~DupesSink() = default;
  // An action of an interrupted run found in the journal, and how it was
  // settled.
  virtual void JournalSettled(const dedup::RecoveredAction& action) = 0;
  // A file that could not be read while hashing candidates (the report
  // goes on without it).
  virtual void Unreadable(const std::string& error) = 0;
};

// The groups and, for an action, the plan. For Apply::kYes it also holds
// the locks, the journal and the file operations DupesApply needs: keep it
// until DupesApply returns (destroying it releases the locks).
struct DupesPlanResult {
  dedup::DuplicateReport report;
  dedup::ActionPlan plan;  // empty for kReport
  dedup::ActionOptions action;
  std::string scope;  // the first path: what the operation covers

  std::vector<std::unique_ptr<catalog::Lock>> locks;
  std::unique_ptr<dedup::ActionJournal> journal;
  std::unique_ptr<dedup::FileOps> ops;
};

// Finds the duplicate groups of `request.paths` and plans the action.
// Settles the journal first when it holds an interrupted run (or when
// this run is to act), under the locks. Errors: kInvalidArgument for a
// request that cannot be carried out (see DupesRequest), kBusy when a
// root or another dupes run holds a lock ("root 'NAME' is busy: ...",
// "another dupes run is at work: ..."), kNotFound for a path in no root,
// else the journal's, the file system's or the catalog's.
Result<DupesPlanResult> DupesPlan(Library& lib, const DupesRequest& request,
                                  DupesSink& sink,
                                  const jobs::CancelToken& cancel);

// Carries out `planned.plan` (REQUIRES: planned by a request with
// Apply::kYes and an action other than kReport), recorded as a "dupes"
// operation: each file is checked again right before it is acted on,
// each step journaled. A kMoveTo folder is created first (failing that
// fails the run). Stops between two files once `cancel` is set
// (ApplyReport::interrupted). Per-file failures are counted in the
// report; an error means the run could not go on.
Result<dedup::ApplyReport> DupesApply(Library& lib, DupesPlanResult& planned,
                                      const jobs::CancelToken& cancel);

// What DupesApplyPlan did: ApplyPlan's report and the "dupes" operation
// that recorded it.
struct DupesApplied {
  dedup::ApplyReport report;
  OperationId operation;
};

// Carries out `plan`, made earlier (the HTTP API's stored plans,
// library/duplicate_groups.h), with every safety of `dupes --apply`: the
// locks are taken (kBusy as DupesPlan says), the journal settled first,
// and then DupesApply's run: each file checked again against the disk
// right before it is acted on (a file changed since the plan is skipped,
// never touched), the kept copy proven a second copy, each step journaled,
// one "dupes" operation. `action` is the plan's (REQUIRES: not kReport;
// for kMoveTo the folder is checked again against the roots). Errors: as
// DupesPlan's and DupesApply's.
Result<DupesApplied> DupesApplyPlan(Library& lib, dedup::ActionPlan plan,
                                    const dedup::ActionOptions& action,
                                    DupesSink& sink,
                                    const jobs::CancelToken& cancel);

// The absolute form of folder `dir` (a move-to target), which need not
// exist yet: the part that exists canonical (symlinks resolved), the rest
// with "." and ".." taken away, so that it can be compared with the roots.
// A relative `dir` is taken from the working directory.
Result<std::string> AbsoluteFolder(os::FileSystem& fs, const std::string& dir);

}  // namespace phodex::library
