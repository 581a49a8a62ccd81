#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {
namespace {

OperationStatus ParseStatus(std::string_view s) {
  if (s == "completed") return OperationStatus::kCompleted;
  if (s == "failed") return OperationStatus::kFailed;
  if (s == "interrupted") return OperationStatus::kInterrupted;
  return OperationStatus::kRunning;
}

// Ends a running operation whose process is gone (?2: now); the caller
// adds the WHERE clause.
constexpr char kInterruptOperation[] =
    "UPDATE operations SET status='interrupted', ended_at=?2, "
    "duration_ms=(?2 - started_at) / 1000000, "
    "error='the process stopped before the operation ended' ";

}  // namespace

Result<OperationId> SqliteCatalog::BeginOperation(const Operation& op) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("INSERT INTO operations(type, root_id, scope, "
                      "started_at, status, pid, host) "
                      "VALUES(?1, ?2, ?3, ?4, 'running', ?5, ?6) "
                      "RETURNING id"));
  s->BindText(1, op.type);
  if (op.root) {
    s->Bind(2, op.root->value);
  } else {
    s->BindNull(2);
  }
  s->BindBlob(3, op.scope).Bind(4, op.started_ns).Bind(5, op.pid).BindText(
      6, op.host);
  PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
  const OperationId id{row ? s->Int(0) : 0};
  s->Reset();
  return id;
}

Status SqliteCatalog::FinishOperation(OperationId id, OperationStatus status,
                       const OperationCounts& c, const std::string& error,
                       int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached("UPDATE operations SET status=?2, scanned=?3, added=?4, "
             "updated=?5, removed=?6, errors=?7, error=NULLIF(?8, ''), "
             "ended_at=?9, duration_ms=(?9 - started_at) / 1000000, "
             "moved=?10 WHERE id=?1"));
  return s->Bind(1, id.value)
      .BindText(2, OperationStatusName(status))
      .Bind(3, c.scanned)
      .Bind(4, c.added)
      .Bind(5, c.updated)
      .Bind(6, c.removed)
      .Bind(7, c.errors)
      .BindText(8, error)
      .Bind(9, now_ns)
      .Bind(10, c.moved)
      .Run();
}

Result<bool> SqliteCatalog::DropUnchangedOperation(OperationId id) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached("DELETE FROM operations WHERE id=?1 AND status='completed' "
             "AND added=0 AND updated=0 AND removed=0 AND moved=0 "
             "AND errors=0 AND NOT EXISTS "
             "(SELECT 1 FROM file_errors WHERE operation_id=?1)"));
  PHODEX_TRY(s->Bind(1, id.value).Run());
  return sqlite3_changes64(db_) > 0;
}

Result<std::vector<Operation>> SqliteCatalog::InterruptStaleOperations(
    RootId root, int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<Operation> ops,
      QueryOperations("WHERE o.root_id=?1 AND o.status='running'",
                      root.value, std::nullopt));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db_, std::string(kInterruptOperation) +
                                     "WHERE root_id=?1 AND status='running'"));
  PHODEX_TRY(s.Bind(1, root.value).Bind(2, now_ns).Run());
  PHODEX_TRY(txn.Commit());
  for (Operation& op : ops) op.status = OperationStatus::kInterrupted;
  return ops;
}

Result<std::vector<Operation>> SqliteCatalog::InterruptOrphanedOperations(
    const std::string& host,
    const std::function<bool(const Operation&)>& gone,
    int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<Operation> running,
                          QueryOperations("WHERE o.status='running'", 0,
                                          std::nullopt));
  std::vector<Operation> orphans;
  for (Operation& op : running) {
    if (op.host == host && gone(op)) orphans.push_back(std::move(op));
  }
  if (orphans.empty()) return orphans;
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db_, std::string(kInterruptOperation) +
                                     "WHERE id=?1 AND status='running'"));
  for (Operation& op : orphans) {
    PHODEX_TRY(s.Bind(1, op.id.value).Bind(2, now_ns).Run());
    op.status = OperationStatus::kInterrupted;
  }
  PHODEX_TRY(txn.Commit());
  return orphans;
}

