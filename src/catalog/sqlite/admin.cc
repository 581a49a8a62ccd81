#include "catalog/sqlite/sqlite_catalog_impl.h"

#include "catalog/sqlite/migrations.h"
#include "catalog/sqlite/salvage.h"

namespace phodex::catalog::sqlite {

Result<SchemaStatus> SqliteCatalog::GetSchemaStatus() {
  SchemaStatus st;
  PHODEX_ASSIGN_OR_RETURN(st.current, UserVersion());
  st.latest = LatestSchemaVersion();
  for (const Migration& m : AllMigrations()) {
    if (m.version > st.current) st.pending.emplace_back(m.version, m.description);
  }
  return st;
}

Status SqliteCatalog::CheckIntegrity() {
  PHODEX_ASSIGN_OR_RETURN(Stmt s,
                          Stmt::Prepare(db_, "PRAGMA integrity_check"));
  std::string problems;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string line = s.Blob(0);
    if (line != "ok") problems += line + "\n";
  }
  PHODEX_ASSIGN_OR_RETURN(Stmt fk,
                          Stmt::Prepare(db_, "PRAGMA foreign_key_check"));
  PHODEX_ASSIGN_OR_RETURN(bool fk_row, fk.Step());
  if (fk_row) problems += "foreign key violations\n";
  if (!problems.empty()) {
    sqlite::MarkDamaged(db_);
    return MakeError(ErrorCode::kCorrupt, problems, "catalog: check", path_);
  }
  return {};
}

bool SqliteCatalog::Damaged() { return sqlite::IsMarkedDamaged(db_); }

Status SqliteCatalog::BackupTo(const std::string& path) {
  sqlite3* dest = nullptr;
  // Never over an existing file (the caller names a new one).
  if (sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_close_v2(dest);
    return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                     "catalog: backup", path);
  }
  sqlite3_close_v2(dest);
  dest = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &dest,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  // The online backup API copies pages in one read transaction of this
  // catalog (a consistent state while others write), and commits into
  // `dest` with a rollback journal and synchronous=FULL: synced.
  sqlite3_backup* b = rc == SQLITE_OK
                          ? sqlite3_backup_init(dest, "main", db_, "main")
                          : nullptr;
  if (b != nullptr) {
    rc = sqlite3_backup_step(b, -1);
    const int finish = sqlite3_backup_finish(b);
    rc = rc == SQLITE_DONE ? finish : rc;
  } else if (rc == SQLITE_OK) {
    rc = sqlite3_errcode(dest);
  }
  Status st;
  if (rc != SQLITE_OK) {
    Error e = sqlite::SqliteError(dest, rc, "backup");
    st = MakeError(e.code(), e.message(), "catalog: backup", path);
  }
  sqlite3_close_v2(dest);
  return st;
}

Result<SalvageReport> SqliteCatalog::CopyReadableRowsTo(Catalog& dest) {
  auto* to = dynamic_cast<SqliteCatalog*>(&dest);
  if (to == nullptr) {
    return MakeError(ErrorCode::kUnsupported,
                     "rows are copied only into another SQLite catalog",
                     "catalog: salvage", path_);
  }
  to->stmts_.clear();  // none may hold a transaction open
  return sqlite::SalvageRows(db_, to->db_);
}

Result<int64_t> SqliteCatalog::SizeOnDisk() {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db_, "SELECT page_count * page_size FROM "
                                 "pragma_page_count(), pragma_page_size()"));
  PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

void SqliteCatalog::ReleaseMemory() { sqlite3_db_release_memory(db_); }

}  // namespace phodex::catalog::sqlite
