#include "catalog/sqlite/sqlite_catalog.h"

#include <cerrno>
#include <cstdio>
#include <utility>

#include "catalog/sqlite/migrations.h"
#include "catalog/sqlite/sqlite_catalog_impl.h"
#include "catalog/sqlite/sqlite_db.h"

namespace phodex::catalog::sqlite {

void BindPrefix(Stmt& s, std::string_view prefix) {
  const std::string exact(prefix);
  s.BindBlob(2, exact).BindBlob(3, exact + "/").BindBlob(4, exact + "0");
}

void BindScope(Stmt& s, const FileQuery& scope) {
  if (scope.root) {
    s.Bind(1, scope.root->value);
  } else {
    s.BindNull(1);
  }
  BindPrefix(s, scope.rel_prefix);
}

FileTime MtimeColumns(const Stmt& s, int sec_col, int nsec_col) {
  return FileTime::FromParts(s.Int(sec_col), s.Int(nsec_col));
}

std::optional<ContentHash> HashColumn(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return ContentHash::FromBytes(s.Blob(col));
}

void BindHash(Stmt& s, int i, const std::optional<ContentHash>& h) {
  if (h) {
    s.BindBlob(i, h->ToBytes());
  } else {
    s.BindNull(i);
  }
}

void BindLimit(Stmt& s, int i, std::optional<int64_t> limit) {
  s.Bind(i, limit.value_or(-1));
}

SqliteCatalog::~SqliteCatalog() {
  stmts_.clear();
  sqlite3_close_v2(db_);
}

Result<Stmt*> SqliteCatalog::Cached(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, sql));
    it = stmts_.emplace(sql, std::move(s)).first;
  }
  return &it->second;
}

Result<int> SqliteCatalog::UserVersion() {
  PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, "PRAGMA user_version"));
  PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.Int(0)) : 0;
}

// The check before a catalog is written (SqliteOptions::Check): every
// page's structure when the file is small enough, else the schema.
Status SqliteCatalog::CheckOnOpen(int64_t quick_check_max_bytes) {
  PHODEX_ASSIGN_OR_RETURN(int64_t bytes, SizeOnDisk());
  const bool whole = bytes <= quick_check_max_bytes;
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s,
      Stmt::Prepare(db_, whole ? "PRAGMA quick_check(10)"
                               : "SELECT count(*) FROM sqlite_schema"));
  std::string problems;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::string line = s.Blob(0);
    if (whole && line != "ok") {
      problems += (problems.empty() ? "" : "; ") + line;
    }
  }
  if (problems.empty()) return {};
  sqlite::MarkDamaged(db_);
  return MakeError(ErrorCode::kCorrupt, problems, "catalog: check", path_);
}

// Settings of a read-only connection: only what concerns this process.
Status SqliteCatalog::ConfigureReadOnly() {
  return Exec(db_,
              "PRAGMA foreign_keys=ON;"
              "PRAGMA temp_store=MEMORY;"
              "PRAGMA cache_size=-65536;");
}

Status SqliteCatalog::Configure() {
  return Exec(db_,
              "PRAGMA journal_mode=WAL;"
              "PRAGMA synchronous=NORMAL;"
              "PRAGMA foreign_keys=ON;"
              "PRAGMA temp_store=MEMORY;"
              "PRAGMA cache_size=-65536;");
}

// Copies the catalog to "<path>.v<version>.bak" (or .v<version>.<n>.bak
// if that exists) before migrating. VACUUM INTO refuses to overwrite an
// existing file, so an older backup is never lost.
Status SqliteCatalog::Backup(int version) {
  PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, "VACUUM INTO ?1"));
  for (int n = 1; n < 100; ++n) {
    // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on
    // `"." + std::string` at -O3.
    std::string dest = path_;
    dest += ".v";
    dest += std::to_string(version);
    if (n > 1) {
      dest += '.';
      dest += std::to_string(n);
    }
    dest += ".bak";
    s.BindText(1, dest);
    auto st = s.Run();
    if (st) return {};
    if (st.error().message().find("output file already exists") ==
        std::string::npos) {
      return MakeError(st.error().code(),
                       "could not write backup before migrating: " +
                           st.error().message(),
                       "catalog: backup", dest);
    }
  }
  return MakeError(ErrorCode::kAlreadyExists, "too many backups",
                   "catalog: backup", path_);
}

Status SqliteCatalog::Migrate(int max_version) {
  PHODEX_ASSIGN_OR_RETURN(int current, UserVersion());
  const int target = max_version > 0 ? max_version : LatestSchemaVersion();
  if (current >= target) return {};
  if (current > 0) PHODEX_TRY(Backup(current));
  for (const Migration& m : AllMigrations()) {
    if (m.version > target) break;
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    // Another process may have migrated while we waited for the lock.
    PHODEX_ASSIGN_OR_RETURN(int now, UserVersion());
    if (m.version <= now) continue;
    auto st = Exec(db_, m.sql);
    if (!st) {
      return MakeError(ErrorCode::kInternal,
                       "migration to schema v" + std::to_string(m.version) +
                           " failed: " + st.error().message(),
                       "catalog: migrate", path_);
    }
    PHODEX_TRY(Exec(
        db_, ("PRAGMA user_version=" + std::to_string(m.version)).c_str()));
    PHODEX_TRY(txn.Commit());
  }
  return {};
}

}  // namespace phodex::catalog::sqlite

