#include "catalog/sqlite/sqlite_catalog.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <utility>

#include "catalog/schema/migrations.h"
#include "catalog/sqlite/metadata_rows.h"
#include "catalog/sqlite/pixel_rows.h"
#include "catalog/sqlite/salvage.h"
#include "catalog/sqlite/sqlite_db.h"

namespace phodex::catalog {
namespace {

using sqlite::BindMetadata;
using sqlite::BindPixels;
using sqlite::FindCapturePartner;
using sqlite::kPixelColumnCount;
using sqlite::PixelColumns;
using sqlite::ReadPixels;
using sqlite::Exec;
using sqlite::kMetadataColumnCount;
using sqlite::MetadataColumns;
using sqlite::ReadMetadata;
using sqlite::UpsertMetadataSql;
using sqlite::SqliteError;
using sqlite::Stmt;

// The upsert of a scanned file's row. A hash not recomputed survives only an
// unchanged stat (size, mtime and inode).
std::string UpsertFileSql() {
  const std::string same_stat =
      "files.size=excluded.size AND files.mtime_s=excluded.mtime_s AND "
      "files.mtime_nsec=excluded.mtime_nsec AND files.ino=excluded.ino";
  auto kept = [&](const char* col) {
    return std::string(col) + "=coalesce(excluded." + col + ", CASE WHEN " +
           same_stat + " THEN files." + col + " END)";
  };
  return "INSERT INTO files(root_id, rel, size, mtime_s, mtime_nsec, dev, "
         "ino, kind, scan_gen, first_seen, last_seen, present, last_error, "
         "content_version, quick_hash, hash, sha256) "
         "VALUES(?1, ?2, ?3, ?4, ?15, ?5, ?6, ?7, ?8, ?9, ?9, 1, ?10, ?11, "
         "?12, ?13, ?14) "
         "ON CONFLICT(root_id, rel) DO UPDATE SET "
         "size=excluded.size, mtime_s=excluded.mtime_s, "
         "mtime_nsec=excluded.mtime_nsec, "
         "dev=excluded.dev, ino=excluded.ino, kind=excluded.kind, "
         "scan_gen=excluded.scan_gen, last_seen=excluded.last_seen, "
         "present=1, removed_at=NULL, last_error=excluded.last_error, "
         "content_version=excluded.content_version, " +
         kept("quick_hash") + ", " + kept("hash") + ", " + kept("sha256");
}

// Rows whose rel equals `prefix` or lies below it, as a range on the
// (root_id, rel) index: "a/b" -> rel = 'a/b' OR 'a/b/' <= rel < 'a/b0'
// ('0' is the byte after '/').
// Binds ?2, ?3, ?4 of kPrefixClause for `prefix`.
void BindPrefix(Stmt& s, std::string_view prefix) {
  const std::string exact(prefix);
  s.BindBlob(2, exact).BindBlob(3, exact + "/").BindBlob(4, exact + "0");
}

constexpr char kPrefixClause[] =
    "(length(?2) = 0 OR f.rel = ?2 OR (f.rel >= ?3 AND f.rel < ?4))";

// The columns ForEachFile selects after f.mtime_nsec (19): s.rel (20), the
// file's metadata (marker 21, columns from 22) and the sidecar's.
void ReadMergedMetadata(const Stmt& s, bool with_tags, FileRow& r) {
  constexpr int kSidecarRel = 20;
  constexpr int kFileMeta = 22;
  constexpr int kSidecarMeta = kFileMeta + kMetadataColumnCount + 1;
  r.metadata = ReadMetadata(s, kFileMeta, with_tags);
  r.sidecar_rel.reset();
  r.sidecar_tags_json.clear();
  if (s.IsNull(kSidecarRel)) return;
  r.sidecar_rel = s.Blob(kSidecarRel);
  auto sidecar = ReadMetadata(s, kSidecarMeta, with_tags);
  if (!sidecar) return;
  if (!r.metadata) r.metadata = MediaMetadata{};
  MergeSidecar(*r.metadata, *sidecar);
  r.sidecar_tags_json = std::move(sidecar->tags_json);
}

// A file time stored as whole seconds (`mtime_s`) and nanoseconds
// (`mtime_nsec`, 0..999999999), docs/catalog.md v8.
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

// A new file's row; nothing when (root_id, rel) exists (then the caller
// drops stale metadata and upserts). Same parameters as UpsertFileSql.
std::string InsertFileSql() {
  return "INSERT INTO files(root_id, rel, size, mtime_s, mtime_nsec, dev, "
         "ino, kind, scan_gen, first_seen, last_seen, present, last_error, "
         "content_version, quick_hash, hash, sha256) "
         "VALUES(?1, ?2, ?3, ?4, ?15, ?5, ?6, ?7, ?8, ?9, ?9, 1, ?10, ?11, "
         "?12, ?13, ?14) ON CONFLICT(root_id, rel) DO NOTHING";
}

// Metadata goes with the version of the file it was read from: the row at
// (?1 root, ?2 rel) loses it when its stat differs from the one about to
// be written (?3 size, ?4 mtime_s, ?5 mtime_nsec, ?6 ino).
constexpr char kDropStaleMetadataSql[] =
    "DELETE FROM metadata WHERE file_id = (SELECT id FROM files WHERE "
    "root_id=?1 AND rel=?2 AND (size IS NOT ?3 OR mtime_s IS NOT ?4 OR "
    "mtime_nsec IS NOT ?5 OR ino IS NOT ?6))";

// Binds a scanned file's row to an InsertFileSql or UpsertFileSql statement.
void BindFileRow(Stmt& s, const ScanBatch& b, const FileUpsert& u) {
  s.Bind(1, b.root.value)
      .BindBlob(2, u.rel)
      .Bind(3, u.stat.size)
      .Bind(4, u.stat.mtime.sec)
      .Bind(15, u.stat.mtime.nsec)
      .Bind(5, static_cast<int64_t>(u.stat.dev))
      .Bind(6, static_cast<int64_t>(u.stat.ino))
      .BindText(7, MediaKindName(u.kind))
      .Bind(8, b.scan_gen)
      .Bind(9, b.now_ns)
      .BindOptText(10, u.error)
      .Bind(11, u.content_version);
  BindHash(s, 12, u.quick_hash);
  BindHash(s, 13, u.hash);
  if (u.sha256) {
    s.BindBlob(14, *u.sha256);
  } else {
    s.BindNull(14);
  }
}

OperationStatus ParseStatus(std::string_view s) {
  if (s == "completed") return OperationStatus::kCompleted;
  if (s == "failed") return OperationStatus::kFailed;
  if (s == "interrupted") return OperationStatus::kInterrupted;
  return OperationStatus::kRunning;
}

// A write transaction. BEGIN IMMEDIATE takes the write lock up front, so
// two processes never deadlock upgrading read locks; the busy timeout makes
// the second one wait.
class Txn {
 public:
  static Result<Txn> Begin(sqlite3* db) {
    PHODEX_TRY(Exec(db, "BEGIN IMMEDIATE"));
    return Txn(db);
  }
  Txn(Txn&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  ~Txn() {
    if (db_) (void)Exec(db_, "ROLLBACK");
  }
  Status Commit() {
    auto st = Exec(std::exchange(db_, nullptr), "COMMIT");
    return st;
  }

 private:
  explicit Txn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Ends a running operation whose process is gone (?2: now); the caller
// adds the WHERE clause.
constexpr char kInterruptOperation[] =
    "UPDATE operations SET status='interrupted', ended_at=?2, "
    "duration_ms=(?2 - started_at) / 1000000, "
    "error='the process stopped before the operation ended' ";

// Catalog::FindMoveCandidatesAmong, defined at the end of this file.
Result<std::vector<MoveCandidate>> FindMoveCandidatesAmongSqlite(
    sqlite3* db, const MoveSearch& search);

class SqliteCatalog final : public Catalog {
 public:
  explicit SqliteCatalog(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)) {}
  ~SqliteCatalog() override {
    stmts_.clear();
    sqlite3_close_v2(db_);
  }

  Result<int> UserVersion() {
    PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, "PRAGMA user_version"));
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? static_cast<int>(s.Int(0)) : 0;
  }

