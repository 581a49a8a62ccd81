#include "catalog/sqlite/sqlite_catalog_impl.h"

#include <algorithm>

namespace phodex::catalog::sqlite {

Result<std::vector<MoveCandidate>> SqliteCatalog::FindMoveCandidates(
    RootId root, int64_t gen) {
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

Result<int64_t> SqliteCatalog::CountLikelyMoves(const std::vector<FileId>& ids,
                                 int64_t last_seen_ns) {
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

Status SqliteCatalog::ApplyMove(FileId removed_id, FileId new_id,
                 std::optional<ContentHash> confirmed_hash) {
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
  PHODEX_TRY(NoteChange());
  return txn.Commit();
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

}  // namespace

Result<std::vector<MoveCandidate>> SqliteCatalog::FindMoveCandidatesAmong(
    const MoveSearch& search) {
  sqlite3* db = db_;
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

namespace {

// Whether `inner` is `outer` or lies below it (whole components).
bool AtOrBelow(std::string_view inner, std::string_view outer) {
  return inner.starts_with(outer) &&
         (inner.size() == outer.size() || inner[outer.size()] == '/');
}

// Every row of `root` whose rel is at or below ?2 (kPrefixClause), and the
// rel it takes under ?5: ?5 followed by what comes after ?2. `||` makes
// TEXT of its BLOBs without changing a byte; the CAST makes it a BLOB
// again, as every rel is stored (a TEXT rel would sort apart from them).
constexpr char kRenamedRel[] =
    "CAST(?5 || substr(f.rel, length(?2) + 1) AS BLOB)";

}  // namespace

Result<int64_t> SqliteCatalog::RenameFolder(RootId root, std::string_view from,
                                            std::string_view to) {
  if (from.empty() || to.empty() || AtOrBelow(from, to) ||
      AtOrBelow(to, from)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "folders must be non-empty and apart: '" +
                         std::string(from) + "' -> '" + std::string(to) + "'",
                     "catalog: rename folder");
  }
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  // A present file at or below `to`: the disk holds something there, so
  // the rename the caller saw is not the whole story.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt taken,
      Stmt::Prepare(db_, std::string("SELECT EXISTS (SELECT 1 FROM files f "
                                     "WHERE f.root_id = ?1 AND f.present = 1 "
                                     "AND ") +
                             kPrefixClause + ")"));
  taken.Bind(1, root.value);
  BindPrefix(taken, to);
  PHODEX_ASSIGN_OR_RETURN(bool row, taken.Step());
  if (row && taken.Int(0) != 0) {
    return MakeError(
        ErrorCode::kAlreadyExists,
        "a file is cataloged at or below '" + std::string(to) + "'",
        "catalog: rename folder");
  }
  // Removed rows at the rels the moved rows take are dropped (their
  // metadata with them; sidecar links to them are cut): the (root_id,
  // rel) slot goes to the file that is there now.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt drop,
      Stmt::Prepare(db_, std::string("DELETE FROM files WHERE root_id = ?1 "
                                     "AND present = 0 AND rel IN (SELECT ") +
                             kRenamedRel +
                             " FROM files f WHERE f.root_id = ?1 AND " +
                             kPrefixClause + ")"));
  drop.Bind(1, root.value).BindBlob(5, to);
  BindPrefix(drop, from);
  PHODEX_TRY(drop.Run());
  PHODEX_ASSIGN_OR_RETURN(
      Stmt move,
      Stmt::Prepare(db_, std::string("UPDATE files AS f SET rel = ") +
                             kRenamedRel + " WHERE f.root_id = ?1 AND " +
                             kPrefixClause));
  move.Bind(1, root.value).BindBlob(5, to);
  BindPrefix(move, from);
  PHODEX_TRY(move.Run());
  const int64_t moved = sqlite3_changes64(db_);
  PHODEX_TRY(NoteChange());
  PHODEX_TRY(txn.Commit());
  return moved;
}

}  // namespace phodex::catalog::sqlite