namespace phodex::catalog {

using sqlite::SqliteCatalog;

namespace {

// A "file:" URI for `path` that opens it immutable (SqliteOptions::Access).
std::string ImmutableUri(const std::string& path) {
  std::string out = "file:";
  for (const unsigned char c : path) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out + "?immutable=1";
}

Result<sqlite3*> OpenHandle(const std::string& path,
                            const SqliteOptions& opts) {
  using Access = SqliteOptions::Access;
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string name = path;
  if (opts.access == Access::kReadWrite) {
    flags |= SQLITE_OPEN_READWRITE;
    if (opts.create == SqliteOptions::Create::kYes) flags |= SQLITE_OPEN_CREATE;
  } else {
    flags |= SQLITE_OPEN_READONLY;
  }
  if (opts.access == Access::kImmutable) {
    flags |= SQLITE_OPEN_URI;
    name = ImmutableUri(path);
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
  if (rc == SQLITE_OK) return db;
  const bool missing = (rc & 0xFF) == SQLITE_CANTOPEN && db != nullptr &&
                       sqlite3_system_errno(db) == ENOENT;
  Error e = sqlite::SqliteError(db, rc, "open");
  sqlite3_close_v2(db);
  if (missing) {
    return MakeError(ErrorCode::kNotFound, "no catalog here", "open catalog",
                     path);
  }
  return MakeError(e.code(), e.message(), "open catalog", path);
}

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path,
                                                   const SqliteOptions& opts) {
  // No global memory statistics: with them SQLite takes a process-wide
  // mutex around every allocation (7% of a first scan's instructions).
  // Must precede the library's initialisation; a later call is refused
  // and harmless.
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
  PHODEX_ASSIGN_OR_RETURN(sqlite3 * db, OpenHandle(path, opts));
  sqlite3_busy_timeout(db, opts.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  auto cat = std::make_unique<SqliteCatalog>(db, path);
  const bool read_only = opts.access != SqliteOptions::Access::kReadWrite;
  // SQLite opens a file it may not write read-only, quietly: a writer
  // should hear it now, not at its first write.
  if (!read_only && sqlite3_db_readonly(db, "main") == 1) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the catalog cannot be written here (a read-only file "
                     "or file system)",
                     "open catalog", path);
  }

  // Check the version before anything writes: a newer catalog is never
  // modified.
  auto version = cat->UserVersion();
  if (!version) {
    const Error& e = version.error();
    const bool foreign =
        e.code() == ErrorCode::kCorrupt || e.code() == ErrorCode::kInternal;
    return MakeError(
        e.code(), e.message() + (foreign ? " (is this a phodex catalog?)" : ""),
        "open catalog", path);
  }
  if (*version > LatestSchemaVersion()) {
    return MakeError(
        ErrorCode::kUnsupported,
        "catalog has schema version " + std::to_string(*version) +
            ", but this phodex only knows up to version " +
            std::to_string(LatestSchemaVersion()) +
            "; it was written by a newer phodex. Upgrade phodex; the catalog "
            "was not modified",
        "open catalog", path);
  }
  if (read_only) {
    if (opts.migrate == SqliteOptions::Migrate::kYes &&
        *version < LatestSchemaVersion()) {
      return MakeError(ErrorCode::kUnsupported,
                       "catalog has schema version " +
                           std::to_string(*version) +
                           " and needs migrating to version " +
                           std::to_string(LatestSchemaVersion()) +
                           ", which needs writing; it can only be read here",
                       "open catalog", path);
    }
    PHODEX_TRY(cat->ConfigureReadOnly());
    return std::unique_ptr<Catalog>(std::move(cat));
  }
  if (opts.check == SqliteOptions::Check::kQuick && *version > 0) {
    PHODEX_TRY(cat->CheckOnOpen(opts.quick_check_max_bytes));
  }
  PHODEX_TRY(cat->Configure());
  if (opts.migrate == SqliteOptions::Migrate::kYes) {
    PHODEX_TRY(cat->Migrate(opts.max_version_ForTesting));
  }
  return std::unique_ptr<Catalog>(std::move(cat));
}

namespace {

class ExclusiveLock final : public SqliteExclusiveLock {
 public:
  explicit ExclusiveLock(sqlite3* db) : db_(db) {}
  ~ExclusiveLock() override { sqlite3_close_v2(db_); }

 private:
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<SqliteExclusiveLock>> LockSqliteCatalogExclusive(
    const std::string& path) {
  SqliteOptions opts;
  opts.create = SqliteOptions::Create::kNo;
  PHODEX_ASSIGN_OR_RETURN(sqlite3 * db, OpenHandle(path, opts));
  auto lock = std::make_unique<ExclusiveLock>(db);  // closes it
  sqlite3_extended_result_codes(db, 1);
  // Closing must not checkpoint: the -wal may belong to another file by
  // then (the swap renames), and this file may be damaged.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // In exclusive locking mode the first transaction takes the file's
  // exclusive lock and keeps it; BEGIN EXCLUSIVE takes it at once, without
  // waiting (no busy timeout), and writes nothing.
  auto st = sqlite::Exec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE");
  if (!st) {
    const Error& e = st.error();
    return MakeError(e.code(),
                     e.code() == ErrorCode::kBusy
                         ? "another process has the catalog open"
                         : e.message(),
                     "lock catalog", path);
  }
  return std::unique_ptr<SqliteExclusiveLock>(std::move(lock));
}

}  // namespace phodex::catalog
