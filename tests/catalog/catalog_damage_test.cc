// A damaged catalog is never written on; what can be read is carried over;
// read-only catalogs; backups; the exclusive lock of the swap.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/catalog_pages.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uintmax_t SizeOr0(const std::string& path) {
  std::error_code ec;
  const uintmax_t n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

class CatalogDamageTest : public ::testing::Test {
 protected:
  // A catalog of `files` files (long names: several leaf pages), each with
  // metadata, closed.
  void Build(int files = 400) {
    auto c = OpenSqliteCatalog(path_, {});
    ASSERT_TRUE(c) << c.error().ToString();
    root_ = (*c)->AddRoot("/photos", "photos", 1)->id;
    ScanBatch b;
    b.root = root_;
    b.now_ns = 10;
    for (int i = 0; i < files; ++i) {
      FileUpsert u;
      u.rel = "2024/some-longer-folder-name/IMG_" + std::to_string(i) + ".jpg";
      u.stat.size = 1000 + i;
      u.stat.mtime = {0, 5};
      u.stat.ino = 100 + i;
      u.kind = MediaKind::kPhoto;
      u.metadata = MediaMetadata{};
      u.metadata->make = "Canon";
      b.upserts.push_back(std::move(u));
    }
    ASSERT_TRUE((*c)->ApplyBatch(b));
  }

  std::unique_ptr<Catalog> Open(SqliteOptions opts = {}) {
    return Open(path_, opts);
  }
  std::unique_ptr<Catalog> Open(const std::string& path,
                                SqliteOptions opts = {}) {
    auto c = OpenSqliteCatalog(path, opts);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }

  // rel -> id of every file row.
  static std::map<std::string, int64_t> Ids(Catalog& c) {
    std::map<std::string, int64_t> out;
    FileQuery all;
    all.presence = FileQuery::Presence::kAll;
    EXPECT_TRUE(
        c.ForEachFile(all, [&](const FileRow& r) { out[r.rel] = r.id.value; }));
    return out;
  }

  // What the catalog, opened read-only, can still give a new catalog.
  void Salvage(std::unique_ptr<Catalog>& fresh, SalvageReport& report) {
    SqliteOptions read;
    read.access = SqliteOptions::Access::kReadOnly;
    auto old = Open(read);
    ASSERT_TRUE(old);
    fresh = Open(dir_ / "new.db");
    ASSERT_TRUE(fresh);
    auto copied = old->CopyReadableRowsTo(*fresh);
    ASSERT_TRUE(copied) << copied.error().ToString();
    report = std::move(*copied);
  }

  // Garbles the `n`-th leaf of the files table; returns the ids it held.
  std::set<int64_t> GarbleFilesLeaf(size_t n) {
    testing::CatalogPages pages(path_);
    const std::vector<uint32_t> leaves = pages.Leaves("files");
    EXPECT_GT(leaves.size(), n + 1);
    const std::vector<int64_t> ids = pages.RowIds(leaves.at(n));
    pages.Garble(leaves.at(n));
    return {ids.begin(), ids.end()};
  }

  testing::TempDir dir_;
  std::string path_ = dir_ / "catalog.db";
  RootId root_;
};

