#include "catalog/sqlite/sqlite_catalog_impl.h"

#include "catalog/sqlite/pixel_rows.h"

namespace phodex::catalog::sqlite {

namespace {

// A pixel candidate's columns, as CandidateRow reads them.
constexpr char kCandidateSelect[] =
    "SELECT f.id, r.path, f.rel, f.kind, f.size, f.mtime_s, f.hash, "
    "p.version, p.thumbs, p.error IS NOT NULL, "
    "coalesce(m.width * m.height, 0), f.mtime_nsec "
    "FROM files f JOIN roots r ON r.id = f.root_id "
    "LEFT JOIN pixels p ON p.hash = f.hash "
    "LEFT JOIN metadata m ON m.file_id = f.id "
    "WHERE f.present = 1 AND f.kind IN ('photo', 'raw', 'video') ";

PixelCandidate CandidateRow(Stmt& s) {
  PixelCandidate c;
  c.id = FileId{s.Int(0)};
  c.root_path = s.Blob(1);
  c.rel = s.Blob(2);
  c.kind = ParseMediaKind(s.Blob(3)).value_or(MediaKind::kOther);
  c.size = s.Int(4);
  c.mtime = MtimeColumns(s, 5, 11);
  c.hash = HashColumn(s, 6);
  if (!s.IsNull(7)) c.pixel_version = static_cast<int>(s.Int(7));
  c.thumbs_key = s.Blob(8);
  c.pixel_error = s.Int(9) != 0;
  c.pixels = s.Int(10);
  return c;
}

}  // namespace

Result<std::optional<PixelCandidate>> SqliteCatalog::GetPixelCandidate(
    FileId id) {
  static const std::string sql = std::string(kCandidateSelect) + "AND f.id = ?1";
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
  s->Bind(1, id.value);
  PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<PixelCandidate> out;
  if (row) out = CandidateRow(*s);
  s->Reset();
  return out;
}

Result<std::vector<PixelCandidate>> SqliteCatalog::ListPixelCandidates(
    const FileQuery& scope, FileId after, int64_t limit) {
  std::string sql = std::string(kCandidateSelect) +
                    "AND f.id > ?5 AND (?1 IS NULL OR f.root_id = ?1) AND ";
  sql += kPrefixClause;
  sql += " ORDER BY f.id LIMIT ?6";
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
  BindScope(*s, scope);
  s->Bind(5, after.value).Bind(6, limit);
  std::vector<PixelCandidate> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(CandidateRow(*s));
  }
  s->Reset();
  return out;
}

Status SqliteCatalog::SetPixels(const std::vector<PixelUpdate>& updates) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  const std::string sql = sqlite::UpsertPixelsSql();
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(sql.c_str()));
  for (const PixelUpdate& u : updates) {
    BindPixels(*s, u.hash, u.facts);
    PHODEX_TRY(s->Run());
  }
  return txn.Commit();
}

Result<std::optional<FileId>> SqliteCatalog::FindPresentFileWithHash(
    const ContentHash& hash) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("SELECT min(id) FROM files WHERE hash = ?1 AND "
                       "present = 1"));
  s->BindBlob(1, hash.ToBytes());
  PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
  std::optional<FileId> out;
  if (row && !s->IsNull(0)) out = FileId{s->Int(0)};
  s->Reset();
  return out;
}

Result<std::vector<ContentHash>> SqliteCatalog::ListPresentHashes(
    const std::optional<ContentHash>& after, size_t limit) {
  // Along the partial index files_hash, from `after` on.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("SELECT DISTINCT hash FROM files WHERE hash IS NOT "
                       "NULL AND present = 1 AND hash > ?1 ORDER BY hash "
                       "LIMIT ?2"));
  s->BindBlob(1, after ? after->ToBytes() : std::string());
  s->Bind(2, static_cast<int64_t>(limit));
  std::vector<ContentHash> out;
  for (;;) {
    auto row = s->Step();
    if (!row) {
      s->Reset();
      return std::unexpected(row.error());
    }
    if (!*row) break;
    if (auto h = HashColumn(*s, 0)) out.push_back(*h);
  }
  s->Reset();
  return out;
}

Result<PixelTotals> SqliteCatalog::GetPixelTotals(const std::string& thumbs_key) {
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

}  // namespace phodex::catalog::sqlite
