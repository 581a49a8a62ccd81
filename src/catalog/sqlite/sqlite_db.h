#pragma once
// Thin RAII wrappers over sqlite3 handles, and the one place where SQLite
// return codes become phodex Errors. Internal to catalog/sqlite.
// Thread-compatible.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace phodex::catalog::sqlite {

// Translates an SQLite result code (and the connection's message) into an
// Error. `what` names the operation ("insert file"). The reason the system
// gave, if any ("Read-only file system", "No space left on device"), is
// added to the message.
//
// Damage (SQLITE_CORRUPT, SQLITE_NOTADB) becomes kCorrupt and marks the
// connection damaged (MarkDamaged): from then on it writes nothing, and a
// write it refuses is reported as kCorrupt too. So every statement's error
// path, in whatever method it runs, stops a damaged catalog from being
// written (docs/catalog.md, "Damage").
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// Marks connection `db` damaged, for good: PRAGMA query_only (SQLite
// refuses every change, transactions included) and no checkpoint when it
// closes (a checkpoint would copy the -wal into the damaged file). Nothing
// else in phodex sets query_only, so it is the mark IsMarkedDamaged reads.
void MarkDamaged(sqlite3* db);
bool IsMarkedDamaged(sqlite3* db);

class Stmt {
 public:
  Stmt() = default;
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  static Result<Stmt> Prepare(sqlite3* db, std::string_view sql);

  // Parameters are 1-based, as in SQLite.
  Stmt& Bind(int i, int64_t v);
  Stmt& BindBlob(int i, std::string_view v);  // paths: byte-exact
  Stmt& BindText(int i, std::string_view v);
  Stmt& BindNull(int i);
  Stmt& BindDouble(int i, double v);
  Stmt& BindOptText(int i, const std::optional<std::string>& v);

  // true: a row is available; false: done.
  Result<bool> Step();
  // Step() expecting no rows.
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  std::string Blob(int col) const;  // also reads TEXT columns
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs one or more statements without results.
Status Exec(sqlite3* db, const char* sql);

// "a, b, c" with each name prefixed by `alias`: "m.a, m.b, m.c".
std::string PrefixColumns(std::string_view columns, const char* alias);
// "INSERT OR REPLACE INTO <table>(<key>, <columns>) VALUES(?1, ?2, ...)",
// one parameter for the key and each of the `count` columns.
std::string UpsertSql(const char* table, const char* key, const char* columns,
                      int count);

}  // namespace phodex::catalog::sqlite
