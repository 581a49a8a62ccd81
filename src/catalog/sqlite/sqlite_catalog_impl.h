#pragma once
// Internal to catalog/sqlite: the SQLite backend object, which implements
// every catalog interface (catalog.h). Its methods are defined by concern,
// one file each:
//
//   sqlite_catalog.cc  opening, configuring, migrating, the exclusive lock
//   roots.cc           RootStore
//   scan_writes.cc     ScanStore (the scan's writes of `files`, and the
//                      two upsert rules)
//   action_writes.cc   DedupWrites, RatingWrites
//   moves.cc           MoveIndex
//   file_queries.cc    FileQueries
//   file_search.cc     FileSearch
//   pixels.cc          PixelStore
//   operations.cc      OperationLog
//   admin.cc           CatalogAdmin
//   jobs.cc            JobQueue
//   timeline.cc        TimelineQueries
//   folders.cc         FolderIndex, and NoteChange (the change counter)
//
// Thread-compatible, like Catalog.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_db.h"

namespace phodex::catalog::sqlite {

// A write transaction. BEGIN IMMEDIATE takes the write lock up front, so
// two processes never deadlock upgrading read locks; the busy timeout makes
// the second one wait. Rolled back unless committed.
class Txn {
 public:
  static Result<Txn> Begin(sqlite3* db) {
    PHODEX_TRY(Exec(db, "BEGIN IMMEDIATE"));
    return Txn(db);
  }
  Txn(Txn&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  ~Txn() {
    if (db_) (void)Exec(db_, "ROLLBACK");  // nothing to do if it fails
  }
  Status Commit() { return Exec(std::exchange(db_, nullptr), "COMMIT"); }

 private:
  explicit Txn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Rows whose rel equals `prefix` or lies below it: "a/b" -> rel = 'a/b' OR
// 'a/b/' <= rel < 'a/b0' ('0' is the byte after '/'). kPrefixClause reads
// ?2, ?3, ?4, which BindPrefix binds for `prefix`.
inline constexpr char kPrefixClause[] =
    "(length(?2) = 0 OR f.rel = ?2 OR (f.rel >= ?3 AND f.rel < ?4))";
void BindPrefix(Stmt& s, std::string_view prefix);
// Binds a scope's root as ?1 (null: every root) and its prefix as
// BindPrefix does, for "(?1 IS NULL OR f.root_id = ?1) AND " kPrefixClause.
void BindScope(Stmt& s, const FileQuery& scope);

// A file time stored as whole seconds (`mtime_s`) and nanoseconds
// (`mtime_nsec`, 0..999999999), docs/catalog.md v8.
FileTime MtimeColumns(const Stmt& s, int sec_col, int nsec_col);
std::optional<ContentHash> HashColumn(const Stmt& s, int col);
void BindHash(Stmt& s, int i, const std::optional<ContentHash>& h);
// Binds a limit: null (no limit) as SQLite's -1.
void BindLimit(Stmt& s, int i, std::optional<int64_t> limit);

// The claim statement of SqliteCatalog::ClaimJobs (jobs.cc), for a test
// that asks SQLite's planner how it runs (EXPLAIN QUERY PLAN).
std::string_view ClaimJobsSqlForTesting();
// The statement of SqliteCatalog::CountActiveJobs, for the same.
std::string_view CountActiveJobsSqlForTesting();
// A page statement of SqliteCatalog::SearchFileIds (with a cursor), for
// the same; `few_matches`: the plan for words that match few files.
std::string SearchSqlForTesting(const SearchFilter& q, bool few_matches);

class SqliteCatalog final : public Catalog {
 public:
  SqliteCatalog(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)) {}
  ~SqliteCatalog() override;

  // --- Opening (sqlite_catalog.cc) ---------------------------------------
  Result<int> UserVersion();
  // The check before a catalog is written (SqliteOptions::Check): every
  // page's structure when the file is small enough, else the schema.
  Status CheckOnOpen(int64_t quick_check_max_bytes);
  // Settings of a read-only connection: only what concerns this process.
  Status ConfigureReadOnly();
  Status Configure();
  // Applies pending migrations up to `max_version` (0: latest), after a
  // backup copy of a non-empty catalog.
  Status Migrate(int max_version);

  // --- RootStore (roots.cc) ----------------------------------------------
  Result<Root> AddRoot(const std::string& path, const std::string& name,
                       int64_t now_ns) override;
  Result<std::vector<Root>> ListRoots() override;
  Status RemoveRoot(RootId root, Purge purge, int64_t now_ns) override;
  Status SetRootIdentity(RootId root, const RootIdentity& id) override;

  // --- ScanStore (scan_writes.cc), DedupWrites, RatingWrites
  // (action_writes.cc) -----------------------------------------------------
  Result<int64_t> NextScanGeneration(RootId root) override;
  Result<std::vector<KnownFile>> ListFolderFiles(
      RootId root, std::string_view folder,
      const std::optional<std::string>& after_rel, size_t limit) override;
  Result<std::vector<KnownFile>> ListKnownFiles(
      RootId root, std::string_view rel_prefix,
      const std::optional<std::string>& after_rel, size_t limit) override;
  Status ApplyBatch(const ScanBatch& b) override;
  Status SetRootScanned(RootId root, int64_t now_ns) override;
  Status SetHashes(const std::vector<HashUpdate>& updates) override;
  Status ApplyDedupWrite(const DedupWrite& w) override;
  Status ApplyRatingWrite(const RatingWrite& w) override;

  // --- MoveIndex (moves.cc) ----------------------------------------------
  Result<std::vector<MoveCandidate>> FindMoveCandidates(RootId root,
                                                        int64_t gen) override;
  Result<std::vector<MoveCandidate>> FindMoveCandidatesAmong(
      const MoveSearch& search) override;
  Result<int64_t> CountLikelyMoves(const std::vector<FileId>& ids,
                                   int64_t last_seen_ns) override;
  Status ApplyMove(FileId removed_id, FileId new_id,
                   std::optional<ContentHash> confirmed_hash) override;
  Result<int64_t> RenameFolder(RootId root, std::string_view from,
                               std::string_view to) override;

  // --- FileQueries (file_queries.cc) -------------------------------------
  Result<std::optional<FileRow>> GetFile(FileId id) override;
  Result<std::optional<FileRow>> FindFile(RootId root,
                                          const std::string& rel) override;
  Result<FilePage> ListFiles(const FileQuery& query, const FileCursor& after,
                             size_t limit) override;
  Result<CatalogStats> Stats() override;
  Result<std::vector<SizeTwin>> ListSizeTwins(int64_t after_size,
                                              size_t max_sizes) override;
  // --- FileSearch (file_search.cc) ---------------------------------------
  Result<SearchIdPage> SearchFileIds(const SearchFilter& filter,
                                     const SearchCursor& after,
                                     size_t limit) override;
  Result<SearchPage> SearchFiles(const SearchFilter& filter,
                                 const SearchCursor& after,
                                 size_t limit) override;
  Result<int64_t> CountSearch(const SearchFilter& filter) override;

  // --- DuplicateQueries (duplicate_queries.cc; ListFilesWithHash in
  // file_queries.cc) -------------------------------------------------------
  Result<SharedHashPage> ListSharedHashes(
      const std::optional<ContentHash>& after, size_t max_hashes,
      size_t max_scan) override;
  Result<std::vector<FileRow>> ListFilesWithHash(const ContentHash& hash,
                                                 size_t limit) override;
  Result<int64_t> CountUnhashedSizeTwins() override;

  // --- PixelStore (pixels.cc) --------------------------------------------
  Result<int64_t> SetMetadata(
      const std::vector<MetadataUpdate>& updates) override;
  Result<std::vector<FileState>> ListFilesAtContentVersion(
      const FileQuery& scope, int content_version, FileId after,
      int64_t limit) override;
  void ReleaseMemory() override;
  Result<std::optional<PixelCandidate>> GetPixelCandidate(FileId id) override;
  Result<std::vector<PixelCandidate>> ListPixelCandidates(
      const FileQuery& scope, FileId after, int64_t limit) override;
  Status SetPixels(const std::vector<PixelUpdate>& updates) override;
  Result<PixelTotals> GetPixelTotals(const std::string& thumbs_key) override;
  Result<std::vector<ContentHash>> ListPresentHashes(
      const std::optional<ContentHash>& after, size_t limit) override;
  Result<std::optional<FileId>> FindPresentFileWithHash(
      const ContentHash& hash) override;

  // --- JobQueue (jobs.cc) -----------------------------------------------
  Result<EnqueueResult> EnqueueJobs(const std::vector<JobSpec>& specs,
                                    int64_t now_ns) override;
  Result<std::vector<Job>> ClaimJobs(const ClaimRequest& req) override;
  Result<int64_t> RenewLeases(const std::vector<JobLease>& leases,
                              int64_t expires_ns) override;
  Result<int64_t> FinishJobs(const std::vector<JobOutcome>& outcomes,
                             int64_t now_ns) override;
  Result<int64_t> ReleaseJobs(const std::vector<JobLease>& leases,
                              int64_t now_ns) override;
  Result<int64_t> ReclaimExpiredLeases(int64_t now_ns,
                                       int64_t retry_at_ns) override;
  Result<int64_t> AgeJobs(const AgeRequest& req) override;
  Result<std::vector<JobCount>> CountJobs() override;
  Result<std::vector<JobCount>> CountActiveJobs() override;
  Result<std::vector<Job>> ListJobs(const JobFilter& filter) override;
  Result<int64_t> RetryJobs(const JobFilter& filter, int64_t now_ns) override;
  Result<int64_t> CancelJobs(const JobFilter& filter, int64_t now_ns) override;
  Status SetKindPaused(std::string_view kind, Pause pause) override;
  Result<std::vector<std::string>> PausedKinds() override;
  Result<int64_t> PruneJobs(int64_t before_ns) override;
  Result<int64_t> PrioritizeFileJob(std::string_view kind, FileId file,
                                    int priority) override;

  // --- TimelineQueries (timeline.cc) ------------------------------------
  Result<std::vector<TimelineSection>> ListTimelineSections(
      size_t size) override;
  Result<std::vector<TimelineItem>> ListTimelineItems(
      const TimelineRange& range, size_t limit) override;

  // --- FolderIndex (folders.cc) ------------------------------------------
  Result<int64_t> ContentVersion() override;
  Result<std::vector<FolderTally>> TallyFolders(RootId root) override;

  // --- OperationLog (operations.cc) --------------------------------------
  Result<OperationId> BeginOperation(const Operation& op) override;
  Status FinishOperation(OperationId id, OperationStatus status,
                         const OperationCounts& c, const std::string& error,
                         int64_t now_ns) override;
  Result<std::vector<Operation>> InterruptStaleOperations(
      RootId root, int64_t now_ns) override;
  Result<std::vector<Operation>> InterruptOrphanedOperations(
      const std::string& host,
      const std::function<bool(const Operation&)>& gone,
      int64_t now_ns) override;
  Status RecordFileErrors(OperationId op,
                          const std::vector<FileErrorEntry>& errors,
                          int64_t now_ns) override;
  Result<bool> DropUnchangedOperation(OperationId id) override;
  Result<std::vector<Operation>> ListOperations(
      std::optional<int64_t> limit) override;
  Result<std::vector<FileErrorRow>> ListFileErrors(
      std::optional<OperationId> op, std::optional<int64_t> limit) override;
  Result<std::vector<Operation>> ListOperationsPage(
      const OperationFilter& filter) override;
  Result<std::optional<Operation>> GetOperation(OperationId id) override;

  // --- CatalogAdmin (admin.cc) -------------------------------------------
  Result<SchemaStatus> GetSchemaStatus() override;
  Status CheckIntegrity() override;
  bool Damaged() override;
  Status BackupTo(const std::string& path) override;
  Result<SalvageReport> CopyReadableRowsTo(Catalog& dest) override;
  Result<int64_t> SizeOnDisk() override;

 private:
  // Statements prepared once and reused (SQLITE_PREPARE_PERSISTENT).
  Result<Stmt*> Cached(const std::string& sql);
  // Bumps the change counter (ContentVersion). Every write to roots,
  // files or metadata calls it, inside its transaction, or after its
  // one statement when it has none (never before: a reader could then
  // cache the old rows under the new number).
  // A catalog opened below schema v13 (tests open old schemas;
  // `migrate --status` opens without migrating) has no counter: then
  // NoteChange does nothing and ContentVersion fails.
  Status NoteChange();
  Result<bool> HasChangeCounter();
  // Copies the catalog to "<path>.v<version>.bak" before migrating.
  Status Backup(int version);
  // What ApplyBatch writes, inside the caller's transaction.
  Status WriteBatch(const ScanBatch& b);
  // The operation's running counts, and its checkpoint if not null.
  Status WriteOperationCounts(OperationId op, const OperationCounts& counts,
                              const std::string* checkpoint);
  Status WriteFileError(OperationId op, RootId root, const FileErrorEntry& e,
                        int64_t now_ns);
  // One row of FileRow from the query `where` (after the joins; it may
  // read ?8 and ?9), bound by `bind`.
  Result<std::optional<FileRow>> QueryOneFile(
      const std::string& where, const std::function<void(Stmt&)>& bind);
  // Operations matching `where` (which may read ?1 = `root`), newest
  // first, at most `limit`.
  Result<std::vector<Operation>> QueryOperations(const std::string& where,
                                                 int64_t root,
                                                 std::optional<int64_t> limit);
  // The same, `where` bound by `bind` (?2 is the limit).
  Result<std::vector<Operation>> QueryOperations(
      const std::string& where, const std::function<void(Stmt&)>& bind,
      std::optional<int64_t> limit);

  // The timeline's sections and undated files as of now (timeline.cc):
  // the cache below, computed again (with `size`, 0: the last size asked,
  // else 500) when the catalog changed since or `size` differs.
  struct TimelineCache {
    // The catalog's content version it was computed at: PRAGMA
    // data_version (other connections' commits) and this connection's
    // sqlite3_total_changes64. Valid while both are unchanged.
    int64_t data_version = -1;
    int64_t changes = -1;
    size_t size = 0;
    std::vector<TimelineSection> sections;
    // The undated files in timeline order, when they are at most a
    // sixteenth of the timeline (then a range of them is read by id, not
    // by stepping over the dated files between them); else null.
    std::optional<std::vector<TimelinePos>> sparse_undated;
  };
  Result<const TimelineCache*> CurrentTimeline(size_t size);
  Status ComputeTimeline(size_t size, TimelineCache& out);
  // Undated items of `range` from the cache's list, by id.
  Status ListSparseUndated(const std::vector<TimelinePos>& undated,
                           const TimelineRange& range, size_t limit,
                           std::vector<TimelineItem>& out);

  sqlite3* db_;
  std::string path_;
  std::map<std::string, Stmt> stmts_;
  TimelineCache timeline_cache_;
  std::optional<bool> has_change_counter_;  // looked up once
};

}  // namespace phodex::catalog::sqlite
