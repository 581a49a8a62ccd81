#include "catalog/sqlite/sqlite_catalog_impl.h"

#include "catalog/sqlite/metadata_rows.h"

namespace phodex::catalog::sqlite {
namespace {

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

// The columns of a KnownFile (ReadKnownFile), and whether the file is
// present; the caller adds WHERE.
constexpr char kKnownFileSelect[] =
    "SELECT f.id, f.rel, f.size, f.mtime_s, f.ino, f.kind, t.rel, "
    "f.content_version, f.hash IS NOT NULL, f.sha256 IS NOT NULL, "
    "f.mtime_nsec, f.present FROM files f "
    "LEFT JOIN files t ON t.id = f.sidecar_of ";
constexpr int kKnownFilePresentColumn = 11;

KnownFile ReadKnownFile(const Stmt& s) {
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
  return k;
}

}  // namespace

Result<int64_t> SqliteCatalog::NextScanGeneration(RootId root) {
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

Result<std::vector<KnownFile>> SqliteCatalog::ListKnownFiles(
    RootId root, std::string_view rel_prefix,
    const std::optional<std::string>& after_rel, size_t limit) {
  // A range of the (root_id, rel) index: from the cursor (or the prefix)
  // up, to the end of the prefix's range; no sort, however large the root.
  std::string sql = kKnownFileSelect;
  sql += "WHERE f.root_id=?1 AND f.present=1 AND ";
  sql += kPrefixClause;
  sql += after_rel ? " AND f.rel > ?5" : " AND f.rel >= ?5";
  if (!rel_prefix.empty()) sql += " AND f.rel < ?4";
  sql += " ORDER BY f.rel LIMIT ?6";
  PHODEX_ASSIGN_OR_RETURN(Stmt * s, Cached(sql));
  s->Bind(1, root.value);
  BindPrefix(*s, rel_prefix);
  s->BindBlob(5, after_rel ? *after_rel : std::string(rel_prefix));
  s->Bind(6, static_cast<int64_t>(limit));
  std::vector<KnownFile> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadKnownFile(*s));
  }
  s->Reset();
  return out;
}

Result<std::vector<KnownFile>> SqliteCatalog::ListFolderFiles(
    RootId root, std::string_view folder,
    const std::optional<std::string>& after_rel, size_t limit) {
  // A skip scan of the (root_id, rel) index (sqlite_autoindex_files_1):
  // each read is a SEARCH of the range [from, end) in rel order. A row
  // below a sub-folder ends the read, and the next starts past that
  // sub-folder's whole range ('sub0': '0' is the byte after '/'), so the
  // cost is one index seek per file of the folder plus one per sub-folder
  // holding known files, whatever lies below them. Removed rows are read
  // (and skipped) so that a sub-folder of removed files is jumped too.
  // No schema change: the unique index fits (EXPLAIN QUERY PLAN, SQLite
  // 3.40: "SEARCH f USING INDEX sqlite_autoindex_files_1 (root_id=? AND
  // rel>? AND rel<?)"); a parent-folder column and index would save the
  // sub-folder seeks but cost a migration and a wider index on every row.
  const std::string base = folder.empty() ? "" : std::string(folder) + "/";
  std::string sql = kKnownFileSelect;
  sql += "WHERE f.root_id=?1 AND f.rel >= ?2";
  if (!folder.empty()) sql += " AND f.rel < ?3";
  sql += " ORDER BY f.rel LIMIT ?4";
  PHODEX_ASSIGN_OR_RETURN(Stmt * s, Cached(sql));
  // The smallest rel after `after_rel` is `after_rel` with a NUL byte.
  std::string from = after_rel ? *after_rel + '\0' : base;
  std::vector<KnownFile> out;
  while (out.size() < limit) {
    const int64_t asked = static_cast<int64_t>(limit - out.size());
    s->Bind(1, root.value).BindBlob(2, from).Bind(4, asked);
    if (!folder.empty()) s->BindBlob(3, std::string(folder) + "0");
    int64_t rows = 0;
    bool jumped = false;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ++rows;
      const std::string rel = s->Blob(1);
      const size_t slash = rel.find('/', base.size());
      if (slash != std::string::npos) {
        from = rel.substr(0, slash) + "0";
        jumped = true;
        break;
      }
      from = rel + '\0';
      if (s->Int(kKnownFilePresentColumn) != 0) {
        out.push_back(ReadKnownFile(*s));
      }
    }
    s->Reset();
    if (!jumped && rows < asked) break;  // the folder's range is read
  }
  return out;
}

Status SqliteCatalog::ApplyBatch(const ScanBatch& b) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  PHODEX_TRY(WriteBatch(b));
  PHODEX_TRY(NoteChange());
  return txn.Commit();
}

