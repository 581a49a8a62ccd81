#include "catalog/sqlite/sqlite_db.h"

#include <cstring>

namespace phodex::catalog::sqlite {

namespace {

// What the system said about the last failing call, for the codes where
// that is the real reason ("unable to open database file" alone does not
// say that the folder is read-only).
std::string SystemReason(sqlite3* db, int rc) {
  switch (rc & 0xFF) {
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM: break;
    default: return {};
  }
  const int err = db ? sqlite3_system_errno(db) : 0;
  return err > 0 ? std::strerror(err) : std::string();
}

}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = ErrorCode::kBusy; break;
    case SQLITE_CONSTRAINT: code = ErrorCode::kAlreadyExists; break;
    case SQLITE_FULL:
    case SQLITE_IOERR: code = ErrorCode::kIo; break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH: code = ErrorCode::kPermissionDenied; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = ErrorCode::kCorrupt; break;
    default: break;
  }
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (code == ErrorCode::kCorrupt && db) MarkDamaged(db);
  if ((rc & 0xFF) == SQLITE_READONLY && db && IsMarkedDamaged(db)) {
    return Error(ErrorCode::kCorrupt,
                 "writing refused: the catalog is damaged (" + msg + ")",
                 "catalog: " + std::string(what));
  }
  const std::string reason = SystemReason(db, rc);
  if ((rc & 0xFF) == SQLITE_FULL) {
    msg = "disk full (" + msg + ")";
  } else if (!reason.empty() && msg.find(reason) == std::string::npos) {
    msg += " (" + reason + ")";
  }
  return Error(code, std::move(msg), "catalog: " + std::string(what));
}

void MarkDamaged(sqlite3* db) {
  sqlite3_exec(db, "PRAGMA query_only=1", nullptr, nullptr, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

bool IsMarkedDamaged(sqlite3* db) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA query_only", -1, &s, nullptr) !=
      SQLITE_OK) {
    return false;
  }
  const bool marked =
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
  sqlite3_finalize(s);
  return marked;
}

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Result<Stmt> Stmt::Prepare(sqlite3* db, std::string_view sql) {
  Stmt s;
  s.db_ = db;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s.stmt_,
                                    nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqliteError(db, rc, "prepare"));
  return s;
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Stmt& Stmt::BindDouble(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}

Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindText(int i, std::string_view v) {
  sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Stmt& Stmt::BindOptText(int i, const std::optional<std::string>& v) {
  return v ? BindText(i, *v) : BindNull(i);
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error err = SqliteError(db_, rc, "step");
  sqlite3_reset(stmt_);
  return std::unexpected(std::move(err));
}

Status Stmt::Run() {
  auto r = Step();
  Reset();
  if (!r) return std::unexpected(r.error());
  return {};
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  // sqlite3_errmsg(db) holds the same message as `err`.
  sqlite3_free(err);
  if (rc != SQLITE_OK) return std::unexpected(SqliteError(db, rc, "exec"));
  return {};
}

std::string PrefixColumns(std::string_view columns, const char* alias) {
  std::string out;
  while (!columns.empty()) {
    const size_t comma = columns.find(',');
    std::string_view name = columns.substr(0, comma);
    while (name.starts_with(' ')) name.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += std::string(alias) + "." + std::string(name);
    if (comma == std::string_view::npos) break;
    columns.remove_prefix(comma + 1);
  }
  return out;
}

std::string UpsertSql(const char* table, const char* key, const char* columns,
                      int count) {
  std::string sql = std::string("INSERT OR REPLACE INTO ") + table + "(" + key +
                    ", " + columns + ") VALUES(?1";
  for (int i = 0; i < count; ++i) sql += ", ?" + std::to_string(i + 2);
  return sql + ")";
}

}  // namespace phodex::catalog::sqlite