TEST_F(CatalogDamageTest, DamageMetOnceRefusesEveryWriteAndTheFileStaysAsItIs) {
  Build();
  GarbleFilesLeaf(1);
  const std::string before = ReadAll(path_);
  {
    auto c = Open();  // no check: the damage is met by a statement
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->Damaged());
    ASSERT_TRUE(c->ListRoots());  // elsewhere: fine
    auto st = c->ForEachFile({}, [](const FileRow&) {});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
    EXPECT_TRUE(c->Damaged());
    // Every write is refused now, even one that touches healthy pages.
    auto add = c->AddRoot("/more", "more", 2);
    ASSERT_FALSE(add);
    EXPECT_EQ(add.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(add.error().message(), HasSubstr("damaged"));
    Operation op;
    op.type = "scan";
    auto begun = c->BeginOperation(op);
    ASSERT_FALSE(begun);
    EXPECT_EQ(begun.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(c->SetRootScanned(root_, 99).error().code(), ErrorCode::kCorrupt);
  }
  // Nothing was written, not even a checkpoint at close.
  EXPECT_EQ(ReadAll(path_), before);
  EXPECT_EQ(SizeOr0(path_ + "-wal"), 0u);
}

TEST_F(CatalogDamageTest, CheckBeforeWritingFindsDamageAtOpen) {
  Build();
  GarbleFilesLeaf(1);
  const std::string before = ReadAll(path_);
  SqliteOptions opts;
  opts.check = SqliteOptions::Check::kQuick;
  auto c = OpenSqliteCatalog(path_, opts);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ReadAll(path_), before);
  // A healthy catalog passes it.
  fs::remove(path_);
  Build();
  EXPECT_TRUE(OpenSqliteCatalog(path_, opts));
}

TEST_F(CatalogDamageTest, CheckIntegrityDescribesTheDamageAndMarksIt) {
  Build();
  GarbleFilesLeaf(0);
  SqliteOptions inspect;
  inspect.migrate = SqliteOptions::Migrate::kNo;
  auto c = Open(inspect);
  ASSERT_TRUE(c);
  auto st = c->CheckIntegrity();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  EXPECT_FALSE(st.error().message().empty());
  EXPECT_TRUE(c->Damaged());
}

