#include "catalog/sqlite/sqlite_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "catalog/schema/migrations.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FileUpsert Upsert(std::string rel, int64_t size = 1, MediaKind kind = MediaKind::kPhoto) {
  FileUpsert u;
  u.rel = std::move(rel);
  u.stat.size = size;
  u.stat.mtime = FileTime::FromNanos(5);
  u.stat.ino = 9;
  u.stat.dev = 1;
  u.kind = kind;
  return u;
}

class SqliteCatalogTest : public ::testing::Test {
 protected:
  std::unique_ptr<Catalog> Open(SqliteOptions opts = {}) {
    auto c = OpenSqliteCatalog(path_, opts);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  std::vector<std::string> Rels(Catalog& c, FileQuery q = {}) {
    std::vector<std::string> out;
    EXPECT_TRUE(c.ForEachFile(q, [&](const FileRow& r) { out.push_back(r.rel); }));
    return out;
  }
  testing::TempDir dir_;
  std::string path_ = dir_ / "catalog.db";
};

TEST_F(SqliteCatalogTest, NewCatalogIsAtLatestVersion) {
  auto c = Open();
  auto s = c->GetSchemaStatus();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->current, LatestSchemaVersion());
  EXPECT_TRUE(s->pending.empty());
  EXPECT_TRUE(c->CheckIntegrity());
  // A fresh catalog needs no backup.
  EXPECT_FALSE(std::filesystem::exists(path_ + ".v0.bak"));
}

TEST_F(SqliteCatalogTest, OlderCatalogIsBackedUpAndMigratedKeepingData) {
  {
    SqliteOptions old;
    old.max_version_ForTesting = 1;
    auto c = Open(old);
    ASSERT_EQ(c->GetSchemaStatus()->current, 1);
  }
  {
    // Rows as a phodex of schema v1 wrote them.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(
                  db,
                  "INSERT INTO roots(id, path, name, added_at) "
                  "VALUES(1, CAST('/photos' AS BLOB), 'photos', 1);"
                  "INSERT INTO files(root_id, rel, size, mtime_ns, dev, ino, "
                  "kind, scan_gen, first_seen, last_seen) VALUES "
                  "(1, CAST('a.jpg' AS BLOB), 1, 5, 1, 9, 'photo', 1, 1, 1),"
                  "(1, CAST('b.xmp' AS BLOB), 1, 5, 1, 9, 'sidecar', 1, 1, 1);",
                  nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    SqliteOptions no;
    no.migrate = SqliteOptions::Migrate::kNo;
    auto c = Open(no);
    auto s = c->GetSchemaStatus();
    EXPECT_EQ(s->current, 1);
    // Every migration after v1 (counted, not computed from the version:
    // versions are merged from several branches).
    ASSERT_EQ(s->pending.size(), AllMigrations().size() - 1);
    EXPECT_EQ(s->pending[0].first, 2);
  }
  auto c = Open();
  EXPECT_EQ(c->GetSchemaStatus()->current, LatestSchemaVersion());
  EXPECT_THAT(Rels(*c), ElementsAre("a.jpg", "b.xmp"));
  // The backup is a usable catalog at the old version.
  ASSERT_TRUE(std::filesystem::exists(path_ + ".v1.bak"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(( path_ + ".v1.bak").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
  // v2 works: sidecar linking.
  ScanBatch b;
  b.root = c->ListRoots()->at(0).id;
  b.links = {SidecarLink{"b.xmp", "a.jpg"}};
  ASSERT_TRUE(c->ApplyBatch(b));
  std::optional<FileId> link;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) {
    if (r.rel == "b.xmp") link = r.sidecar_of;
  }));
  EXPECT_TRUE(link.has_value());
}

TEST_F(SqliteCatalogTest, NewerCatalogIsRefusedAndLeftUntouched) {
  {
    auto c = Open();
    ASSERT_TRUE(c->AddRoot("/p", "p", 1));
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); "
                               "PRAGMA journal_mode=DELETE; PRAGMA user_version=999",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = ReadAll(path_);
  auto c = OpenSqliteCatalog(path_, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(c.error().ToString(), HasSubstr("newer phodex"));
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(SqliteCatalogTest, NotACatalogIsAClearError) {
  std::ofstream(path_) << "this is not a database, it is a shopping list\n";
  auto c = OpenSqliteCatalog(path_, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kCorrupt);
}

TEST_F(SqliteCatalogTest, UpsertKeepsIdsAndFirstSeen) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  b.now_ns = 100;
  b.upserts = {Upsert("x.jpg", 1)};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow first;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { first = r; }));
  b.now_ns = 200;
  b.upserts = {Upsert("x.jpg", 2)};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow second;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { second = r; }));
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.size, 2);
  EXPECT_EQ(second.first_seen_ns, 100);
  EXPECT_EQ(second.last_seen_ns, 200);
}

