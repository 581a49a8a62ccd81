#include "dedup/action_recorder.h"

#include <optional>
#include <utility>

namespace phodex::dedup {
namespace {

// The victim's row, present or not: the row at its path, if it is still
// the victim's (a move may have put another file there).
Result<std::optional<catalog::FileRow>> FindRow(catalog::Catalog& catalog,
                                                const JournalRecord& intent) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          catalog.FindFile(intent.root, intent.rel));
  if (row && row->id != intent.file_id) row.reset();
  return row;
}

}  // namespace

Result<std::unique_ptr<ActionRecorder>> ActionRecorder::Begin(
    catalog::Catalog& catalog, os::FileSystem& fs, os::Clock& clock,
    const std::string& scope) {
  catalog::Operation op;
  op.type = "dupes";
  op.scope = scope;
  PHODEX_ASSIGN_OR_RETURN(jobs::OperationScope operation,
                          jobs::OperationScope::Begin(catalog, clock, op));
  auto recorder =
      std::make_unique<ActionRecorder>(catalog, fs, clock, operation.id());
  recorder->scope_.emplace(std::move(operation));
  return recorder;
}

Status ActionRecorder::Finish(catalog::OperationStatus status,
                              const std::string& error) {
  if (scope_) return scope_->Finish(status, counts_, error);
  return catalog_.FinishOperation(op_, status, counts_, error,
                                  clock_.NowUnixNs());
}

catalog::DedupWrite ActionRecorder::NewWrite(RootId root) {
  catalog::DedupWrite w;
  w.root = root;
  w.op = op_;
  w.now_ns = clock_.NowUnixNs();
  w.counts = counts_;
  return w;
}

Status ActionRecorder::RecordDone(const JournalRecord& intent) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          FindRow(catalog_, intent));
  if (row && intent.action == ActionKind::kHardLink) {
    return RecordLinked(intent, *row);
  }
  catalog::DedupWrite w = NewWrite(intent.root);
  if (row && row->present) w.removed = row->id;
  return catalog_.ApplyDedupWrite(w);
}

Status ActionRecorder::RecordLinked(const JournalRecord& intent,
                                    const catalog::FileRow& row) {
  catalog::DedupWrite w = NewWrite(intent.root);
  auto st = fs_.Stat(intent.victim, os::Follow::kNo);
  const bool recorded = st && row.present && st->dev == row.dev &&
                        st->ino == row.ino && st->mtime == row.mtime;
  // The same bytes as before (compared just before linking): the write
  // keeps the hashes.
  if (st && !recorded) w.relinked = catalog::DedupWrite::Relinked{row.id, *st};
  return catalog_.ApplyDedupWrite(w);
}

Status ActionRecorder::RecordProblem(RootId root, const std::string& path,
                                     ActionKind kind,
                                     const std::string& reason) {
  catalog::DedupWrite w = NewWrite(root);
  // file_errors rows belong to an operation.
  if (op_.value != 0) {
    w.problem = catalog::FileErrorEntry{
        path, std::string("dupes ") + ActionKindName(kind), reason};
  }
  return catalog_.ApplyDedupWrite(w);
}

}  // namespace phodex::dedup