TEST_F(CatalogDamageTest, NotADatabaseIsDamage) {
  std::ofstream(path_, std::ios::binary) << std::string(8192, 'x');
  auto c = OpenSqliteCatalog(path_, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(ReadAll(path_), std::string(8192, 'x'));
}

TEST_F(CatalogDamageTest, MissingCatalogIsNotCreatedWhenAskedNotTo) {
  SqliteOptions opts;
  opts.create = SqliteOptions::Create::kNo;
  auto c = OpenSqliteCatalog(path_, opts);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(CatalogDamageTest, ReadOnlyAndImmutableOpensReadAndNeverWrite) {
  Build(50);
  const std::string before = ReadAll(path_);
  for (auto access :
       {SqliteOptions::Access::kReadOnly, SqliteOptions::Access::kImmutable}) {
    SqliteOptions opts;
    opts.access = access;
    opts.create = SqliteOptions::Create::kNo;
    auto c = Open(opts);
    ASSERT_TRUE(c);
    EXPECT_EQ(Ids(*c).size(), 50u);
    auto add = c->AddRoot("/more", "more", 2);
    ASSERT_FALSE(add);
    // A read-only catalog is not a damaged one.
    EXPECT_EQ(add.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_FALSE(c->Damaged());
  }
  EXPECT_EQ(ReadAll(path_), before);
}

TEST_F(CatalogDamageTest, ReadOnlyOpenRefusesACatalogThatNeedsMigrating) {
  SqliteOptions old;
  old.max_version_ForTesting = 1;
  ASSERT_TRUE(Open(old));
  SqliteOptions opts;
  opts.access = SqliteOptions::Access::kReadOnly;
  auto c = OpenSqliteCatalog(path_, opts);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(c.error().message(), HasSubstr("needs migrating"));
  opts.migrate = SqliteOptions::Migrate::kNo;  // as `migrate --status`
  EXPECT_TRUE(OpenSqliteCatalog(path_, opts));
}

TEST_F(CatalogDamageTest, BackupIsAWholeCopyAndNeverReplacesAFile) {
  Build(120);
  const std::string copy = dir_ / "copy.db";
  {
    auto c = Open();
    ASSERT_TRUE(c->BackupTo(copy));
    auto again = c->BackupTo(copy);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  }
  auto original = Open();
  auto backup = OpenSqliteCatalog(copy, {});
  ASSERT_TRUE(backup) << backup.error().ToString();
  EXPECT_EQ(Ids(**backup), Ids(*original));
  EXPECT_TRUE((*backup)->CheckIntegrity());
}

TEST_F(CatalogDamageTest, CopyReadableRowsKeepsIdsAndSkipsOnlyTheDamagedPage) {
  Build(400);
  std::map<std::string, int64_t> before;
  {
    auto c = Open();
    before = Ids(*c);
  }
  const std::set<int64_t> lost = GarbleFilesLeaf(1);
  ASSERT_FALSE(lost.empty());
  std::unique_ptr<Catalog> fresh;
  SalvageReport report;
  ASSERT_NO_FATAL_FAILURE(Salvage(fresh, report));
  std::map<std::string, SalvagedTable> by_table;
  for (const SalvagedTable& t : report.tables) by_table[t.table] = t;
  EXPECT_EQ(by_table["roots"].copied, 1);
  EXPECT_EQ(by_table["files"].copied,
            static_cast<int64_t>(before.size() - lost.size()));
  EXPECT_GE(by_table["files"].lost, static_cast<int64_t>(lost.size()));
  // The metadata of lost files has no file any more: dropped.
  EXPECT_EQ(by_table["metadata"].copied, by_table["files"].copied);

  const std::map<std::string, int64_t> after = Ids(*fresh);
  for (const auto& [rel, id] : before) {
    if (lost.count(id)) {
      EXPECT_EQ(after.count(rel), 0u) << rel;
    } else {
      EXPECT_EQ(after.at(rel), id) << rel;
    }
  }
  EXPECT_TRUE(fresh->CheckIntegrity());
  EXPECT_FALSE(fresh->Damaged());
  // The new catalog takes new files after the carried ids.
  auto root = fresh->ListRoots();
  ASSERT_TRUE(root);
  ASSERT_EQ(root->size(), 1u);
  EXPECT_EQ(root->front().id, root_);
}

TEST_F(CatalogDamageTest, RowsOfLostParentsAreDroppedOrCutLoose) {
  Build(30);
  {
    auto c = Open();
    Operation op;
    op.type = "scan";
    op.root = root_;
    ASSERT_TRUE(c->BeginOperation(op));
  }
  // The roots table's only page is garbage: files (ON DELETE CASCADE) go,
  // the operation (ON DELETE SET NULL) stays without its root.
  testing::CatalogPages pages(path_);
  pages.Garble(pages.Leaves("roots").front());
  std::unique_ptr<Catalog> fresh;
  SalvageReport report;
  ASSERT_NO_FATAL_FAILURE(Salvage(fresh, report));
  EXPECT_TRUE(Ids(*fresh).empty());
  auto ops = fresh->ListOperations(10);
  ASSERT_TRUE(ops);
  ASSERT_EQ(ops->size(), 1u);
  EXPECT_FALSE(ops->front().root.has_value());
  EXPECT_TRUE(fresh->CheckIntegrity());
}

TEST_F(CatalogDamageTest, ExclusiveLockFailsWhileAnotherConnectionIsOpen) {
  Build(10);
  const std::string before = ReadAll(path_);
  {
    auto reader = Open();
    ASSERT_TRUE(reader->ListRoots());
    auto lock = LockSqliteCatalogExclusive(path_);
    ASSERT_FALSE(lock);
    EXPECT_EQ(lock.error().code(), ErrorCode::kBusy);
  }
  {
    auto lock = LockSqliteCatalogExclusive(path_);
    ASSERT_TRUE(lock) << lock.error().ToString();
    // While it is held, nobody else gets in.
    SqliteOptions quick;
    quick.busy_timeout_ms = 10;
    auto other = OpenSqliteCatalog(path_, quick);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code(), ErrorCode::kBusy);
  }
  EXPECT_EQ(ReadAll(path_), before);
  EXPECT_TRUE(Open());
}

}  // namespace
}  // namespace phodex::catalog
