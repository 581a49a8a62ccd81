#include "catalog/sqlite/sqlite_catalog_impl.h"

#include <algorithm>
#include <map>

#include "catalog/sqlite/metadata_rows.h"
#include "catalog/sqlite/pixel_rows.h"

namespace phodex::catalog::sqlite {
namespace {

// The columns FileRowSelect selects after f.mtime_nsec (19): s.rel (20), the
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


// The SELECT of a FileRow and its joins, up to "WHERE ". Reads ?7: load
// the tags.
std::string FileRowSelect() {
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
  return sql;
}

// Reads the row `s` (a FileRowSelect) is on.
void ReadFileRow(const Stmt& s, bool with_tags, FileRow& r) {
  // After the file's and the sidecar's metadata (see ReadMergedMetadata).
  constexpr int kPixelFirst = 22 + 2 * kMetadataColumnCount + 1;
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
  ReadMergedMetadata(s, with_tags, r);
  r.pixels = ReadPixels(s, kPixelFirst);
  r.pair.reset();
}

// The WHERE clause of ListFiles after FileRowSelect: ?1 root, ?2..?4 the
// prefix, ?5 kind, ?6 limit, ?8 and ?9 the cursor. Ordered as the
// (root_id, rel) index, in which the cursor starts a range.
std::string ListFilesWhere(const FileQuery& q, const FileCursor& after) {
  std::string sql = kPrefixClause;
  if (q.root) {
    sql += " AND f.root_id = ?1";
    if (!q.rel_prefix.empty()) sql += " AND f.rel >= ?2 AND f.rel < ?4";
    if (!after.at_start()) sql += " AND f.rel > ?9";
  } else if (!after.at_start()) {
    sql += " AND (f.root_id, f.rel) > (?8, ?9)";
  }
  if (q.kind) sql += " AND f.kind = ?5";
  switch (q.presence) {
    case FileQuery::Presence::kPresent: sql += " AND f.present=1"; break;
    case FileQuery::Presence::kRemoved: sql += " AND f.present=0"; break;
    case FileQuery::Presence::kAll: break;
  }
  return sql + " ORDER BY f.root_id, f.rel LIMIT ?6";
}

}  // namespace

Result<FilePage> SqliteCatalog::ListFiles(const FileQuery& q,
                                          const FileCursor& after,
                                          size_t limit) {
  PHODEX_CHECK(limit > 0);
  PHODEX_ASSIGN_OR_RETURN(Stmt * s,
                          Cached(FileRowSelect() + ListFilesWhere(q, after)));
  if (q.root) s->Bind(1, q.root->value);
  BindPrefix(*s, q.rel_prefix);
  if (q.kind) s->BindText(5, MediaKindName(*q.kind));
  // One row more than the page tells whether another page follows.
  s->Bind(6, static_cast<int64_t>(limit) + 1);
  s->Bind(7, q.with_tags ? 1 : 0);
  if (!after.at_start()) s->Bind(8, after.root.value).BindBlob(9, after.rel);
  FilePage page;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (page.rows.size() == limit) {
      page.next = FileCursor{page.rows.back().root, page.rows.back().rel};
      break;
    }
    ReadFileRow(*s, q.with_tags, page.rows.emplace_back());
  }
  s->Reset();  // the read ends here, before the caller sees the page
  if (q.with_pairs) {
    PHODEX_ASSIGN_OR_RETURN(Stmt * partners, Cached(kCapturePartnersSql));
    for (FileRow& r : page.rows) {
      if (r.present) {
        PHODEX_ASSIGN_OR_RETURN(r.pair, FindCapturePartner(*partners, r));
      }
    }
  }
  return page;
}

Result<std::optional<FileRow>> SqliteCatalog::QueryOneFile(
    const std::string& where, const std::function<void(Stmt&)>& bind) {
  PHODEX_ASSIGN_OR_RETURN(Stmt * s, Cached(FileRowSelect() + where));
  s->Bind(7, 0);
  bind(*s);
  PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<FileRow> out;
  if (row) ReadFileRow(*s, /*with_tags=*/false, out.emplace());
  s->Reset();
  return out;
}

Result<std::optional<FileRow>> SqliteCatalog::GetFile(FileId id) {
  return QueryOneFile("f.id = ?1", [&](Stmt& s) { s.Bind(1, id.value); });
}

Result<std::optional<FileRow>> SqliteCatalog::FindFile(RootId root,
                                                       const std::string& rel) {
  return QueryOneFile("f.root_id = ?1 AND f.rel = ?2", [&](Stmt& s) {
    s.Bind(1, root.value).BindBlob(2, rel);
  });
}

Result<std::vector<SizeTwin>> SqliteCatalog::ListSizeTwins(int64_t after_size,
                                                          size_t max_sizes) {
  // The next `max_sizes` shared sizes along the partial index
  // files_present_size, then their files.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s,
      Cached("SELECT f.id, r.path, f.rel, f.size, f.dev, f.ino, "
             "f.mtime_s, f.quick_hash, f.hash, f.mtime_nsec "
             "FROM files f JOIN roots r ON r.id = f.root_id "
             "WHERE f.present = 1 AND f.size IN ("
             "  SELECT size FROM files WHERE present = 1 AND size > ?1 "
             "  GROUP BY size HAVING count(*) > 1 ORDER BY size LIMIT ?2) "
             "ORDER BY f.size, f.id"));
  s->Bind(1, std::max<int64_t>(after_size, 0))
      .Bind(2, static_cast<int64_t>(max_sizes));
  std::vector<SizeTwin> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SizeTwin& t = out.emplace_back();
    t.id = FileId{s->Int(0)};
    t.root_path = s->Blob(1);
    t.rel = s->Blob(2);
    t.size = s->Int(3);
    t.dev = static_cast<uint64_t>(s->Int(4));
    t.ino = static_cast<uint64_t>(s->Int(5));
    t.mtime = MtimeColumns(*s, 6, 9);
    t.quick_hash = HashColumn(*s, 7);
    t.hash = HashColumn(*s, 8);
  }
  s->Reset();
  return out;
}

Result<std::vector<FileRow>> SqliteCatalog::ListFilesWithHash(
    const ContentHash& hash, size_t limit) {
  PHODEX_CHECK(limit > 0);
  // Along the partial index files_hash.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached(FileRowSelect() +
                       "f.hash = ?1 AND f.present = 1 ORDER BY f.id LIMIT ?2"));
  s->BindBlob(1, hash.ToBytes());
  s->Bind(2, static_cast<int64_t>(limit));
  s->Bind(7, 0);
  std::vector<FileRow> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());  // resets on error
    if (!row) break;
    ReadFileRow(*s, /*with_tags=*/false, out.emplace_back());
  }
  s->Reset();
  return out;
}

Result<CatalogStats> SqliteCatalog::Stats() {
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

}  // namespace phodex::catalog::sqlite