Status SqliteCatalog::WriteBatch(const ScanBatch& b) {
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
  for (const FileErrorEntry& e : b.errors) {
    PHODEX_TRY(WriteFileError(b.op, b.root, e, b.now_ns));
  }
  if (b.op.value != 0) {
    PHODEX_TRY(WriteOperationCounts(b.op, b.counts, &b.checkpoint));
  }
  return {};
}

Status SqliteCatalog::WriteOperationCounts(OperationId op,
                                           const OperationCounts& c,
                                           const std::string* checkpoint) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("UPDATE operations SET scanned=?2, added=?3, "
                       "updated=?4, removed=?5, errors=?6, "
                       "checkpoint=coalesce(?7, checkpoint), moved=?8 "
                       "WHERE id=?1"));
  s->Bind(1, op.value)
      .Bind(2, c.scanned)
      .Bind(3, c.added)
      .Bind(4, c.updated)
      .Bind(5, c.removed)
      .Bind(6, c.errors)
      .Bind(8, c.moved);
  if (checkpoint) {
    s->BindText(7, *checkpoint);
  } else {
    s->BindNull(7);
  }
  return s->Run();
}

Status SqliteCatalog::WriteFileError(OperationId op, RootId root,
                                     const FileErrorEntry& e, int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("INSERT INTO file_errors(operation_id, root_id, "
                       "path, op, reason, at) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  return s->Bind(1, op.value)
      .Bind(2, root.value)
      .BindBlob(3, e.path)
      .BindText(4, e.op)
      .BindText(5, e.reason)
      .Bind(6, now_ns)
      .Run();
}

Status SqliteCatalog::SetHashes(const std::vector<HashUpdate>& updates) {
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
  PHODEX_TRY(NoteChange());
  return txn.Commit();
}

Result<int64_t> SqliteCatalog::SetMetadata(
    const std::vector<MetadataUpdate>& updates) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* row, Cached("UPDATE files SET content_version=?6, last_error=?7 "
                        "WHERE id=?1 AND present=1 AND size=?2 AND "
                        "mtime_s=?3 AND mtime_nsec=?4 AND ino=?5"));
  PHODEX_ASSIGN_OR_RETURN(Stmt* drop,
                          Cached("DELETE FROM metadata WHERE file_id=?1"));
  static const std::string kUpsertMetadata = UpsertMetadataSql();
  PHODEX_ASSIGN_OR_RETURN(Stmt* meta, Cached(kUpsertMetadata.c_str()));
  int64_t stored = 0;
  for (const MetadataUpdate& u : updates) {
    row->Bind(1, u.id.value)
        .Bind(2, u.size)
        .Bind(3, u.mtime.sec)
        .Bind(4, u.mtime.nsec)
        .Bind(5, static_cast<int64_t>(u.ino))
        .Bind(6, u.content_version)
        .BindOptText(7, u.error);
    PHODEX_TRY(row->Run());
    if (sqlite3_changes(db_) != 1) continue;  // changed or gone since
    ++stored;
    if (u.metadata) {
      BindMetadata(*meta, u.id.value, *u.metadata);
      PHODEX_TRY(meta->Run());
    } else {
      PHODEX_TRY(drop->Bind(1, u.id.value).Run());
    }
  }
  PHODEX_TRY(NoteChange());
  PHODEX_TRY(txn.Commit());
  return stored;
}

Result<std::vector<FileState>> SqliteCatalog::ListFilesAtContentVersion(
    const FileQuery& scope, int content_version, FileId after,
    int64_t limit) {
  // By id within the root: the (root_id, rel) index narrows to the scope,
  // the rest is filtered; a reconciliation's pass over a root reads it once.
  std::string sql =
      "SELECT f.id, f.size, f.mtime_s, f.mtime_nsec FROM files f "
      "WHERE f.present = 1 AND f.content_version = ?7 AND f.id > ?5 "
      "AND (?1 IS NULL OR f.root_id = ?1) AND ";
  sql += kPrefixClause;
  sql += " ORDER BY f.id LIMIT ?6";
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
  BindScope(*s, scope);
  s->Bind(5, after.value).Bind(6, limit).Bind(7, content_version);
  std::vector<FileState> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool more, s->Step());
    if (!more) break;
    out.push_back({FileId{s->Int(0)}, s->Int(1),
                   MtimeColumns(*s, 2, 3)});
  }
  s->Reset();
  return out;
}

Status SqliteCatalog::SetRootScanned(RootId root, int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("UPDATE roots SET last_scanned_at=?2 WHERE id=?1"));
  PHODEX_TRY(s->Bind(1, root.value).Bind(2, now_ns).Run());
  return NoteChange();
}

}  // namespace phodex::catalog::sqlite