TEST_F(SqliteCatalogTest, RemovedFilesKeepTheirRecordAndComeBack) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  b.upserts = {Upsert("x.jpg")};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileId id;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) { id = k.id; }));
  ScanBatch r;
  r.root = root;
  r.now_ns = 50;
  r.removals = {id};
  ASSERT_TRUE(c->ApplyBatch(r));
  EXPECT_TRUE(Rels(*c).empty());
  FileQuery removed;
  removed.presence = FileQuery::Presence::kRemoved;
  EXPECT_THAT(Rels(*c, removed), ElementsAre("x.jpg"));
  int known = 0;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&&) { ++known; }));
  EXPECT_EQ(known, 0);
  // It reappears: same record, present again.
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow row;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& f) { row = f; }));
  EXPECT_EQ(row.id, id);
  EXPECT_TRUE(row.present);
  EXPECT_FALSE(row.removed_ns.has_value());
}

TEST_F(SqliteCatalogTest, PrefixQueriesMatchWholeComponents) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  b.upserts = {Upsert("2020/a.jpg"), Upsert("2020/sub/b.jpg"),
               Upsert("2020-extra/c.jpg"), Upsert("2020.jpg"),
               Upsert("2021/d.jpg")};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileQuery q;
  q.root = root;
  q.rel_prefix = "2020";
  EXPECT_THAT(Rels(*c, q), ElementsAre("2020/a.jpg", "2020/sub/b.jpg"));
  std::vector<std::string> known;
  ASSERT_TRUE(c->ForEachKnownFile(root, "2020", [&](KnownFile&& k) {
    known.push_back(k.rel);
  }));
  EXPECT_THAT(known, ElementsAre("2020/a.jpg", "2020/sub/b.jpg"));
  int all = 0;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&&) { ++all; }));
  EXPECT_EQ(all, 5);
  q.rel_prefix = "2020.jpg";  // a single file
  EXPECT_THAT(Rels(*c, q), ElementsAre("2020.jpg"));
}

TEST_F(SqliteCatalogTest, NonUtf8NamesRoundTripByteExact) {
  auto c = Open();
  const std::string root_path = "/p/caf\xE9";
  RootId root = c->AddRoot(root_path, "cafe", 1)->id;
  ScanBatch b;
  b.root = root;
  const std::string rel = std::string("\xFF\xFE/na\xEFve.jpg", 13);
  b.upserts = {Upsert(rel)};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow row;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { row = r; }));
  EXPECT_EQ(row.rel, rel);
  EXPECT_EQ(row.root_path, root_path);
}

TEST_F(SqliteCatalogTest, RootsAreUniqueAndRemovalKeepsOrPurgesRecords) {
  auto c = Open();
  auto a = c->AddRoot("/a", "a", 1);
  ASSERT_TRUE(a);
  EXPECT_EQ(c->AddRoot("/a", "other", 1).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(c->AddRoot("/b", "a", 1).error().code(), ErrorCode::kAlreadyExists);
  ScanBatch b;
  b.root = a->id;
  b.upserts = {Upsert("x.jpg")};
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->RemoveRoot(a->id, Purge::kNo, 2));
  FileQuery all;
  all.presence = FileQuery::Presence::kAll;
  EXPECT_THAT(Rels(*c, all), ElementsAre("x.jpg"));
  // The path is free again.
  auto again = c->AddRoot("/a", "a", 3);
  ASSERT_TRUE(again) << again.error().ToString();
  ASSERT_TRUE(c->RemoveRoot(a->id, Purge::kYes, 4));
  EXPECT_TRUE(Rels(*c, all).empty());
}