Status SqliteCatalog::RecordFileErrors(OperationId op,
                        const std::vector<FileErrorEntry>& errors,
                        int64_t now_ns) {
  if (errors.empty()) return {};
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("INSERT INTO file_errors(operation_id, root_id, "
                       "path, op, reason, at) "
                       "VALUES(?1, NULL, ?2, ?3, ?4, ?5)"));
  for (const FileErrorEntry& e : errors) {
    PHODEX_TRY(s->Bind(1, op.value)
                   .BindBlob(2, e.path)
                   .BindText(3, e.op)
                   .BindText(4, e.reason)
                   .Bind(5, now_ns)
                   .Run());
  }
  return txn.Commit();
}

Result<std::vector<Operation>> SqliteCatalog::ListOperations(
    std::optional<int64_t> limit) {
  return QueryOperations("", 0, limit);
}

Result<std::vector<FileErrorRow>> SqliteCatalog::ListFileErrors(
    std::optional<OperationId> op, std::optional<int64_t> limit) {
  // Without "?1 IS NULL OR": one operation's errors come from the
  // file_errors_operation index, not a walk of every error.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db_, std::string("SELECT operation_id, path, op, "
                                             "reason, at FROM file_errors ") +
                                     (op ? "WHERE operation_id=?1 " : "") +
                                     "ORDER BY id DESC LIMIT ?2"));
  if (op) s.Bind(1, op->value);
  BindLimit(s, 2, limit);
  std::vector<FileErrorRow> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({OperationId{s.Int(0)}, s.Blob(1), s.Blob(2), s.Blob(3),
                   s.Int(4)});
  }
  return out;
}

Result<std::vector<Operation>> SqliteCatalog::ListOperationsPage(
    const OperationFilter& f) {
  // ?1 the cursor, ?3 the type: only the terms that are set, so the
  // planner picks the (type, id) index or the primary key's range.
  std::string where;
  if (f.before) where += "o.id < ?1";
  if (f.type) where += std::string(where.empty() ? "" : " AND ") + "o.type = ?3";
  return QueryOperations(
      where.empty() ? "" : "WHERE " + where,
      [&f](Stmt& s) {
        if (f.before) s.Bind(1, f.before->value);
        if (f.type) s.BindText(3, *f.type);
      },
      f.limit);
}

Result<std::optional<Operation>> SqliteCatalog::GetOperation(OperationId id) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<Operation> ops,
      QueryOperations("WHERE o.id = ?1", id.value, int64_t{1}));
  if (ops.empty()) return std::optional<Operation>();
  return std::optional<Operation>(std::move(ops.front()));
}

Result<std::vector<Operation>> SqliteCatalog::QueryOperations(
    const std::string& where, int64_t root, std::optional<int64_t> limit) {
  return QueryOperations(
      where,
      [&](Stmt& s) {
        if (where.find("?1") != std::string::npos) s.Bind(1, root);
      },
      limit);
}

Result<std::vector<Operation>> SqliteCatalog::QueryOperations(
    const std::string& where, const std::function<void(Stmt&)>& bind,
    std::optional<int64_t> limit) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s,
      Stmt::Prepare(db_,
                    "SELECT o.id, o.type, o.root_id, coalesce(r.name, ''), "
                    "o.scope, o.started_at, o.ended_at, o.status, "
                    "o.scanned, o.added, o.updated, o.removed, o.errors, "
                    "coalesce(o.error, ''), coalesce(o.checkpoint, ''), "
                    "coalesce(o.pid, 0), coalesce(o.host, ''), o.moved "
                    "FROM operations o LEFT JOIN roots r ON r.id = o.root_id " +
                        where + " ORDER BY o.id DESC LIMIT ?2"));
  bind(s);
  BindLimit(s, 2, limit);
  std::vector<Operation> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Operation o;
    o.id = OperationId{s.Int(0)};
    o.type = s.Blob(1);
    if (!s.IsNull(2)) o.root = RootId{s.Int(2)};
    o.root_name = s.Blob(3);
    o.scope = s.Blob(4);
    o.started_ns = s.Int(5);
    if (!s.IsNull(6)) o.ended_ns = s.Int(6);
    o.status = ParseStatus(s.Blob(7));
    o.counts = {s.Int(8),  s.Int(9),  s.Int(10),
                s.Int(11), s.Int(12), s.Int(17)};
    o.error = s.Blob(13);
    o.checkpoint = s.Blob(14);
    o.pid = static_cast<int>(s.Int(15));
    o.host = s.Blob(16);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace phodex::catalog::sqlite