  sqlite3* db() const { return db_; }

  // The check before a catalog is written (SqliteOptions::Check): every
  // page's structure when the file is small enough, else the schema.
  Status CheckOnOpen(int64_t quick_check_max_bytes) {
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
  Status ConfigureReadOnly() {
    return Exec(db_,
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-65536;");
  }

  Status Configure() {
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
  Status Backup(int version) {
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

  Status Migrate(int max_version) {
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
      auto st = Exec(db_, m.sqlite_sql);
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

  // --- Roots -------------------------------------------------------------

  Result<Root> AddRoot(const std::string& path, const std::string& name,
                       int64_t now_ns) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt* s, Cached("INSERT INTO roots(path, name, added_at) "
                        "VALUES(?1, ?2, ?3) RETURNING id"));
    s->BindBlob(1, path).BindText(2, name).Bind(3, now_ns);
    auto row = s->Step();
    if (!row) {
      s->Reset();
      if (row.error().code() == ErrorCode::kAlreadyExists) {
        return MakeError(ErrorCode::kAlreadyExists,
                         "a root with this path or name already exists",
                         "add root", path);
      }
      return std::unexpected(row.error());
    }
    Root r;
    r.id = RootId{s->Int(0)};
    s->Reset();
    r.path = path;
    r.name = name;
    r.added_ns = now_ns;
    return r;
  }

  Result<std::vector<Root>> ListRoots() override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * s, Cached("SELECT id, path, name, added_at, last_scanned_at, "
                         "scan_gen, uuid, marker, fs_uuid, fs_type, fsid, "
                         "identity_at FROM roots "
                         "WHERE removed_at IS NULL "
                         "ORDER BY id"));
    std::vector<Root> out;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      Root r;
      r.id = RootId{s->Int(0)};
      r.path = s->Blob(1);
      r.name = s->Blob(2);
      r.added_ns = s->Int(3);
      if (!s->IsNull(4)) r.last_scanned_ns = s->Int(4);
      r.scan_gen = s->Int(5);
      if (!s->IsNull(11)) {
        RootIdentity& id = r.identity.emplace();
        id.uuid = s->Blob(6);
        id.marker = s->Int(7) != 0;
        id.fs.uuid = s->Blob(8);
        id.fs.type = s->Blob(9);
        id.fs.fsid = s->IsNull(10) ? 0 : static_cast<uint64_t>(s->Int(10));
        id.recorded_ns = s->Int(11);
      }
      out.push_back(std::move(r));
    }
    s->Reset();
    return out;
  }

  Status RemoveRoot(RootId root, Purge purge, int64_t now_ns) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    if (purge == Purge::kYes) {
      PHODEX_ASSIGN_OR_RETURN(Stmt del,
                              Stmt::Prepare(db_, "DELETE FROM roots WHERE id=?1"));
      PHODEX_TRY(del.Bind(1, root.value).Run());
    } else {
      // Keep the records (marked removed) and the history; the root row
      // stays, marked removed, so its path and name can be used again.
      PHODEX_ASSIGN_OR_RETURN(
          Stmt mark,
          Stmt::Prepare(db_, "UPDATE files SET present=0, removed_at=?2 "
                             "WHERE root_id=?1 AND present=1"));
      PHODEX_TRY(mark.Bind(1, root.value).Bind(2, now_ns).Run());
      PHODEX_ASSIGN_OR_RETURN(
          Stmt detach,
          Stmt::Prepare(db_, "UPDATE roots SET removed_at=?2 WHERE id=?1"));
      PHODEX_TRY(detach.Bind(1, root.value).Bind(2, now_ns).Run());
    }
    return txn.Commit();
  }