TEST_F(SqliteCatalogTest, StaleRunningOperationsBecomeInterrupted) {
  auto c = Open();
  RootId root = c->AddRoot("/a", "a", 1)->id;
  Operation op;
  op.type = "scan";
  op.root = root;
  op.started_ns = 10;
  auto id = c->BeginOperation(op);
  ASSERT_TRUE(id);
  ScanBatch b;
  b.root = root;
  b.op = *id;
  b.counts.scanned = 7;
  b.checkpoint = R"({"files_committed":7})";
  ASSERT_TRUE(c->ApplyBatch(b));
  auto stale = c->InterruptStaleOperations(root, 20);
  ASSERT_TRUE(stale);
  ASSERT_EQ(stale->size(), 1u);
  EXPECT_EQ((*stale)[0].counts.scanned, 7);
  auto ops = c->ListOperations(10);
  ASSERT_EQ(ops->size(), 1u);
  EXPECT_EQ((*ops)[0].status, OperationStatus::kInterrupted);
  EXPECT_EQ((*ops)[0].checkpoint, R"({"files_committed":7})");
  EXPECT_TRUE(c->InterruptStaleOperations(root, 30)->empty());
}

// A catalog's stat times: far beyond int64 nanoseconds and before 1970.
const FileTime kExtremeTimes[] = {
    {15'031'569'600, 5},                      // 2446-05-01: ext4's range
    {-2'208'988'800, 1},                      // 1900-01-01
    {-1, 999'999'999},                        // just before the epoch
    {std::numeric_limits<int64_t>::max(), 999'999'999},
    {std::numeric_limits<int64_t>::min(), 0},
};

TEST_F(SqliteCatalogTest, ExtremeFileTimesRoundTripEverywhere) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  std::map<std::string, FileTime> want;
  for (size_t i = 0; i < std::size(kExtremeTimes); ++i) {
    FileUpsert u = Upsert("f" + std::to_string(i) + ".jpg", /*size=*/7);
    u.stat.mtime = kExtremeTimes[i];
    u.stat.ino = 10 + i;
    u.hash = ContentHash::FromBytes(std::string(16, static_cast<char>(i)));
    want[u.rel] = u.stat.mtime;
    b.upserts.push_back(u);
  }
  ASSERT_TRUE(c->ApplyBatch(b));
  std::map<std::string, FileTime> rows, known, twins, candidates;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) {
    rows[r.rel] = r.mtime;
  }));
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) {
    known[k.rel] = k.mtime;
  }));
  ASSERT_TRUE(c->ForEachSizeTwin([&](SizeTwin&& t) { twins[t.rel] = t.mtime; }));
  auto page = c->ListPixelCandidates({}, FileId{0}, 100);
  ASSERT_TRUE(page);
  for (const PixelCandidate& p : *page) candidates[p.rel] = p.mtime;
  EXPECT_EQ(rows, want);
  EXPECT_EQ(known, want);
  EXPECT_EQ(twins, want);
  EXPECT_EQ(candidates, want);
}

// Whether the stored hash of `rel` survived.
bool HasHash(Catalog& c, const std::string& rel) {
  bool has = false;
  EXPECT_TRUE(c.ForEachFile({}, [&](const FileRow& r) {
    if (r.rel == rel) has = r.hash.has_value();
  }));
  return has;
}

