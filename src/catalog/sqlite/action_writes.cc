// The write sets of `dupes --apply` (DedupWrites) and `rate`
// (RatingWrites), each one transaction.
#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {

Status SqliteCatalog::ApplyDedupWrite(const DedupWrite& w) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  // The root's current generation (0 once the root is removed), as if its
  // last scan had written the row.
  constexpr char kRootGen[] =
      "coalesce((SELECT scan_gen FROM roots WHERE id=?2 AND removed_at IS "
      "NULL), 0)";
  if (w.removed) {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * s,
        Cached(std::string("UPDATE files SET present=0, removed_at=?3, "
                           "scan_gen=") +
               kRootGen +
               ", last_seen=max(last_seen, ?3) WHERE id=?1 AND present=1"));
    PHODEX_TRY(s->Bind(1, w.removed->value)
                   .Bind(2, w.root.value)
                   .Bind(3, w.now_ns)
                   .Run());
  }
  if (w.relinked) {
    const FileStat& st = w.relinked->stat;
    // Rule 2 (scan_store.h): metadata read from the old inode goes.
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * drop,
        Cached("DELETE FROM metadata WHERE file_id = (SELECT id FROM files "
               "WHERE id=?1 AND (size IS NOT ?2 OR mtime_s IS NOT ?3 OR "
               "mtime_nsec IS NOT ?4 OR ino IS NOT ?5))"));
    PHODEX_TRY(drop->Bind(1, w.relinked->id.value)
                   .Bind(2, st.size)
                   .Bind(3, st.mtime.sec)
                   .Bind(4, st.mtime.nsec)
                   .Bind(5, static_cast<int64_t>(st.ino))
                   .Run());
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * s,
        Cached(std::string("UPDATE files SET size=?3, mtime_s=?4, "
                           "mtime_nsec=?5, dev=?6, ino=?7, scan_gen=") +
               kRootGen +
               ", last_seen=?8, content_version=CASE WHEN present=1 THEN "
               "content_version ELSE 0 END, present=1, removed_at=NULL "
               "WHERE id=?1"));
    PHODEX_TRY(s->Bind(1, w.relinked->id.value)
                   .Bind(2, w.root.value)
                   .Bind(3, st.size)
                   .Bind(4, st.mtime.sec)
                   .Bind(5, st.mtime.nsec)
                   .Bind(6, static_cast<int64_t>(st.dev))
                   .Bind(7, static_cast<int64_t>(st.ino))
                   .Bind(8, w.now_ns)
                   .Run());
  }
  if (w.problem) {
    PHODEX_TRY(WriteFileError(w.op, w.root, *w.problem, w.now_ns));
  }
  if (w.op.value != 0) {
    // A dupes run keeps no checkpoint.
    PHODEX_TRY(WriteOperationCounts(w.op, w.counts, nullptr));
  }
  PHODEX_TRY(NoteChange());
  return txn.Commit();
}

Status SqliteCatalog::ApplyRatingWrite(const RatingWrite& w) {
  // A scan of that one file, outside any operation.
  ScanBatch b;
  b.root = w.root;
  b.scan_gen = w.scan_gen;
  b.now_ns = w.now_ns;
  b.upserts.push_back(w.file);
  if (w.sidecar_of) b.links.push_back({w.file.rel, w.sidecar_of});
  return ApplyBatch(b);
}

}  // namespace phodex::catalog::sqlite