  Status SetRootIdentity(RootId root, const RootIdentity& id) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * s,
        Cached("UPDATE roots SET uuid=?2, marker=?3, fs_uuid=?4, fs_type=?5, "
               "fsid=?6, identity_at=?7 WHERE id=?1"));
    s->Bind(1, root.value).BindText(2, id.uuid).Bind(3, id.marker ? 1 : 0);
    // Unknown fields are NULL, so the table says what was never known.
    if (id.fs.uuid.empty()) {
      s->BindNull(4);
    } else {
      s->BindText(4, id.fs.uuid);
    }
    if (id.fs.type.empty()) {
      s->BindNull(5);
    } else {
      s->BindText(5, id.fs.type);
    }
    if (id.fs.fsid == 0) {
      s->BindNull(6);
    } else {
      s->Bind(6, static_cast<int64_t>(id.fs.fsid));
    }
    s->Bind(7, id.recorded_ns);
    return s->Run();
  }

  // --- Scans -------------------------------------------------------------

  Result<int64_t> NextScanGeneration(RootId root) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt* s, Cached("UPDATE roots SET scan_gen = scan_gen + 1 WHERE id=?1 "
                        "RETURNING scan_gen"));
    s->Bind(1, root.value);
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) {
      s->Reset();
      return MakeError(ErrorCode::kNotFound, "no such root", "scan");
    }
    const int64_t gen = s->Int(0);
    s->Reset();
    return gen;
  }

  Status ForEachKnownFile(RootId root, std::string_view rel_prefix,
                          const std::function<void(KnownFile&&)>& fn) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(db_,
                      std::string("SELECT f.id, f.rel, f.size, f.mtime_s, "
                                  "f.ino, f.kind, t.rel, f.content_version, "
                                  "f.hash IS NOT NULL, f.sha256 IS NOT NULL, "
                                  "f.mtime_nsec "
                                  "FROM files f "
                                  "LEFT JOIN files t ON t.id = f.sidecar_of "
                                  "WHERE f.root_id=?1 AND f.present=1 AND ") +
                          kPrefixClause));
    s.Bind(1, root.value);
    BindPrefix(s, rel_prefix);
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      KnownFile k;
      k.id = FileId{s.Int(0)};
      k.rel = s.Blob(1);
      k.size = s.Int(2);
      k.mtime = MtimeColumns(s, 3, 10);
      k.ino = static_cast<uint64_t>(s.Int(4));
      k.kind = ParseMediaKind(s.Blob(5)).value_or(MediaKind::kOther);
      if (!s.IsNull(6)) k.sidecar_target = s.Blob(6);
      k.content_version = static_cast<int>(s.Int(7));
      k.has_hash = s.Int(8) != 0;
      k.has_sha256 = s.Int(9) != 0;
      fn(std::move(k));
    }
    return {};
  }

  Status ApplyBatch(const ScanBatch& b) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    if (!b.upserts.empty()) {
      // Statements looked up once per batch, not per row. A row is first
      // inserted with ON CONFLICT DO NOTHING: a new file (every file of a
      // first scan) costs that one statement, which needs no statement
      // journal. Only a row that exists already takes the slow path: its
      // metadata is dropped when its stat changed (it was read from
      // another version of the file), then the row is upserted. That rule
      // was a trigger (migration 6) until v8, which made every upsert a
      // multi-row statement with a statement journal: 34% of a first
      // scan's instructions (docs/performance.md).
      static const std::string kInsertFile = InsertFileSql();
      static const std::string kUpsertFile = UpsertFileSql();
      static const std::string kUpsertFileReturningId =
          kUpsertFile + " RETURNING id";
      static const std::string kUpsertMetadata = UpsertMetadataSql();
      PHODEX_ASSIGN_OR_RETURN(Stmt * insert, Cached(kInsertFile.c_str()));
      PHODEX_ASSIGN_OR_RETURN(Stmt * upsert, Cached(kUpsertFile.c_str()));
      PHODEX_ASSIGN_OR_RETURN(Stmt * upsert_id,
                              Cached(kUpsertFileReturningId.c_str()));
      PHODEX_ASSIGN_OR_RETURN(Stmt * drop_stale,
                              Cached(kDropStaleMetadataSql));
      PHODEX_ASSIGN_OR_RETURN(Stmt * meta, Cached(kUpsertMetadata.c_str()));
      for (const FileUpsert& u : b.upserts) {
        BindFileRow(*insert, b, u);
        PHODEX_TRY(insert->Run());
        int64_t id = 0;
        if (sqlite3_changes(db_) == 1) {
          id = sqlite3_last_insert_rowid(db_);
        } else {
          PHODEX_TRY(drop_stale->Bind(1, b.root.value)
                         .BindBlob(2, u.rel)
                         .Bind(3, u.stat.size)
                         .Bind(4, u.stat.mtime.sec)
                         .Bind(5, u.stat.mtime.nsec)
                         .Bind(6, static_cast<int64_t>(u.stat.ino))
                         .Run());
          Stmt* s = u.metadata ? upsert_id : upsert;
          BindFileRow(*s, b, u);
          if (!u.metadata) {
            PHODEX_TRY(s->Run());
            continue;
          }
          PHODEX_ASSIGN_OR_RETURN(const bool row, s->Step());
          id = row ? s->Int(0) : 0;
          s->Reset();
        }
        if (id != 0 && u.metadata) {
          BindMetadata(*meta, id, *u.metadata);
          PHODEX_TRY(meta->Run());
        }
      }
    }
    if (!b.links.empty()) {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt* s, Cached("UPDATE files SET sidecar_of = (SELECT id FROM files "
                          "WHERE root_id=?1 AND rel=?3) "
                          "WHERE root_id=?1 AND rel=?2"));
      for (const SidecarLink& l : b.links) {
        s->Bind(1, b.root.value).BindBlob(2, l.sidecar_rel);
        if (l.target_rel) {
          s->BindBlob(3, *l.target_rel);
        } else {
          s->BindNull(3);
        }
        PHODEX_TRY(s->Run());
      }
    }
    if (!b.removals.empty()) {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt* s, Cached("UPDATE files SET present=0, removed_at=?2, "
                          "scan_gen=?3, last_seen=max(last_seen, ?4) "
                          "WHERE id=?1"));
      for (FileId id : b.removals) {
        PHODEX_TRY(s->Bind(1, id.value)
                       .Bind(2, b.now_ns)
                       .Bind(3, b.scan_gen)
                       .Bind(4, b.removals_last_seen_ns)
                       .Run());
      }
    }
    if (!b.errors.empty()) {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt* s, Cached("INSERT INTO file_errors(operation_id, root_id, "
                          "path, op, reason, at) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
      for (const FileErrorEntry& e : b.errors) {
        PHODEX_TRY(s->Bind(1, b.op.value)
                       .Bind(2, b.root.value)
                       .BindBlob(3, e.path)
                       .BindText(4, e.op)
                       .BindText(5, e.reason)
                       .Bind(6, b.now_ns)
                       .Run());
      }
    }
    if (b.op.value != 0) {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt* s, Cached("UPDATE operations SET scanned=?2, added=?3, "
                          "updated=?4, removed=?5, errors=?6, checkpoint=?7, "
                          "moved=?8 WHERE id=?1"));
      PHODEX_TRY(s->Bind(1, b.op.value)
                     .Bind(2, b.counts.scanned)
                     .Bind(3, b.counts.added)
                     .Bind(4, b.counts.updated)
                     .Bind(5, b.counts.removed)
                     .Bind(6, b.counts.errors)
                     .BindText(7, b.checkpoint)
                     .Bind(8, b.counts.moved)
                     .Run());
    }
    return txn.Commit();
  }

  Status ForEachSizeTwin(
      const std::function<void(SizeTwin&&)>& fn) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(db_,
                      "SELECT f.id, r.path, f.rel, f.size, f.dev, f.ino, "
                      "f.mtime_s, f.quick_hash, f.hash, f.mtime_nsec "
                      "FROM files f JOIN roots r ON r.id = f.root_id "
                      "WHERE f.present = 1 AND f.size IN ("
                      "  SELECT size FROM files WHERE present = 1 AND size > 0 "
                      "  GROUP BY size HAVING count(*) > 1) "
                      "ORDER BY f.size"));
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      SizeTwin t;
      t.id = FileId{s.Int(0)};
      t.root_path = s.Blob(1);
      t.rel = s.Blob(2);
      t.size = s.Int(3);
      t.dev = static_cast<uint64_t>(s.Int(4));
      t.ino = static_cast<uint64_t>(s.Int(5));
      t.mtime = MtimeColumns(s, 6, 9);
      t.quick_hash = HashColumn(s, 7);
      t.hash = HashColumn(s, 8);
      fn(std::move(t));
    }
    return {};
  }

  Status SetHashes(const std::vector<HashUpdate>& updates) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    PHODEX_ASSIGN_OR_RETURN(
        Stmt* s, Cached("UPDATE files SET hash=?2, "
                        "sha256=coalesce(?3, sha256) WHERE id=?1"));
    for (const HashUpdate& u : updates) {
      s->Bind(1, u.id.value).BindBlob(2, u.hash.ToBytes());
      if (u.sha256) {
        s->BindBlob(3, *u.sha256);
      } else {
        s->BindNull(3);
      }
      PHODEX_TRY(s->Run());
    }
    return txn.Commit();
  }

  Status SetRootScanned(RootId root, int64_t now_ns) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt* s, Cached("UPDATE roots SET last_scanned_at=?2 WHERE id=?1"));
    return s->Bind(1, root.value).Bind(2, now_ns).Run();
  }

  Result<std::vector<MoveCandidate>> FindMoveCandidates(
      RootId root, int64_t gen) override {
    // Driven by the removed files with a quick hash (a partial index).
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(
            db_,
            "SELECT o.id, o.rel, o.hash, "
            "       (o.root_id = ?1 AND o.scan_gen = ?2), "
            "       n.id, r.path, n.rel, "
            "       (n.root_id = ?1 AND n.scan_gen = ?2 "
            "        AND n.first_seen = n.last_seen) "
            // CROSS JOIN fixes the loop order (SQLite never reorders it):
            // removed files outside, through their small partial index.
            // Driven from the present files instead, a folder of identical
            // files costs n^2.
            "FROM files o "
            "CROSS JOIN files n ON n.quick_hash = o.quick_hash "
            "  AND n.size = o.size "
            "JOIN roots r ON r.id = n.root_id "
            // Empty files carry no identity: never a move.
            "WHERE o.present = 0 AND o.quick_hash IS NOT NULL AND o.size > 0 "
            "  AND n.present = 1 AND n.first_seen > o.last_seen "
            "ORDER BY n.id, o.removed_at DESC"));
    s.Bind(1, root.value).Bind(2, gen);
    std::vector<MoveCandidate> out;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      MoveCandidate c;
      c.removed_id = FileId{s.Int(0)};
      c.removed_rel = s.Blob(1);
      c.removed_hash = HashColumn(s, 2);
      c.removed_by_scan = s.Int(3) != 0;
      c.new_id = FileId{s.Int(4)};
      c.new_root_path = s.Blob(5);
      c.new_rel = s.Blob(6);
      c.added_by_scan = s.Int(7) != 0;
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<std::vector<MoveCandidate>> FindMoveCandidatesAmong(
      const MoveSearch& search) override {
    return FindMoveCandidatesAmongSqlite(db_, search);
  }

  Result<int64_t> CountLikelyMoves(const std::vector<FileId>& ids,
                                   int64_t last_seen_ns) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * s,
        Cached("SELECT EXISTS (SELECT 1 FROM files o "
               "CROSS JOIN files n ON n.quick_hash = o.quick_hash "
               "  AND n.size = o.size "
               "WHERE o.id = ?1 AND o.quick_hash IS NOT NULL AND o.size > 0 "
               "  AND n.present = 1 AND n.id != o.id AND n.first_seen > ?2)"));
    int64_t n = 0;
    for (FileId id : ids) {
      s->Bind(1, id.value).Bind(2, last_seen_ns);
      auto row = s->Step();
      if (!row) {
        s->Reset();
        return std::unexpected(row.error());
      }
      n += *row && s->Int(0) != 0 ? 1 : 0;
      s->Reset();
    }
    return n;
  }

  Status ApplyMove(FileId removed_id, FileId new_id,
                   std::optional<ContentHash> confirmed_hash) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    // Copy the new row's place onto the old row through a temporary
    // table: the (root_id, rel) slot must be free before the old row
    // takes it.
    PHODEX_TRY(Exec(db_, "CREATE TEMP TABLE IF NOT EXISTS move_row AS "
                         "SELECT * FROM files WHERE 0"));
    PHODEX_TRY(Exec(db_, "DELETE FROM temp.move_row"));
    PHODEX_ASSIGN_OR_RETURN(
        Stmt copy, Stmt::Prepare(db_, "INSERT INTO temp.move_row "
                                      "SELECT * FROM files WHERE id=?1 "
                                      "AND present=1"));
    PHODEX_TRY(copy.Bind(1, new_id.value).Run());
    if (sqlite3_changes(db_) != 1) {
      return MakeError(ErrorCode::kNotFound, "new file record is gone",
                       "catalog: move");
    }
    PHODEX_ASSIGN_OR_RETURN(
        Stmt relink, Stmt::Prepare(db_, "UPDATE files SET sidecar_of=?1 "
                                        "WHERE sidecar_of=?2"));
    PHODEX_TRY(relink.Bind(1, removed_id.value).Bind(2, new_id.value).Run());
    // The metadata read from the file at its new place is the current one.
    // It waits in a temporary table while the rows change places: deleting
    // the new row would take it along (ON DELETE CASCADE); the old row's
    // own is dropped, since the row takes the new file's place.
    PHODEX_TRY(Exec(db_, "CREATE TEMP TABLE IF NOT EXISTS move_metadata AS "
                         "SELECT * FROM metadata WHERE 0"));
    PHODEX_TRY(Exec(db_, "DELETE FROM temp.move_metadata"));
    PHODEX_ASSIGN_OR_RETURN(
        Stmt keep_meta,
        Stmt::Prepare(db_, "INSERT INTO temp.move_metadata "
                           "SELECT * FROM metadata WHERE file_id=?1"));
    PHODEX_TRY(keep_meta.Bind(1, new_id.value).Run());
    PHODEX_ASSIGN_OR_RETURN(
        Stmt drop_meta,
        Stmt::Prepare(db_, "DELETE FROM metadata WHERE file_id=?1"));
    PHODEX_TRY(drop_meta.Bind(1, removed_id.value).Run());
    PHODEX_ASSIGN_OR_RETURN(
        Stmt del, Stmt::Prepare(db_, "DELETE FROM files WHERE id=?1"));
    PHODEX_TRY(del.Bind(1, new_id.value).Run());
    PHODEX_ASSIGN_OR_RETURN(
        Stmt take,
        Stmt::Prepare(
            db_,
            "UPDATE files SET (root_id, rel, size, mtime_s, mtime_nsec, dev, "
            "  ino, kind, scan_gen, last_seen, last_error, content_version, "
            "  quick_hash, hash, sha256) = "
            "  (SELECT m.root_id, m.rel, m.size, m.mtime_s, m.mtime_nsec, "
            "     m.dev, m.ino, "
            "     m.kind, m.scan_gen, m.last_seen, m.last_error, "
            "     m.content_version, m.quick_hash, "
            "     coalesce(?2, m.hash, files.hash), "
            "     coalesce(m.sha256, files.sha256) FROM temp.move_row m), "
            "  present=1, removed_at=NULL "
            "WHERE id=?1 AND present=0"));
    take.Bind(1, removed_id.value);
    BindHash(take, 2, confirmed_hash);
    PHODEX_TRY(take.Run());
    if (sqlite3_changes(db_) != 1) {
      return MakeError(ErrorCode::kNotFound, "removed file record is gone",
                       "catalog: move");
    }
    PHODEX_ASSIGN_OR_RETURN(
        Stmt renumber,
        Stmt::Prepare(db_, "UPDATE temp.move_metadata SET file_id=?1"));
    PHODEX_TRY(renumber.Bind(1, removed_id.value).Run());
    PHODEX_TRY(
        Exec(db_, "INSERT INTO metadata SELECT * FROM temp.move_metadata"));
    return txn.Commit();
  }

  // --- Operations --------------------------------------------------------

  Result<OperationId> BeginOperation(const Operation& op) override {
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

  Status FinishOperation(OperationId id, OperationStatus status,
                         const OperationCounts& c, const std::string& error,
                         int64_t now_ns) override {
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

  Result<std::vector<Operation>> InterruptStaleOperations(
      RootId root, int64_t now_ns) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<Operation> ops,
        QueryOperations("WHERE o.root_id=?1 AND o.status='running'",
                        root.value, -1));
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, std::string(kInterruptOperation) +
                                       "WHERE root_id=?1 AND status='running'"));
    PHODEX_TRY(s.Bind(1, root.value).Bind(2, now_ns).Run());
    PHODEX_TRY(txn.Commit());
    for (Operation& op : ops) op.status = OperationStatus::kInterrupted;
    return ops;
  }

  Result<std::vector<Operation>> InterruptOrphanedOperations(
      const std::string& host,
      const std::function<bool(const Operation&)>& gone,
      int64_t now_ns) override {
    PHODEX_ASSIGN_OR_RETURN(std::vector<Operation> running,
                            QueryOperations("WHERE o.status='running'", 0, -1));
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

  Status RecordFileErrors(OperationId op,
                          const std::vector<FileErrorEntry>& errors,
                          int64_t now_ns) override {
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

  Result<std::vector<Operation>> ListOperations(int64_t limit) override {
    return QueryOperations("", 0, limit);
  }

  // --- Queries -----------------------------------------------------------

  Status ForEachFile(const FileQuery& q,
                     const std::function<void(const FileRow&)>& fn) override {
    std::string sql =
        "SELECT f.id, f.root_id, r.path, r.name, f.rel, f.size, f.mtime_s, "
        "f.dev, f.ino, f.kind, f.present, f.first_seen, f.last_seen, "
        "f.removed_at, f.last_error, f.sidecar_of, f.quick_hash, f.hash, "
        "f.sha256, f.mtime_nsec, s.rel, m.file_id, ";
    // Tags only when asked (?7): they are the bulk of a row.
    auto columns = [](const char* alias) {
      std::string cols = MetadataColumns(alias);
      const std::string tags = std::string(alias) + ".tags";
      cols.replace(cols.rfind(tags), tags.size(),
                   "CASE WHEN ?7 THEN " + tags + " END");
      return cols;
    };
    sql += columns("m") + ", sm.file_id, " + columns("sm") + ", " +
           PixelColumns("p");
    // The sidecar merged in: the one with the longest name (IMG_1.CR2.xmp,
    // darktable's, before IMG_1.xmp, Lightroom's).
    sql +=
        " FROM files f JOIN roots r ON r.id = f.root_id "
        "LEFT JOIN metadata m ON m.file_id = f.id "
        "LEFT JOIN files s ON s.id = (SELECT s2.id FROM files s2 "
        "  WHERE s2.sidecar_of = f.id AND s2.present = 1 "
        "  ORDER BY length(s2.rel) DESC, s2.rel LIMIT 1) "
        "LEFT JOIN metadata sm ON sm.file_id = s.id "
        "LEFT JOIN pixels p ON p.hash = f.hash WHERE ";
    sql += kPrefixClause;
    sql += " AND (?1 IS NULL OR f.root_id = ?1) AND (?5 IS NULL OR f.kind = ?5)";
    switch (q.presence) {
      case FileQuery::Presence::kPresent: sql += " AND f.present=1"; break;
      case FileQuery::Presence::kRemoved: sql += " AND f.present=0"; break;
      case FileQuery::Presence::kAll: break;
    }
    sql += " ORDER BY f.root_id, f.rel LIMIT ?6";
    PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, sql));
    if (q.root) {
      s.Bind(1, q.root->value);
    } else {
      s.BindNull(1);
    }
    BindPrefix(s, q.rel_prefix);
    if (q.kind) {
      s.BindText(5, MediaKindName(*q.kind));
    } else {
      s.BindNull(5);
    }
    s.Bind(6, q.limit);
    s.Bind(7, q.with_tags ? 1 : 0);
    std::optional<Stmt> partners;
    if (q.with_pairs) {
      PHODEX_ASSIGN_OR_RETURN(partners,
                              Stmt::Prepare(db_, sqlite::kCapturePartnersSql));
    }
    // After the file's and the sidecar's metadata (see ReadMergedMetadata).
    constexpr int kPixelFirst = 22 + 2 * kMetadataColumnCount + 1;
    FileRow r;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      r.id = FileId{s.Int(0)};
      r.root = RootId{s.Int(1)};
      r.root_path = s.Blob(2);
      r.root_name = s.Blob(3);
      r.rel = s.Blob(4);
      r.size = s.Int(5);
      r.mtime = MtimeColumns(s, 6, 19);
      r.dev = static_cast<uint64_t>(s.Int(7));
      r.ino = static_cast<uint64_t>(s.Int(8));
      r.kind = ParseMediaKind(s.Blob(9)).value_or(MediaKind::kOther);
      r.present = s.Int(10) != 0;
      r.first_seen_ns = s.Int(11);
      r.last_seen_ns = s.Int(12);
      r.removed_ns = s.IsNull(13) ? std::nullopt
                                  : std::optional<int64_t>(s.Int(13));
      r.last_error = s.Blob(14);
      r.sidecar_of = s.IsNull(15) ? std::nullopt
                                  : std::optional<FileId>(FileId{s.Int(15)});
      r.quick_hash = HashColumn(s, 16);
      r.hash = HashColumn(s, 17);
      r.sha256 = s.IsNull(18) ? std::nullopt
                              : std::optional<std::string>(s.Blob(18));
      ReadMergedMetadata(s, q.with_tags, r);
      r.pixels = ReadPixels(s, kPixelFirst);
      r.pair.reset();
      if (partners && r.present) {
        PHODEX_ASSIGN_OR_RETURN(r.pair, FindCapturePartner(*partners, r));
      }
      fn(r);
    }
    return {};
  }

  Result<std::vector<PixelCandidate>> ListPixelCandidates(
      const FileQuery& scope, FileId after, int64_t limit) override {
    std::string sql =
        "SELECT f.id, r.path, f.rel, f.kind, f.size, f.mtime_s, f.hash, "
        "p.version, p.thumbs, p.error IS NOT NULL, "
        "coalesce(m.width * m.height, 0), f.mtime_nsec "
        "FROM files f JOIN roots r ON r.id = f.root_id "
        "LEFT JOIN pixels p ON p.hash = f.hash "
        "LEFT JOIN metadata m ON m.file_id = f.id "
        "WHERE f.present = 1 AND f.kind IN ('photo', 'raw', 'video') "
        "AND f.id > ?5 AND (?1 IS NULL OR f.root_id = ?1) AND ";
    sql += kPrefixClause;
    sql += " ORDER BY f.id LIMIT ?6";
    PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
    if (scope.root) {
      s->Bind(1, scope.root->value);
    } else {
      s->BindNull(1);
    }
    BindPrefix(*s, scope.rel_prefix);
    s->Bind(5, after.value).Bind(6, limit);
    std::vector<PixelCandidate> out;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      PixelCandidate c;
      c.id = FileId{s->Int(0)};
      c.root_path = s->Blob(1);
      c.rel = s->Blob(2);
      c.kind = ParseMediaKind(s->Blob(3)).value_or(MediaKind::kOther);
      c.size = s->Int(4);
      c.mtime = MtimeColumns(*s, 5, 11);
      c.hash = HashColumn(*s, 6);
      if (!s->IsNull(7)) c.pixel_version = static_cast<int>(s->Int(7));
      c.thumbs_key = s->Blob(8);
      c.pixel_error = s->Int(9) != 0;
      c.pixels = s->Int(10);
      out.push_back(std::move(c));
    }
    s->Reset();
    return out;
  }

  Status SetPixels(const std::vector<PixelUpdate>& updates) override {
    PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
    const std::string sql = sqlite::UpsertPixelsSql();
    PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
    for (const PixelUpdate& u : updates) {
      BindPixels(*s, u.hash, u.facts);
      PHODEX_TRY(s->Run());
    }
    return txn.Commit();
  }

  Status ForEachPresentHash(
      const std::function<void(const ContentHash&)>& fn) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, "SELECT hash FROM files "
                                   "WHERE hash IS NOT NULL AND present = 1"));
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (auto h = HashColumn(s, 0)) fn(*h);
    }
    return {};
  }

  Result<PixelTotals> GetPixelTotals(const std::string& thumbs_key) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(db_,
                      "SELECT count(*), count(p.error), "
                      "coalesce(sum(p.thumbs = ?1), 0), "
                      "coalesce(sum(CASE WHEN p.thumbs = ?1 THEN p.thumb_bytes "
                      "END), 0) FROM pixels p WHERE EXISTS (SELECT 1 FROM "
                      "files f WHERE f.hash = p.hash AND f.present = 1)"));
    s.BindText(1, thumbs_key);
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    PixelTotals t;
    if (row) {
      t.contents = s.Int(0);
      t.errors = s.Int(1);
      t.thumbnailed = s.Int(2);
      t.thumb_bytes = s.Int(3);
    }
    return t;
  }

  Result<CatalogStats> Stats() override {
    CatalogStats out;
    {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt s, Stmt::Prepare(db_, "SELECT kind, present, count(*), "
                                     "sum(size) FROM files GROUP BY kind, "
                                     "present ORDER BY kind"));
      std::map<std::string, KindCount> kinds;
      for (;;) {
        PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        const std::string name = s.Blob(0);
        KindCount& k = kinds[name];
        k.kind = ParseMediaKind(name).value_or(MediaKind::kOther);
        if (s.Int(1)) {
          k.present = s.Int(2);
          k.present_bytes = s.Int(3);
        } else {
          k.removed = s.Int(2);
        }
      }
      for (auto& [_, k] : kinds) out.kinds.push_back(k);
    }
    PHODEX_ASSIGN_OR_RETURN(std::vector<Root> roots, ListRoots());
    {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt s, Stmt::Prepare(db_, "SELECT root_id, sum(present), "
                                     "sum(1 - present), sum(size * present) "
                                     "FROM files GROUP BY root_id"));
      std::map<int64_t, RootStats> by_root;
      for (;;) {
        PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        RootStats& rs = by_root[s.Int(0)];
        rs.present = s.Int(1);
        rs.removed = s.Int(2);
        rs.bytes = s.Int(3);
      }
      for (Root& r : roots) {
        RootStats rs = by_root[r.id.value];
        rs.root = std::move(r);
        out.roots.push_back(std::move(rs));
      }
    }
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, "SELECT count(*) FROM file_errors"));
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    out.file_errors = row ? s.Int(0) : 0;
    return out;
  }

  Result<std::vector<FileErrorRow>> ListFileErrors(std::optional<OperationId> op,
                                                   int64_t limit) override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, "SELECT operation_id, path, op, reason, at "
                                   "FROM file_errors WHERE ?1 IS NULL OR "
                                   "operation_id=?1 ORDER BY id DESC LIMIT ?2"));
    if (op) {
      s.Bind(1, op->value);
    } else {
      s.BindNull(1);
    }
    s.Bind(2, limit);
    std::vector<FileErrorRow> out;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back({OperationId{s.Int(0)}, s.Blob(1), s.Blob(2), s.Blob(3),
                     s.Int(4)});
    }
    return out;
  }

  // --- Maintenance -------------------------------------------------------

  Result<SchemaStatus> GetSchemaStatus() override {
    SchemaStatus st;
    PHODEX_ASSIGN_OR_RETURN(st.current, UserVersion());
    st.latest = LatestSchemaVersion();
    for (const Migration& m : AllMigrations()) {
      if (m.version > st.current) st.pending.emplace_back(m.version, m.description);
    }
    return st;
  }

  Status CheckIntegrity() override {
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

  bool Damaged() override { return sqlite::IsMarkedDamaged(db_); }

  Status BackupTo(const std::string& path) override {
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

  Result<SalvageReport> CopyReadableRowsTo(Catalog& dest) override {
    auto* to = dynamic_cast<SqliteCatalog*>(&dest);
    if (to == nullptr) {
      return MakeError(ErrorCode::kUnsupported,
                       "rows are copied only into another SQLite catalog",
                       "catalog: salvage", path_);
    }
    to->stmts_.clear();  // none may hold a transaction open
    return sqlite::SalvageRows(db_, to->db_);
  }

  Result<int64_t> SizeOnDisk() override {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, "SELECT page_count * page_size FROM "
                                   "pragma_page_count(), pragma_page_size()"));
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? s.Int(0) : 0;
  }

 private:
  // Statements prepared once and reused (SQLITE_PREPARE_PERSISTENT).
  Result<Stmt*> Cached(const char* sql) {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) {
      PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db_, sql));
      it = stmts_.emplace(sql, std::move(s)).first;
    }
    return &it->second;
  }

  Result<std::vector<Operation>> QueryOperations(const std::string& where,
                                                 int64_t root, int64_t limit) {
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
    if (where.find("?1") != std::string::npos) s.Bind(1, root);
    s.Bind(2, limit);
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

  sqlite3* db_;
  std::string path_;
  std::map<std::string, Stmt> stmts_;
};

}  // namespace

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

