// DuplicateQueries (catalog/duplicate_queries.h) on SQLite: along the
// partial index files_hash (hash of present files), docs/catalog.md.

#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {

Result<SharedHashPage> SqliteCatalog::ListSharedHashes(
    const std::optional<ContentHash>& after, size_t max_hashes,
    size_t max_scan) {
  PHODEX_CHECK(max_hashes > 0 && max_scan > 0);
  // A window of at most `max_scan` index entries from `after` on, its runs
  // of equal hashes counted here: the last run of a full window may go on
  // past it, so it is left for the next call.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("SELECT hash FROM files WHERE hash IS NOT NULL AND "
                       "present = 1 AND hash > ?1 ORDER BY hash LIMIT ?2"));
  s->BindBlob(1, after ? after->ToBytes() : std::string());
  s->Bind(2, static_cast<int64_t>(max_scan));
  SharedHashPage page;
  std::optional<ContentHash> run;  // the run being counted
  int64_t run_files = 0;
  std::optional<ContentHash> last_complete;
  size_t read = 0;
  bool stopped = false;  // max_hashes found
  auto finish_run = [&] {
    if (!run) return;
    if (run_files >= 2) page.hashes.push_back({*run, run_files});
    last_complete = run;
    stopped = page.hashes.size() >= max_hashes;
  };
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());  // resets on error
    if (!row) break;
    ++read;
    const std::optional<ContentHash> h = HashColumn(*s, 0);
    if (!h) continue;  // not 16 bytes: not a hash this phodex wrote
    if (run && *h == *run) {
      ++run_files;
      continue;
    }
    finish_run();
    if (stopped) break;
    run = h;
    run_files = 1;
  }
  s->Reset();
  if (stopped) {
    page.next = last_complete;
    return page;
  }
  if (read < max_scan) {
    finish_run();  // the index ended: the last run is whole
    if (stopped) page.next = last_complete;
    return page;
  }
  if (last_complete) {
    page.next = last_complete;  // the last run is read again next time
    return page;
  }
  if (!run) return page;
  // The whole window is one hash: count it whole, so that the next call
  // moves on.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * count, Cached("SELECT count(*) FROM files WHERE hash = ?1 AND "
                           "present = 1"));
  count->BindBlob(1, run->ToBytes());
  PHODEX_ASSIGN_OR_RETURN(bool counted, count->Step());
  const int64_t n = counted ? count->Int(0) : 0;
  count->Reset();
  if (n >= 2) page.hashes.push_back({*run, n});
  page.next = run;
  return page;
}

Result<int64_t> SqliteCatalog::CountUnhashedSizeTwins() {
  // The shared sizes along files_present_size, then their files.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s,
      Cached("SELECT count(*) FROM files WHERE present = 1 AND hash IS NULL "
             "AND size IN (SELECT size FROM files WHERE present = 1 AND "
             "size > 0 GROUP BY size HAVING count(*) > 1)"));
  PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
  const int64_t n = row ? s->Int(0) : 0;
  s->Reset();
  return n;
}

}  // namespace phodex::catalog::sqlite
