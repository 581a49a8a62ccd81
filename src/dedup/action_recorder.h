#pragma once
// Tells the catalog what `phodex dupes --apply` did, through its own
// write set (catalog::DedupWrite, catalog/dedup_writes.h), one transaction
// per action: a deleted or moved
// victim is marked removed (never deleted; a move-to folder is never inside
// a root, see CheckMoveToFolder in action_plan.h); a victim replaced by
// a hard link gets its new inode and stat, keeping its hashes (the bytes
// are the same, checked just before). Each write also carries the
// operation's running counts and any skip reason (file_errors), so
// `phodex ops` shows the run. The operation is a jobs::OperationScope:
// a recorder dropped without Finish() ends it "failed".
//
// Recording is idempotent (a row already removed, or already on the new
// inode, is left alone), so journal recovery may replay it.
//
// Single-threaded.

#include <memory>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "dedup/action_journal.h"
#include "jobs/operation_scope.h"
#include "os/clock.h"
#include "os/file_system.h"

namespace phodex::dedup {

class ActionRecorder {
 public:
  // Begins a "dupes" operation (`scope`: what the run covers, shown by
  // `phodex ops`) and records into it.
  static Result<std::unique_ptr<ActionRecorder>> Begin(
      catalog::Catalog& catalog, os::FileSystem& fs, os::Clock& clock,
      const std::string& scope);
  // `op`: the operation the counts and problems are written to (0: none;
  // then only the files are recorded).
  ActionRecorder(catalog::Catalog& catalog, os::FileSystem& fs,
                 os::Clock& clock, OperationId op)
      : catalog_(catalog), fs_(fs), clock_(clock), op_(op) {}

  // Ends the operation with the counts so far (once; nothing to end when
  // there is no operation).
  Status Finish(catalog::OperationStatus status, const std::string& error);
  OperationId op() const { return op_; }

  // Records a finished action (`intent` of a kDone outcome).
  Status RecordDone(const JournalRecord& intent);
  // Records why the action on `path` (in `root`) was not done.
  Status RecordProblem(RootId root, const std::string& path, ActionKind kind,
                       const std::string& reason);

  // Running totals, written with every action: scanned = actions tried,
  // removed = deleted, moved = moved, updated = linked, errors = skipped
  // or failed. The caller updates them before recording.
  catalog::OperationCounts& counts() { return counts_; }

 private:
  catalog::DedupWrite NewWrite(RootId root);
  Status RecordLinked(const JournalRecord& intent, const catalog::FileRow& row);

  catalog::Catalog& catalog_;
  os::FileSystem& fs_;
  os::Clock& clock_;
  OperationId op_;
  catalog::OperationCounts counts_;
  std::optional<jobs::OperationScope> scope_;  // the operation Begin began
};

}  // namespace phodex::dedup
