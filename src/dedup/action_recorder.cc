#include "dedup/action_recorder.h"

#include <optional>

#include "os/process.h"

namespace phodex::dedup {
namespace {

// The victim's row, present or not.
Result<std::optional<catalog::FileRow>> FindRow(catalog::Catalog& catalog,
                                                const JournalRecord& intent) {
  catalog::FileQuery q;
  q.root = intent.root;
  q.rel_prefix = intent.rel;
  q.presence = catalog::FileQuery::Presence::kAll;
  std::optional<catalog::FileRow> out;
  PHODEX_TRY(catalog.ForEachFile(q, [&](const catalog::FileRow& r) {
    if (r.id == intent.file_id) out = r;
  }));
  return out;
}

Result<int> ContentVersion(catalog::Catalog& catalog,
                           const JournalRecord& intent) {
  int version = 0;
  auto take = [&](catalog::KnownFile&& k) {
    if (k.id == intent.file_id) version = k.content_version;
  };
  PHODEX_TRY(catalog.ForEachKnownFile(intent.root, intent.rel, take));
  return version;
}

}  // namespace

Result<std::unique_ptr<ActionRecorder>> ActionRecorder::Begin(
    catalog::Catalog& catalog, os::FileSystem& fs, os::Clock& clock,
    const std::string& scope) {
  catalog::Operation op;
  op.type = "dupes";
  op.scope = scope;
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  PHODEX_ASSIGN_OR_RETURN(OperationId id, catalog.BeginOperation(op));
  return std::make_unique<ActionRecorder>(catalog, fs, clock, id);
}

Status ActionRecorder::Finish(catalog::OperationStatus status,
                              const std::string& error) {
  return catalog_.FinishOperation(op_, status, counts_, error,
                                  clock_.NowUnixNs());
}

catalog::ScanBatch ActionRecorder::NewBatch(RootId root) {
  catalog::ScanBatch b;
  b.root = root;
  b.op = op_;
  b.now_ns = clock_.NowUnixNs();
  // The victim was there until now.
  b.removals_last_seen_ns = b.now_ns;
  b.counts = counts_;
  // Rows written carry the root's current generation, as if its last scan
  // had written them: the next scan treats them like any other.
  if (auto roots = catalog_.ListRoots()) {
    for (const catalog::Root& r : *roots) {
      if (r.id == root) b.scan_gen = r.scan_gen;
    }
  }
  return b;
}

Status ActionRecorder::RecordDone(const JournalRecord& intent) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          FindRow(catalog_, intent));
  if (row && intent.action == ActionKind::kHardLink) {
    return RecordLinked(intent, *row);
  }
  catalog::ScanBatch b = NewBatch(intent.root);
  if (row && row->present) b.removals.push_back(row->id);
  return catalog_.ApplyBatch(b);
}

Status ActionRecorder::RecordLinked(const JournalRecord& intent,
                                    const catalog::FileRow& row) {
  catalog::ScanBatch b = NewBatch(intent.root);
  auto st = fs_.Stat(intent.victim, os::Follow::kNo);
  const bool recorded = st && row.present && st->dev == row.dev &&
                        st->ino == row.ino && st->mtime == row.mtime;
  if (st && !recorded) {
    PHODEX_ASSIGN_OR_RETURN(int version, ContentVersion(catalog_, intent));
    catalog::FileUpsert u;
    u.rel = row.rel;
    u.stat = *st;
    u.kind = row.kind;
    if (!row.last_error.empty()) u.error = row.last_error;
    u.content_version = version;
    // The same bytes as before (compared just before linking).
    u.quick_hash = row.quick_hash;
    u.hash = row.hash;
    u.sha256 = row.sha256;
    b.upserts.push_back(std::move(u));
  }
  return catalog_.ApplyBatch(b);
}

Status ActionRecorder::RecordProblem(RootId root, const std::string& path,
                                     ActionKind kind,
                                     const std::string& reason) {
  catalog::ScanBatch b = NewBatch(root);
  // file_errors rows belong to an operation.
  if (op_.value != 0) {
    b.errors.push_back(
        {path, std::string("dupes ") + ActionKindName(kind), reason});
  }
  return catalog_.ApplyBatch(b);
}

}  // namespace phodex::dedup
