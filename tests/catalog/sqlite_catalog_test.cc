#include "catalog/sqlite/sqlite_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "catalog/sqlite/migrations.h"
#include "tests/catalog/upsert_for_test.h"
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


// Reads that feed long work are paged (file_queries.h): while ForEachFile's
// callback runs, this connection holds no read, so another connection can
// write and then checkpoint the whole -wal (a read held since before that
// write would keep its frames: "busy").
TEST_F(SqliteCatalogTest, NoReadIsHeldWhileForEachFileCallsBack) {
  auto c = Open();
  RootId root = c->AddRoot("/p", "p", 1)->id;
  ScanBatch b;
  b.root = root;
  for (size_t i = 0; i < FileQueries::kFilePage + 10; ++i) {
    b.upserts.push_back(Upsert("f" + std::to_string(i)));
  }
  ASSERT_TRUE(c->ApplyBatch(b));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  int calls = 0;
  int busy = -1;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow&) {
    if (++calls != 2) return;
    ASSERT_EQ(sqlite3_exec(other,
                           "INSERT INTO operations(type, started_at, status) "
                           "VALUES('test', 1, 'running')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(other, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st,
                       nullptr);
    if (sqlite3_step(st) == SQLITE_ROW) busy = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }));
  sqlite3_close(other);
  EXPECT_EQ(calls, static_cast<int>(FileQueries::kFilePage) + 10);
  EXPECT_EQ(busy, 0);
}

}  // namespace
}  // namespace phodex::catalog