TEST_F(SqliteCatalogTest, ANanosecondOfMtimeIsAChangeOfStat) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  FileUpsert u = Upsert("x.jpg");
  u.stat.mtime = {15'031'569'600, 5};
  u.hash = ContentHash::FromBytes(std::string(16, 'h'));
  MediaMetadata m;
  m.mime = "image/jpeg";
  u.metadata = m;
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  // The same stat, nothing recomputed: hash and metadata are kept.
  u.hash.reset();
  u.metadata.reset();
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_TRUE(HasHash(*c, "x.jpg"));
  FileRow row;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { row = r; }));
  ASSERT_TRUE(row.metadata.has_value());
  // One nanosecond later: both go (the stored hash and the metadata).
  b.upserts[0].stat.mtime.nsec = 6;
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_FALSE(HasHash(*c, "x.jpg"));
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { row = r; }));
  EXPECT_EQ(row.mtime, (FileTime{15'031'569'600, 6}));
  EXPECT_FALSE(row.metadata.has_value());
}

TEST_F(SqliteCatalogTest, MigrationToV8SplitsNanosecondsAndKeepsMetadata) {
  {
    SqliteOptions old;
    old.max_version_ForTesting = 6;
    auto c = Open(old);
    ASSERT_EQ(c->GetSchemaStatus()->current, 6);
  }
  struct Row {
    const char* ns;  // SQL expression of the stored mtime_ns
    FileTime want;
  };
  const Row kRows[] = {
      {"1714566896123456789", {1'714'566'896, 123'456'789}},
      {"0", {0, 0}},
      {"999999999", {0, 999'999'999}},
      {"-1", {-1, 999'999'999}},
      {"-1000000000", {-1, 0}},
      {"-1500000000", {-2, 500'000'000}},
      {"-2208988800000000000", {-2'208'988'800, 0}},
      {"9223372036854775807", {9'223'372'036, 854'775'807}},
      {"(-9223372036854775807 - 1)", {-9'223'372'037, 145'224'192}},
  };
  {
    // Rows as a phodex of schema v6 wrote them, each with metadata.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string sql =
        "INSERT INTO roots(id, path, name, added_at) "
        "VALUES(1, CAST('/photos' AS BLOB), 'photos', 1);";
    for (size_t i = 0; i < std::size(kRows); ++i) {
      const std::string id = std::to_string(i + 1);
      sql += "INSERT INTO files(id, root_id, rel, size, mtime_ns, dev, ino, "
             "kind, scan_gen, first_seen, last_seen) VALUES (" + id +
             ", 1, CAST('f" + id + ".jpg' AS BLOB), 1, " + kRows[i].ns +
             ", 1, " + id + ", 'photo', 1, 1, 1);"
             "INSERT INTO metadata(file_id, mime) VALUES (" + id +
             ", 'image/jpeg');";
    }
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto c = Open();
  ASSERT_EQ(c->GetSchemaStatus()->current, LatestSchemaVersion());
  EXPECT_TRUE(std::filesystem::exists(path_ + ".v6.bak"));
  std::map<std::string, FileTime> got;
  int with_metadata = 0;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) {
    got[r.rel] = r.mtime;
    with_metadata += r.metadata.has_value();
  }));
  for (size_t i = 0; i < std::size(kRows); ++i) {
    const std::string rel = "f" + std::to_string(i + 1) + ".jpg";
    EXPECT_EQ(got[rel], kRows[i].want) << kRows[i].ns;
  }
  // The split is no change of stat: the metadata stays.
  EXPECT_EQ(with_metadata, static_cast<int>(std::size(kRows)));
  EXPECT_TRUE(c->CheckIntegrity());
  // The trigger watches the new columns: a changed nanosecond drops it.
  ScanBatch b;
  b.root = RootId{1};
  FileUpsert u = Upsert("f1.jpg");
  u.stat.ino = 1;
  u.stat.mtime = {1'714'566'896, 123'456'788};
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  with_metadata = 0;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) {
    with_metadata += r.metadata.has_value();
  }));
  EXPECT_EQ(with_metadata, static_cast<int>(std::size(kRows)) - 1);
}

TEST_F(SqliteCatalogTest, MigrationsAreListedInAscendingOrder) {
  int last = 0;
  for (const Migration& m : AllMigrations()) {
    EXPECT_GT(m.version, last) << m.description;
    last = m.version;
  }
  EXPECT_EQ(last, LatestSchemaVersion());
}

// Operations of any kind whose process is gone (kill -9) are ended; those
// of live processes and of other hosts are not.
TEST_F(SqliteCatalogTest, OrphanedOperationsOfThisHostBecomeInterrupted) {
  auto c = Open();
  auto begin = [&](const std::string& type, int pid, const std::string& host) {
    Operation op;
    op.type = type;
    op.pid = pid;
    op.host = host;
    op.started_ns = 10;
    return c->BeginOperation(op)->value;
  };
  const int64_t dead = begin("rate", 100, "here");
  const int64_t alive = begin("thumbs", 200, "here");
  const int64_t elsewhere = begin("verify", 100, "there");
  const int64_t done = begin("dupes", 100, "here");
  ASSERT_TRUE(c->FinishOperation(OperationId{done}, OperationStatus::kCompleted,
                                 {}, "", 15));
  auto ended = c->InterruptOrphanedOperations(
      "here", [](const Operation& op) { return op.pid == 100; }, 20);
  ASSERT_TRUE(ended);
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].id.value, dead);
  std::map<int64_t, OperationStatus> status;
  auto ops = c->ListOperations(10);
  ASSERT_TRUE(ops);
  for (const Operation& op : *ops) status[op.id.value] = op.status;
  EXPECT_EQ(status[dead], OperationStatus::kInterrupted);
  EXPECT_EQ(status[alive], OperationStatus::kRunning);
  EXPECT_EQ(status[elsewhere], OperationStatus::kRunning);
  EXPECT_EQ(status[done], OperationStatus::kCompleted);
}

TEST_F(SqliteCatalogTest, FileErrorsOfAnOperationWithoutABatch) {
  auto c = Open();
  Operation op;
  op.type = "thumbs";
  auto id = c->BeginOperation(op);
  ASSERT_TRUE(id);
  ASSERT_TRUE(c->RecordFileErrors(
      *id, {{"/a/x.jpg", "make thumbnails", "disk full"}}, 5));
  auto rows = c->ListFileErrors(*id, 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].path, "/a/x.jpg");
  EXPECT_EQ((*rows)[0].reason, "disk full");
}

// Schema v7: each root's identity (scan/root_identity.h). Roots of older
// catalogs have none until a scan records it.
TEST_F(SqliteCatalogTest, RootIdentityRoundTripsAndOldRootsHaveNone) {
  {
    SqliteOptions old;
    old.max_version_ForTesting = 6;
    auto c = Open(old);
    ASSERT_TRUE(c->AddRoot("/old", "old", 1));
  }
  auto c = Open();
  auto roots = c->ListRoots();
  ASSERT_TRUE(roots);
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_FALSE((*roots)[0].identity);
  RootIdentity id;
  id.uuid = "0123456789abcdef0123456789abcdef";
  id.marker = true;
  id.fs = {"1234-ABCD", "exfat", 0xF00DFACE12345678ull};  // high bit set
  id.recorded_ns = 42;
  ASSERT_TRUE(c->SetRootIdentity((*roots)[0].id, id));
  RootIdentity unknown;  // read-only root on a file system that tells little
  unknown.uuid = "fedcba9876543210fedcba9876543210";
  unknown.recorded_ns = 43;
  RootId other = c->AddRoot("/other", "other", 2)->id;
  ASSERT_TRUE(c->SetRootIdentity(other, unknown));
  roots = c->ListRoots();
  ASSERT_TRUE((*roots)[0].identity);
  EXPECT_EQ(*(*roots)[0].identity, id);
  ASSERT_TRUE((*roots)[1].identity);
  EXPECT_EQ(*(*roots)[1].identity, unknown);
  // Stats carries the roots as ListRoots does.
  EXPECT_EQ(*c->Stats()->roots[0].root.identity, id);
}

TEST_F(SqliteCatalogTest, CountLikelyMovesFollowsTheMoveRule) {
  auto c = Open();
  RootId root = c->AddRoot("/a", "a", 1)->id;
  const ContentHash h{1, 2};
  ScanBatch first;
  first.root = root;
  first.now_ns = 10;
  first.upserts = {Upsert("old.jpg", 100), Upsert("empty.jpg", 0),
                   Upsert("other.jpg", 100)};
  first.upserts[0].quick_hash = h;
  first.upserts[1].quick_hash = ContentHash{3, 3};
  first.upserts[2].quick_hash = ContentHash{4, 4};
  ASSERT_TRUE(c->ApplyBatch(first));
  ScanBatch later;
  later.root = root;
  later.now_ns = 30;
  later.upserts = {Upsert("new.jpg", 100), Upsert("empty2.jpg", 0)};
  later.upserts[0].quick_hash = h;
  later.upserts[1].quick_hash = ContentHash{3, 3};
  ASSERT_TRUE(c->ApplyBatch(later));
  std::map<std::string, FileId> ids;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { ids[r.rel] = r.id; }));
  const std::vector<FileId> gone = {ids["old.jpg"], ids["empty.jpg"],
                                    ids["other.jpg"]};
  // old.jpg turned up as new.jpg after the last scan (20); empty files
  // carry no identity; other.jpg has no twin.
  EXPECT_EQ(*c->CountLikelyMoves(gone, 20), 1);
  // A twin that existed before then is a copy, not a move.
  EXPECT_EQ(*c->CountLikelyMoves(gone, 30), 0);
  EXPECT_EQ(*c->CountLikelyMoves({}, 20), 0);
}

}  // namespace
}  // namespace phodex::catalog