namespace {

// --- FindMoveCandidatesAmong -----------------------------------------------
// Three bounded searches, merged in C++: the session's removed files by id
// (primary key), its written files by rel (the (root_id, rel) index), or,
// when it wrote too many to list, the removed files (their partial index)
// against the present files of its generation, as FindMoveCandidates does.

constexpr size_t kMoveSearchChunk = 256;

// Selected by every search; the pair's conditions follow in each WHERE.
constexpr char kMoveColumns[] =
    "SELECT o.id, o.rel, o.hash, (o.root_id = ?1 AND o.scan_gen = ?2), "
    "n.id, r.path, n.rel, "
    "(n.root_id = ?1 AND n.scan_gen = ?2 AND n.first_seen = n.last_seen), "
    "coalesce(o.removed_at, 0) ";
// Empty files carry no identity: never a move.
constexpr char kMovePair[] =
    " AND o.present = 0 AND o.quick_hash IS NOT NULL AND o.size > 0 "
    "AND n.present = 1 AND n.first_seen > o.last_seen";

struct RankedCandidate {
  MoveCandidate c;
  int64_t removed_at = 0;
};

std::string Placeholders(size_t first, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += (i == 0 ? "?" : ", ?") + std::to_string(first + i);
  }
  return out;
}

Status CollectMoveCandidates(Stmt& s, const MoveSearch& search,
                             std::vector<RankedCandidate>& out) {
  s.Bind(1, search.root.value).Bind(2, search.gen);
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    RankedCandidate r;
    r.c.removed_id = FileId{s.Int(0)};
    r.c.removed_rel = s.Blob(1);
    r.c.removed_hash = HashColumn(s, 2);
    r.c.removed_by_scan = s.Int(3) != 0;
    r.c.new_id = FileId{s.Int(4)};
    r.c.new_root_path = s.Blob(5);
    r.c.new_rel = s.Blob(6);
    r.c.added_by_scan = s.Int(7) != 0;
    r.removed_at = s.Int(8);
    out.push_back(std::move(r));
  }
  return {};
}

Result<std::vector<MoveCandidate>> FindMoveCandidatesAmongSqlite(
    sqlite3* db, const MoveSearch& search) {
  std::vector<RankedCandidate> found;
  // Removed files outside, present files through files_quick_hash.
  const std::string by_removed =
      std::string(kMoveColumns) +
      "FROM files o CROSS JOIN files n ON n.quick_hash = o.quick_hash "
      "  AND n.size = o.size JOIN roots r ON r.id = n.root_id "
      "WHERE o.id IN (";
  for (size_t i = 0; i < search.removed.size(); i += kMoveSearchChunk) {
    const size_t n = std::min(kMoveSearchChunk, search.removed.size() - i);
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db, by_removed + Placeholders(3, n) + ")" +
                                      kMovePair));
    for (size_t k = 0; k < n; ++k) {
      s.Bind(static_cast<int>(3 + k), search.removed[i + k].value);
    }
    PHODEX_TRY(CollectMoveCandidates(s, search, found));
  }
  if (search.written) {
    // Written files outside, removed files through their partial index.
    const std::string by_written =
        std::string(kMoveColumns) +
        "FROM files n CROSS JOIN files o ON o.quick_hash = n.quick_hash "
        "  AND o.size = n.size JOIN roots r ON r.id = n.root_id "
        "WHERE n.root_id = ?1 AND n.rel IN (";
    const std::vector<std::string>& rels = *search.written;
    for (size_t i = 0; i < rels.size(); i += kMoveSearchChunk) {
      const size_t n = std::min(kMoveSearchChunk, rels.size() - i);
      PHODEX_ASSIGN_OR_RETURN(
          Stmt s, Stmt::Prepare(db, by_written + Placeholders(3, n) + ")" +
                                        kMovePair));
      for (size_t k = 0; k < n; ++k) {
        s.BindBlob(static_cast<int>(3 + k), rels[i + k]);
      }
      PHODEX_TRY(CollectMoveCandidates(s, search, found));
    }
  } else {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(db, std::string(kMoveColumns) +
                              "FROM files o CROSS JOIN files n "
                              "  ON n.quick_hash = o.quick_hash "
                              "  AND n.size = o.size "
                              "JOIN roots r ON r.id = n.root_id "
                              "WHERE n.root_id = ?1 AND n.scan_gen = ?2" +
                              kMovePair));
    PHODEX_TRY(CollectMoveCandidates(s, search, found));
  }
  // FindMoveCandidates' order: by present file, most recently removed
  // first; a pair both searches found counts once.
  std::sort(found.begin(), found.end(),
            [](const RankedCandidate& a, const RankedCandidate& b) {
              if (a.c.new_id.value != b.c.new_id.value) {
                return a.c.new_id.value < b.c.new_id.value;
              }
              if (a.removed_at != b.removed_at) {
                return a.removed_at > b.removed_at;
              }
              return a.c.removed_id.value < b.c.removed_id.value;
            });
  std::vector<MoveCandidate> out;
  out.reserve(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    if (i > 0 && found[i].c.new_id == found[i - 1].c.new_id &&
        found[i].c.removed_id == found[i - 1].c.removed_id) {
      continue;
    }
    out.push_back(std::move(found[i].c));
  }
  return out;
}

}  // namespace

}  // namespace phodex::catalog
