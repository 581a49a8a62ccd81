// The catalog contract: what every backend promises through the catalog
// interfaces (catalog/catalog.h and the narrow headers it is made of). One
// typed suite, run once per backend: a new backend (PostgreSQL) adds its
// fixture type to ContractBackends (contract_backends.h) and must pass
// every test unchanged.
// Backend-specific behaviour (file damage, read-only files, migrations of
// old files) stays in that backend's own tests (sqlite_catalog_test.cc,
// catalog_damage_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "tests/catalog/contract_backends.h"
#include "tests/catalog/upsert_for_test.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Rels(Catalog& c, FileQuery q = {}) {
  std::vector<std::string> out;
  EXPECT_TRUE(c.ForEachFile(q, [&](const FileRow& r) { out.push_back(r.rel); }));
  return out;
}

// A new root at `path`, named after it ("/r": "r").
RootId NewRoot(Catalog& c, const std::string& path) {
  auto root = c.AddRoot(path, path.substr(1), 1);
  EXPECT_TRUE(root) << root.error().ToString();
  return root ? root->id : RootId{};
}

// A scan batch of `root` (generation `gen`) writing `upserts` at `now_ns`.
ScanBatch Batch(RootId root, std::vector<FileUpsert> upserts = {},
                int64_t now_ns = 0, int64_t gen = 0) {
  ScanBatch b;
  b.root = root;
  b.scan_gen = gen;
  b.now_ns = now_ns;
  b.upserts = std::move(upserts);
  return b;
}

// A scan batch of `root` marking `ids` removed at `now_ns`.
ScanBatch Removal(RootId root, std::vector<FileId> ids, int64_t now_ns = 0) {
  ScanBatch b = Batch(root, {}, now_ns);
  b.removals = std::move(ids);
  return b;
}

// Metadata read from a file: only its width (or rating) is set.
MediaMetadata Width(int width) {
  MediaMetadata m;
  m.width = width;
  return m;
}
MediaMetadata Rating(int rating) {
  MediaMetadata m;
  m.rating = rating;
  return m;
}

// What a paged listing gave, in order: each key once, in increasing order.
template <typename T>
void ExpectSortedAndDistinct(const std::vector<T>& seen) {
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<T>(seen.begin(), seen.end()).size(), seen.size());
}

template <typename Backend>
class CatalogContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Backend::Open(dir_, "catalog");
    ASSERT_TRUE(c) << c.error().ToString();
    catalog_ = std::move(*c);
  }
  Catalog* catalog() { return catalog_.get(); }
  std::unique_ptr<Catalog> OpenAnother(const std::string& name) {
    auto c = Backend::Open(dir_, name);
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  // A root with `n` present photos "f0000.jpg".. of sizes 1.., one batch.
  RootId RootWithFiles(const std::string& path, int n) {
    const RootId root = NewRoot(*catalog_, path);
    ScanBatch b = Batch(root, {}, 10);
    for (int i = 0; i < n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "f%04d.jpg", i);
      b.upserts.push_back(Upsert(name, i + 1));
    }
    EXPECT_TRUE(catalog_->ApplyBatch(b));
    return root;
  }
  FileRow Row(const std::string& rel) {
    FileQuery all;
    all.presence = FileQuery::Presence::kAll;
    FileRow out;
    EXPECT_TRUE(catalog_->ForEachFile(all, [&](const FileRow& r) {
      if (r.rel == rel) out = r;
    }));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
};

TYPED_TEST_SUITE(CatalogContractTest, ContractBackends);

// A catalog's stat times: far beyond int64 nanoseconds and before 1970.
const FileTime kExtremeTimes[] = {
    {15'031'569'600, 5},                      // 2446-05-01: ext4's range
    {-2'208'988'800, 1},                      // 1900-01-01
    {-1, 999'999'999},                        // just before the epoch
    {std::numeric_limits<int64_t>::max(), 999'999'999},
    {std::numeric_limits<int64_t>::min(), 0},
};

// Whether the stored hash of `rel` survived.
bool HasHash(Catalog& c, const std::string& rel) {
  bool has = false;
  EXPECT_TRUE(c.ForEachFile({}, [&](const FileRow& r) {
    if (r.rel == rel) has = r.hash.has_value();
  }));
  return has;
}

TYPED_TEST(CatalogContractTest, UpsertKeepsIdsAndFirstSeen) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/p");
  ScanBatch b = Batch(root, {Upsert("x.jpg", 1)}, 100);
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

TYPED_TEST(CatalogContractTest, RemovedFilesKeepTheirRecordAndComeBack) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/p");
  ScanBatch b = Batch(root, {Upsert("x.jpg")});
  ASSERT_TRUE(c->ApplyBatch(b));
  FileId id;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) { id = k.id; }));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {id}, 50)));
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

TYPED_TEST(CatalogContractTest, PrefixQueriesMatchWholeComponents) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/p");
  ASSERT_TRUE(
      c->ApplyBatch(Batch(root, {Upsert("2020/a.jpg"), Upsert("2020/sub/b.jpg"),
                                 Upsert("2020-extra/c.jpg"), Upsert("2020.jpg"),
                                 Upsert("2021/d.jpg")})));
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

TYPED_TEST(CatalogContractTest, NonUtf8NamesRoundTripByteExact) {
  Catalog* c = this->catalog();
  const std::string root_path = "/p/caf\xE9";
  RootId root = c->AddRoot(root_path, "cafe", 1)->id;
  ScanBatch b = Batch(root);
  const std::string rel = std::string("\xFF\xFE/na\xEFve.jpg", 13);
  b.upserts = {Upsert(rel)};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow row;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) { row = r; }));
  EXPECT_EQ(row.rel, rel);
  EXPECT_EQ(row.root_path, root_path);
}

TYPED_TEST(CatalogContractTest, RootsAreUniqueAndRemovalKeepsOrPurgesRecords) {
  Catalog* c = this->catalog();
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

TYPED_TEST(CatalogContractTest, StaleRunningOperationsBecomeInterrupted) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/a");
  Operation op;
  op.type = "scan";
  op.root = root;
  op.started_ns = 10;
  auto id = c->BeginOperation(op);
  ASSERT_TRUE(id);
  ScanBatch b = Batch(root);
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

TYPED_TEST(CatalogContractTest, ExtremeFileTimesRoundTripEverywhere) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/p");
  ScanBatch b = Batch(root);
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

TYPED_TEST(CatalogContractTest, ANanosecondOfMtimeIsAChangeOfStat) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/p");
  ScanBatch b = Batch(root);
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

// Operations of any kind whose process is gone (kill -9) are ended; those
// of live processes and of other hosts are not.
TYPED_TEST(CatalogContractTest, OrphanedOperationsOfThisHostBecomeInterrupted) {
  Catalog* c = this->catalog();
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

TYPED_TEST(CatalogContractTest, FileErrorsOfAnOperationWithoutABatch) {
  Catalog* c = this->catalog();
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

TYPED_TEST(CatalogContractTest, OperationPagesGoNewestFirstByTypeAndCursor) {
  Catalog* c = this->catalog();
  std::vector<OperationId> ids;
  for (int i = 0; i < 7; ++i) {
    Operation op;
    op.type = i % 2 ? "thumbs" : "scan";
    op.started_ns = i;
    auto id = c->BeginOperation(op);
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  OperationFilter f;
  f.limit = 3;
  auto page = c->ListOperationsPage(f);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].id, ids[6]);
  EXPECT_EQ((*page)[2].id, ids[4]);
  f.before = ids[4];
  page = c->ListOperationsPage(f);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].id, ids[3]);
  f.before = ids[1];
  EXPECT_EQ(c->ListOperationsPage(f)->size(), 1u);  // ids[0]
  f = {};
  f.type = "thumbs";
  page = c->ListOperationsPage(f);
  ASSERT_EQ(page->size(), 3u);
  for (const Operation& op : *page) EXPECT_EQ(op.type, "thumbs");
  f.before = (*page)[1].id;
  page = c->ListOperationsPage(f);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, ids[1]);
  f.type = "nothing";
  EXPECT_TRUE(c->ListOperationsPage(f)->empty());

  auto one = c->GetOperation(ids[2]);
  ASSERT_TRUE(one);
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->id, ids[2]);
  EXPECT_EQ((*one)->started_ns, 2);
  auto none = c->GetOperation(OperationId{ids[6].value + 100});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TYPED_TEST(CatalogContractTest, CountLikelyMovesFollowsTheMoveRule) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/a");
  const ContentHash h{1, 2};
  ScanBatch first = Batch(root,
                          {Upsert("old.jpg", 100), Upsert("empty.jpg", 0),
                           Upsert("other.jpg", 100)},
                          10);
  first.upserts[0].quick_hash = h;
  first.upserts[1].quick_hash = ContentHash{3, 3};
  first.upserts[2].quick_hash = ContentHash{4, 4};
  ASSERT_TRUE(c->ApplyBatch(first));
  ScanBatch later =
      Batch(root, {Upsert("new.jpg", 100), Upsert("empty2.jpg", 0)}, 30);
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

// --- Roots ------------------------------------------------------------------

TYPED_TEST(CatalogContractTest, RootIdentityIsRecordedAndReplaced) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  EXPECT_FALSE(c->ListRoots()->at(0).identity);
  RootIdentity id;
  id.uuid = "0123456789abcdef0123456789abcdef";
  id.marker = true;
  id.fs = {"1234-ABCD", "exfat", 0xF00DFACE12345678ull};
  id.recorded_ns = 42;
  ASSERT_TRUE(c->SetRootIdentity(root, id));
  EXPECT_EQ(*c->ListRoots()->at(0).identity, id);
  id.marker = false;
  ASSERT_TRUE(c->SetRootIdentity(root, id));
  EXPECT_EQ(*c->ListRoots()->at(0).identity, id);
}

// --- Scans ------------------------------------------------------------------

TYPED_TEST(CatalogContractTest, ScanGenerationsGrowAndScansAreRecorded) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  EXPECT_EQ(*c->NextScanGeneration(root), 1);
  EXPECT_EQ(*c->NextScanGeneration(root), 2);
  EXPECT_EQ(c->ListRoots()->at(0).scan_gen, 2);
  EXPECT_EQ(c->NextScanGeneration(RootId{999}).error().code(),
            ErrorCode::kNotFound);
  EXPECT_FALSE(c->ListRoots()->at(0).last_scanned_ns);
  ASSERT_TRUE(c->SetRootScanned(root, 77));
  EXPECT_EQ(c->ListRoots()->at(0).last_scanned_ns, 77);
}

// Rule 1 (scan_store.h): a null hash keeps the stored one only while size,
// mtime and inode are unchanged.
TYPED_TEST(CatalogContractTest, NullHashKeepsStoredHashOnlyWhileStatIsSame) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  FileUpsert u = Upsert("x.jpg", 10);
  u.quick_hash = ContentHash{1, 1};
  u.hash = ContentHash{2, 2};
  u.sha256 = std::string(32, 's');
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileUpsert again = Upsert("x.jpg", 10);  // same stat, nothing hashed
  b.upserts = {again};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow row = this->Row("x.jpg");
  EXPECT_EQ(row.quick_hash, (ContentHash{1, 1}));
  EXPECT_EQ(row.hash, (ContentHash{2, 2}));
  EXPECT_EQ(row.sha256, std::string(32, 's'));
  // A new hash replaces the stored one.
  again.hash = ContentHash{3, 3};
  b.upserts = {again};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_EQ(this->Row("x.jpg").hash, (ContentHash{3, 3}));
  // Another inode: all three go.
  FileUpsert moved = Upsert("x.jpg", 10);
  moved.stat.ino = 10;
  b.upserts = {moved};
  ASSERT_TRUE(c->ApplyBatch(b));
  row = this->Row("x.jpg");
  EXPECT_FALSE(row.quick_hash);
  EXPECT_FALSE(row.hash);
  EXPECT_FALSE(row.sha256);
  // Another size: a hash stored meanwhile goes too.
  moved.hash = ContentHash{4, 4};
  b.upserts = {moved};
  ASSERT_TRUE(c->ApplyBatch(b));
  moved.hash.reset();
  moved.stat.size = 11;
  b.upserts = {moved};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_FALSE(this->Row("x.jpg").hash);
}

// Rule 2 (scan_store.h): metadata goes with the stat it was read from.
TYPED_TEST(CatalogContractTest, MetadataIsDroppedWhenTheStatChanges) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  FileUpsert u = Upsert("x.jpg", 10);
  MediaMetadata m;
  m.mime = "image/jpeg";
  m.width = 640;
  u.metadata = m;
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  u.metadata.reset();
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(this->Row("x.jpg").metadata);
  EXPECT_EQ(this->Row("x.jpg").metadata->width, 640);
  // New metadata replaces the stored one.
  m.width = 800;
  u.metadata = m;
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_EQ(this->Row("x.jpg").metadata->width, 800);
  // Size changed, nothing read: none.
  u.metadata.reset();
  u.stat.size = 11;
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_FALSE(this->Row("x.jpg").metadata);
  // Inode changed with new metadata: the new one.
  m.width = 320;
  u.metadata = m;
  u.stat.ino = 99;
  b.upserts = {u};
  ASSERT_TRUE(c->ApplyBatch(b));
  EXPECT_EQ(this->Row("x.jpg").metadata->width, 320);
}

TYPED_TEST(CatalogContractTest, SidecarsAreLinkedAndUnlinked) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  FileUpsert xmp = Upsert("a.xmp", 1, MediaKind::kSidecar);
  xmp.metadata = Rating(4);
  b.upserts = {Upsert("a.jpg"), xmp};
  b.links = {{"a.xmp", "a.jpg"}};
  ASSERT_TRUE(c->ApplyBatch(b));
  FileRow photo = this->Row("a.jpg");
  EXPECT_EQ(this->Row("a.xmp").sidecar_of, photo.id);
  EXPECT_EQ(photo.sidecar_rel, "a.xmp");
  ASSERT_TRUE(photo.metadata);
  EXPECT_EQ(photo.metadata->rating, 4);
  std::map<std::string, std::string> targets;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) {
    targets[k.rel] = k.sidecar_target;
  }));
  EXPECT_EQ(targets["a.xmp"], "a.jpg");
  ScanBatch unlink = Batch(root);
  unlink.links = {{"a.xmp", std::nullopt}};
  ASSERT_TRUE(c->ApplyBatch(unlink));
  EXPECT_FALSE(this->Row("a.xmp").sidecar_of);
  EXPECT_FALSE(this->Row("a.jpg").sidecar_rel);
}

TYPED_TEST(CatalogContractTest, SetHashesStoresFullHashesAndKeepsSha) {
  Catalog* c = this->catalog();
  RootId root = this->RootWithFiles("/r", 2);
  (void)root;  // the rows are found by name
  const FileId a = this->Row("f0000.jpg").id;
  ASSERT_TRUE(c->SetHashes({{a, ContentHash{5, 5}, std::string(32, 'x')}}));
  ASSERT_TRUE(c->SetHashes({{a, ContentHash{6, 6}, std::nullopt}}));
  FileRow row = this->Row("f0000.jpg");
  EXPECT_EQ(row.hash, (ContentHash{6, 6}));
  EXPECT_EQ(row.sha256, std::string(32, 'x'));
  EXPECT_FALSE(this->Row("f0001.jpg").hash);
}

// --- Paging -----------------------------------------------------------------

TYPED_TEST(CatalogContractTest, FilePagesContinueExactlyAcrossRoots) {
  Catalog* c = this->catalog();
  this->RootWithFiles("/a", 11);
  this->RootWithFiles("/b", 12);
  const std::vector<std::string> all = Rels(*c);
  ASSERT_EQ(all.size(), 23u);
  for (size_t limit : {1u, 5u, 11u, 23u, 50u}) {
    std::vector<std::pair<int64_t, std::string>> seen;
    FileCursor after;
    for (int pages = 0;; ++pages) {
      ASSERT_LT(pages, 30);
      auto page = c->ListFiles({}, after, limit);
      ASSERT_TRUE(page) << page.error().ToString();
      EXPECT_LE(page->rows.size(), limit);
      for (const FileRow& r : page->rows) seen.emplace_back(r.root.value, r.rel);
      if (!page->next) break;
      EXPECT_EQ(page->rows.size(), limit);
      after = *page->next;
    }
    // In (root, rel) order, each row once.
    ASSERT_EQ(seen.size(), all.size()) << limit;
    ExpectSortedAndDistinct(seen);
  }
}

TYPED_TEST(CatalogContractTest, FilePagesFollowTheQuery) {
  Catalog* c = this->catalog();
  RootId a = this->RootWithFiles("/a", 9);
  this->RootWithFiles("/b", 4);
  ASSERT_TRUE(c->ApplyBatch(
      Batch(a, {Upsert("sub/x.jpg"), Upsert("sub/y.mov", 1, MediaKind::kVideo),
                Upsert("sub/z.jpg"), Upsert("subway.jpg")})));
  FileQuery q;
  q.root = a;
  q.rel_prefix = "sub";
  std::vector<std::string> seen;
  FileCursor after;
  for (;;) {
    auto page = c->ListFiles(q, after, 1);
    ASSERT_TRUE(page);
    for (const FileRow& r : page->rows) seen.push_back(r.rel);
    if (!page->next) break;
    after = *page->next;
  }
  EXPECT_THAT(seen, ElementsAre("sub/x.jpg", "sub/y.mov", "sub/z.jpg"));
  q.kind = MediaKind::kVideo;
  EXPECT_THAT(Rels(*c, q), ElementsAre("sub/y.mov"));
  // ForEachFile stops at the query's limit, across pages.
  FileQuery limited;
  limited.limit = 10;
  EXPECT_EQ(Rels(*c, limited).size(), 10u);
  limited.limit = 0;
  EXPECT_THAT(Rels(*c, limited), IsEmpty());
}

TYPED_TEST(CatalogContractTest, KnownFilePagesContinueExactly) {
  Catalog* c = this->catalog();
  RootId root = this->RootWithFiles("/a", 30);
  this->RootWithFiles("/b", 5);
  std::vector<std::string> seen;
  std::optional<std::string> after;
  for (;;) {
    auto page = c->ListKnownFiles(root, "", after, 7);
    ASSERT_TRUE(page);
    EXPECT_LE(page->size(), 7u);
    for (const KnownFile& k : *page) seen.push_back(k.rel);
    if (page->size() < 7) break;
    after = page->back().rel;
  }
  ASSERT_EQ(seen.size(), 30u);
  ExpectSortedAndDistinct(seen);
  auto prefix = c->ListKnownFiles(root, "f0001.jpg", std::nullopt, 7);
  ASSERT_TRUE(prefix);
  ASSERT_EQ(prefix->size(), 1u);
  EXPECT_EQ((*prefix)[0].rel, "f0001.jpg");
}

// A folder's own files, none below it, in pages that continue exactly;
// names that sort between a sub-folder and its files ('b!', 'b.jpg',
// 'b0.jpg' around 'b/') are the folder's own.
TYPED_TEST(CatalogContractTest, FolderFilesAreTheFoldersOwnOnly) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  RootId other = NewRoot(*c, "/o");
  ScanBatch b = Batch(root);
  for (const char* rel :
       {"top.jpg", "a/1.jpg", "a/b!x.jpg", "a/b.jpg", "a/b/deep.jpg",
        "a/b/c/deeper.jpg", "a/b0.jpg", "a/c/x.jpg", "a/gone.jpg",
        "a/gone/x.jpg", "a/z.jpg", "ab/not-a.jpg", "z/last.jpg"}) {
    b.upserts.push_back(Upsert(rel));
  }
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->ApplyBatch(Batch(other, {Upsert("a/other.jpg")})));
  std::vector<FileId> removed;
  ASSERT_TRUE(c->ForEachKnownFile(root, "a", [&](KnownFile&& k) {
    if (k.rel.starts_with("a/gone")) removed.push_back(k.id);
  }));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, removed)));
  // Pages of `size` until a short one.
  auto list = [&](const std::string& folder, size_t size) {
    std::vector<std::string> seen;
    std::optional<std::string> after;
    for (;;) {
      auto page = c->ListFolderFiles(root, folder, after, size);
      EXPECT_TRUE(page);
      if (!page) break;
      EXPECT_LE(page->size(), size);
      for (const KnownFile& k : *page) seen.push_back(k.rel);
      if (page->size() < size) break;
      after = page->back().rel;
    }
    return seen;
  };
  const std::vector<std::string> own_of_a = {"a/1.jpg", "a/b!x.jpg", "a/b.jpg",
                                            "a/b0.jpg", "a/z.jpg"};
  for (size_t size : {1, 2, 5, 100}) {
    SCOPED_TRACE(size);
    EXPECT_EQ(list("a", size), own_of_a);
    EXPECT_THAT(list("", size), ElementsAre("top.jpg"));
    EXPECT_THAT(list("a/b", size), ElementsAre("a/b/deep.jpg"));
  }
  EXPECT_THAT(list("a/gone", 10), IsEmpty());
  EXPECT_THAT(list("none", 10), IsEmpty());
  std::vector<std::string> each;
  ASSERT_TRUE(c->ForEachKnownFile(
      root, "a", [&](KnownFile&& k) { each.push_back(k.rel); },
      ScanStore::Depth::kFolderOnly));
  EXPECT_EQ(each, own_of_a);
}

TYPED_TEST(CatalogContractTest, SizeTwinPagesHoldWholeGroupsInSizeOrder) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  // Sizes 1..6 three times each, 7 once (no twin), 0 twice (empty: none).
  for (int copy = 0; copy < 3; ++copy) {
    for (int size = 1; size <= 6; ++size) {
      b.upserts.push_back(Upsert(
          "s" + std::to_string(size) + "_" + std::to_string(copy), size));
    }
  }
  b.upserts.push_back(Upsert("single", 7));
  b.upserts.push_back(Upsert("empty1", 0));
  b.upserts.push_back(Upsert("empty2", 0));
  ASSERT_TRUE(c->ApplyBatch(b));
  std::vector<SizeTwin> seen;
  int64_t after = 0;
  for (;;) {
    auto page = c->ListSizeTwins(after, 2);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    std::set<int64_t> sizes;
    for (const SizeTwin& t : *page) sizes.insert(t.size);
    EXPECT_LE(sizes.size(), 2u);
    EXPECT_EQ(page->size(), sizes.size() * 3);  // whole groups
    seen.insert(seen.end(), page->begin(), page->end());
    after = page->back().size;
  }
  ASSERT_EQ(seen.size(), 18u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(),
                             [](const SizeTwin& x, const SizeTwin& y) {
                               return x.size < y.size;
                             }));
  int via_helper = 0;
  ASSERT_TRUE(c->ForEachSizeTwin([&](SizeTwin&&) { ++via_helper; }));
  EXPECT_EQ(via_helper, 18);
}

TYPED_TEST(CatalogContractTest, PresentHashPagesAreDistinctAndComplete) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  std::set<ContentHash> want;
  for (int i = 0; i < 20; ++i) {
    FileUpsert u = Upsert("f" + std::to_string(i), 5);
    u.stat.ino = 100 + i;
    u.hash = ContentHash{static_cast<uint64_t>(i % 8), 1};  // duplicates
    want.insert(*u.hash);
    b.upserts.push_back(u);
  }
  FileUpsert gone = Upsert("gone", 5);
  gone.hash = ContentHash{99, 99};
  b.upserts.push_back(gone);
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("gone").id})));
  std::vector<ContentHash> seen;
  std::optional<ContentHash> after;
  for (;;) {
    auto page = c->ListPresentHashes(after, 3);
    ASSERT_TRUE(page);
    EXPECT_LE(page->size(), 3u);
    seen.insert(seen.end(), page->begin(), page->end());
    if (page->size() < 3) break;
    after = page->back();
  }
  EXPECT_EQ(seen.size(), want.size());
  EXPECT_EQ(std::set(seen.begin(), seen.end()), want);
  std::set<ContentHash> via_helper;
  ASSERT_TRUE(c->ForEachPresentHash(
      [&](const ContentHash& h) { via_helper.insert(h); }));
  EXPECT_EQ(via_helper, want);
}

TYPED_TEST(CatalogContractTest, SharedHashesComeInBoundedStepsWithoutGapsOrRepeats) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  std::map<ContentHash, int64_t> want;  // shared hashes and their files
  uint64_t ino = 100;
  auto add = [&](const ContentHash& h, int copies) {
    for (int k = 0; k < copies; ++k) {
      FileUpsert u = Upsert("f" + std::to_string(ino), 5);
      u.stat.ino = ino++;
      u.hash = h;
      b.upserts.push_back(u);
    }
    if (copies >= 2) want[h] = copies;
  };
  for (uint64_t i = 0; i < 12; ++i) add(ContentHash{i, 7}, static_cast<int>(i % 3) + 1);
  add(ContentHash{50, 0}, 9);  // more than a step reads
  FileUpsert gone = Upsert("gone", 5);
  gone.hash = ContentHash{0, 7};  // shared with a present file, but removed
  b.upserts.push_back(gone);
  FileUpsert unhashed = Upsert("unhashed", 5);
  b.upserts.push_back(unhashed);
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("gone").id})));
  std::map<ContentHash, int64_t> seen;
  std::optional<ContentHash> after;
  for (int steps = 0;; ++steps) {
    ASSERT_LT(steps, 100);
    auto page = c->ListSharedHashes(after, 2, 4);
    ASSERT_TRUE(page) << page.error().ToString();
    EXPECT_LE(page->hashes.size(), 2u);
    for (const SharedHash& h : page->hashes) {
      EXPECT_TRUE(seen.emplace(h.hash, h.files).second) << h.hash.ToHex();
      if (after) {
        EXPECT_GT(h.hash.ToBytes(), after->ToBytes());
      }
    }
    if (!page->next) break;
    after = page->next;
  }
  EXPECT_EQ(seen, want);

  auto files = c->ListFilesWithHash(ContentHash{50, 0}, 4);
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 4u);
  EXPECT_TRUE(std::is_sorted(files->begin(), files->end(),
                             [](const FileRow& x, const FileRow& y) {
                               return x.id.value < y.id.value;
                             }));
  for (const FileRow& f : *files) {
    EXPECT_EQ(f.hash, (ContentHash{50, 0}));
    EXPECT_TRUE(f.present);
    EXPECT_EQ(f.root_path, "/r");
  }
  auto present_only = c->ListFilesWithHash(ContentHash{0, 7}, 10);
  ASSERT_TRUE(present_only);
  EXPECT_EQ(present_only->size(), 1u);  // "gone" is removed
  auto none = c->ListFilesWithHash(ContentHash{99, 99}, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TYPED_TEST(CatalogContractTest, UnhashedSizeTwinsAreCounted) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  auto add = [&](const std::string& rel, int64_t size, bool hashed) {
    FileUpsert u = Upsert(rel, size);
    if (hashed) u.hash = ContentHash{static_cast<uint64_t>(size), 1};
    b.upserts.push_back(u);
  };
  add("a1", 10, false);  // twins, neither hashed: 2
  add("a2", 10, false);
  add("b1", 20, true);   // twins, one hashed: 1
  add("b2", 20, false);
  add("c1", 30, false);  // no twin
  add("e1", 0, false);   // empty: never duplicates
  add("e2", 0, false);
  add("d1", 40, false);  // its twin is removed
  add("d2", 40, false);
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("d2").id})));
  auto n = c->CountUnhashedSizeTwins();
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 3);
}

TYPED_TEST(CatalogContractTest, PixelCandidatePagesGoByIdWithinScope) {
  Catalog* c = this->catalog();
  RootId a = this->RootWithFiles("/a", 10);
  this->RootWithFiles("/b", 3);
  ASSERT_TRUE(
      c->ApplyBatch(Batch(a, {Upsert("notes.txt", 1, MediaKind::kOther)})));
  FileQuery scope;
  scope.root = a;
  std::vector<int64_t> ids;
  FileId after{0};
  for (;;) {
    auto page = c->ListPixelCandidates(scope, after, 4);
    ASSERT_TRUE(page);
    EXPECT_LE(page->size(), 4u);
    for (const PixelCandidate& p : *page) ids.push_back(p.id.value);
    if (page->size() < 4) break;
    after = page->back().id;
  }
  EXPECT_EQ(ids.size(), 10u);
  ExpectSortedAndDistinct(ids);
}

// --- Lookups ----------------------------------------------------------------

TYPED_TEST(CatalogContractTest, GetFileAndFindFileSeePresentAndRemovedRows) {
  Catalog* c = this->catalog();
  RootId root = this->RootWithFiles("/r", 2);
  const FileId a = this->Row("f0000.jpg").id;
  const FileId b = this->Row("f0001.jpg").id;
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {b}, 50)));
  auto got = c->GetFile(a);
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->rel, "f0000.jpg");
  EXPECT_EQ((*got)->root_path, "/r");
  EXPECT_TRUE((*got)->present);
  auto removed = c->FindFile(root, "f0001.jpg");
  ASSERT_TRUE(removed);
  ASSERT_TRUE(*removed);
  EXPECT_EQ((*removed)->id, b);
  EXPECT_FALSE((*removed)->present);
  EXPECT_EQ((*removed)->removed_ns, 50);
  // Missing: an answer, not an error.
  auto missing = c->GetFile(FileId{9999});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  auto nowhere = c->FindFile(root, "f0000");  // a prefix is not a match
  ASSERT_TRUE(nowhere);
  EXPECT_FALSE(*nowhere);
  auto other_root = c->FindFile(RootId{root.value + 1}, "f0000.jpg");
  ASSERT_TRUE(other_root);
  EXPECT_FALSE(*other_root);
}

// --- Moves ------------------------------------------------------------------

TYPED_TEST(CatalogContractTest, MoveCandidatesAndApplyMoveKeepTheId) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  const int64_t gen1 = *c->NextScanGeneration(root);
  FileUpsert old = Upsert("old/a.jpg", 100);
  old.quick_hash = ContentHash{7, 7};
  old.hash = ContentHash{8, 8};
  old.metadata = Width(10);
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {old}, 10, gen1)));
  const FileId old_id = this->Row("old/a.jpg").id;
  const int64_t gen2 = *c->NextScanGeneration(root);
  FileUpsert moved = Upsert("new/a.jpg", 100);
  moved.stat.ino = 55;
  moved.quick_hash = ContentHash{7, 7};
  moved.metadata = Width(20);
  ScanBatch second = Batch(root, {moved}, 30, gen2);
  second.removals = {old_id};
  second.removals_last_seen_ns = 20;
  ASSERT_TRUE(c->ApplyBatch(second));
  auto cands = c->FindMoveCandidates(root, gen2);
  ASSERT_TRUE(cands);
  ASSERT_EQ(cands->size(), 1u);
  const MoveCandidate& mc = (*cands)[0];
  EXPECT_EQ(mc.removed_id, old_id);
  EXPECT_EQ(mc.removed_rel, "old/a.jpg");
  EXPECT_EQ(mc.removed_hash, (ContentHash{8, 8}));
  EXPECT_TRUE(mc.removed_by_scan);
  EXPECT_EQ(mc.new_rel, "new/a.jpg");
  EXPECT_EQ(mc.new_root_path, "/r");
  EXPECT_TRUE(mc.added_by_scan);
  ASSERT_TRUE(c->ApplyMove(old_id, mc.new_id, ContentHash{8, 8}));
  FileRow row = this->Row("new/a.jpg");
  EXPECT_EQ(row.id, old_id);
  EXPECT_TRUE(row.present);
  EXPECT_EQ(row.ino, 55u);
  EXPECT_EQ(row.hash, (ContentHash{8, 8}));
  ASSERT_TRUE(row.metadata);
  EXPECT_EQ(row.metadata->width, 20);  // read at the new place
  auto gone = c->GetFile(mc.new_id);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_TRUE(c->FindMoveCandidates(root, gen2)->empty());
  // Applying it again finds neither row as described.
  EXPECT_FALSE(c->ApplyMove(old_id, mc.new_id, std::nullopt));
}

// --- Folder renames ---------------------------------------------------------

// Every row of `root` (present and removed) by rel.
std::map<std::string, FileRow> RowsOf(Catalog& c, RootId root) {
  FileQuery q;
  q.root = root;
  q.presence = FileQuery::Presence::kAll;
  std::map<std::string, FileRow> out;
  EXPECT_TRUE(c.ForEachFile(q, [&](const FileRow& r) { out[r.rel] = r; }));
  return out;
}

// Present or removed, as FindFile sees it: the (root, rel) lookup.
std::optional<FileId> IdAt(Catalog& c, RootId root, const std::string& rel) {
  auto row = c.FindFile(root, rel);
  EXPECT_TRUE(row);
  if (!row || !*row) return std::nullopt;
  return (*row)->id;
}

TYPED_TEST(CatalogContractTest, RenameFolderKeepsIdsAndEverythingAttached) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  RootId other = NewRoot(*c, "/o");
  ScanBatch b = Batch(root);
  FileUpsert photo = Upsert("a/b/x.jpg", 10);
  photo.quick_hash = ContentHash{1, 1};
  photo.hash = ContentHash{2, 2};
  photo.sha256 = std::string(32, 's');
  photo.metadata = Width(640);
  FileUpsert xmp = Upsert("a/b/x.xmp", 1, MediaKind::kSidecar);
  xmp.metadata = Rating(4);
  b.upserts = {photo,
               xmp,
               Upsert("a/b/sub/deep/y.jpg"),
               Upsert("a/b/gone.jpg"),
               Upsert("a/bc/z.jpg"),
               Upsert("a/b.jpg"),
               Upsert("b/x.jpg")};
  b.links = {{"a/b/x.xmp", "a/b/x.jpg"}};
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(
      c->ApplyBatch(Removal(root, {*IdAt(*c, root, "a/b/gone.jpg")}, 50)));
  ScanBatch elsewhere = Batch(other, {Upsert("a/b/x.jpg")});
  ASSERT_TRUE(c->ApplyBatch(elsewhere));
  const std::map<std::string, FileRow> before = RowsOf(*c, root);

  auto moved = c->RenameFolder(root, "a/b", "c/d");
  ASSERT_TRUE(moved) << moved.error().ToString();
  EXPECT_EQ(*moved, 4);
  std::map<std::string, FileRow> after = RowsOf(*c, root);
  const std::map<std::string, std::string> renamed = {
      {"a/b/x.jpg", "c/d/x.jpg"},
      {"a/b/x.xmp", "c/d/x.xmp"},
      {"a/b/sub/deep/y.jpg", "c/d/sub/deep/y.jpg"},
      {"a/b/gone.jpg", "c/d/gone.jpg"},
      {"a/bc/z.jpg", "a/bc/z.jpg"},  // a sibling sharing the prefix's bytes
      {"a/b.jpg", "a/b.jpg"},
      {"b/x.jpg", "b/x.jpg"}};
  ASSERT_EQ(after.size(), renamed.size());
  for (const auto& [old_rel, new_rel] : renamed) {
    SCOPED_TRACE(old_rel);
    const FileRow& was = before.at(old_rel);
    ASSERT_TRUE(after.contains(new_rel));
    const FileRow& now = after.at(new_rel);
    EXPECT_EQ(now.id, was.id);
    EXPECT_EQ(now.present, was.present);
    EXPECT_EQ(now.removed_ns, was.removed_ns);
    EXPECT_EQ(now.first_seen_ns, was.first_seen_ns);
    EXPECT_EQ(now.size, was.size);
    EXPECT_EQ(now.hash, was.hash);
    EXPECT_EQ(IdAt(*c, root, new_rel), was.id);
    if (old_rel != new_rel) {
      EXPECT_FALSE(IdAt(*c, root, old_rel));
    }
  }
  const FileRow& x = after.at("c/d/x.jpg");
  EXPECT_EQ(x.quick_hash, (ContentHash{1, 1}));
  EXPECT_EQ(x.sha256, std::string(32, 's'));
  ASSERT_TRUE(x.metadata);
  EXPECT_EQ(x.metadata->width, 640);
  EXPECT_EQ(x.metadata->rating, 4);  // the sidecar's, still merged in
  EXPECT_EQ(x.sidecar_rel, "c/d/x.xmp");
  EXPECT_EQ(after.at("c/d/x.xmp").sidecar_of, x.id);
  std::map<std::string, std::string> targets;
  ASSERT_TRUE(c->ForEachKnownFile(
      root, "c/d", [&](KnownFile&& k) { targets[k.rel] = k.sidecar_target; }));
  EXPECT_EQ(targets.size(), 3u);  // present ones only, found by prefix
  EXPECT_EQ(targets["c/d/x.xmp"], "c/d/x.jpg");
  // The other root's row at the same rel is not this root's.
  EXPECT_TRUE(IdAt(*c, other, "a/b/x.jpg"));
  EXPECT_FALSE(IdAt(*c, other, "c/d/x.jpg"));
  // Renamed again, nested under a sibling: the rows follow once more.
  EXPECT_EQ(*c->RenameFolder(root, "c/d/sub", "a/bc/sub"), 1);
  EXPECT_EQ(IdAt(*c, root, "a/bc/sub/deep/y.jpg"),
            before.at("a/b/sub/deep/y.jpg").id);
  // Nothing at `from`: nothing moves.
  EXPECT_EQ(*c->RenameFolder(root, "nowhere", "elsewhere"), 0);
}

TYPED_TEST(CatalogContractTest, RenameFolderRefusesATakenOrNestedTarget) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b =
      Batch(root, {Upsert("a/x.jpg"), Upsert("t/sub/y.jpg"), Upsert("u")});
  ASSERT_TRUE(c->ApplyBatch(b));
  auto ids = [&] {
    std::map<std::string, FileId> out;
    for (const auto& [rel, row] : RowsOf(*c, root)) out[rel] = row.id;
    return out;
  };
  const std::map<std::string, FileId> want = ids();
  // A present file below `to`, or at it.
  for (const char* to : {"t", "u"}) {
    auto r = c->RenameFolder(root, "a", to);
    ASSERT_FALSE(r) << to;
    EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists) << to;
    EXPECT_EQ(ids(), want) << to;
  }
  // Empty, equal or nested folders are not a rename.
  const std::pair<const char*, const char*> bad[] = {
      {"", "b"}, {"a", ""}, {"a", "a"}, {"a", "a/b"}, {"a/b", "a"}};
  for (const auto& [from, to] : bad) {
    auto r = c->RenameFolder(root, from, to);
    ASSERT_FALSE(r) << from << " -> " << to;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(ids(), want);
}

// A removed row at a rel a moved row takes is dropped: the place belongs
// to the file there now. Removed rows elsewhere under `to` stay.
TYPED_TEST(CatalogContractTest, RenameFolderSupersedesRemovedRowsInItsWay) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  FileUpsert old = Upsert("to/x.jpg");
  old.metadata = Width(1);
  b.upserts = {old, Upsert("to/other.jpg"), Upsert("from/x.jpg")};
  ASSERT_TRUE(c->ApplyBatch(b));
  const FileId superseded = *IdAt(*c, root, "to/x.jpg");
  const FileId kept = *IdAt(*c, root, "to/other.jpg");
  const FileId mover = *IdAt(*c, root, "from/x.jpg");
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {superseded, kept})));
  EXPECT_EQ(*c->RenameFolder(root, "from", "to"), 1);
  EXPECT_EQ(IdAt(*c, root, "to/x.jpg"), mover);
  EXPECT_TRUE(c->FindFile(root, "to/x.jpg")->value().present);
  EXPECT_EQ(IdAt(*c, root, "to/other.jpg"), kept);
  EXPECT_FALSE(c->GetFile(superseded)->has_value());
  EXPECT_EQ(RowsOf(*c, root).size(), 2u);
}

TYPED_TEST(CatalogContractTest, RenameFolderIsByteExact) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  const std::string from("\xFF\xFE", 2);
  const std::string to("caf\xE9/\x80 \\%_", 10);
  ASSERT_TRUE(c->ApplyBatch(
      Batch(root, {Upsert(from + "/na\xEFve.jpg"), Upsert(from + "\xFF/y.jpg"),
                   Upsert("%/z.jpg")})));
  const FileId id = *IdAt(*c, root, from + "/na\xEFve.jpg");
  EXPECT_EQ(*c->RenameFolder(root, from, to), 1);
  EXPECT_EQ(IdAt(*c, root, to + "/na\xEFve.jpg"), id);
  FileQuery q;
  q.root = root;
  q.rel_prefix = to;
  EXPECT_THAT(Rels(*c, q), ElementsAre(to + "/na\xEFve.jpg"));
  EXPECT_TRUE(IdAt(*c, root, from + "\xFF/y.jpg"));
  // LIKE's wildcards are plain bytes: "%" is not "everything".
  EXPECT_EQ(*c->RenameFolder(root, "%", "pct"), 1);
  // In byte order: 'c' < 'p' < 0xFF.
  EXPECT_THAT(Rels(*c), ElementsAre(to + "/na\xEFve.jpg", "pct/z.jpg",
                                    from + "\xFF/y.jpg"));
}

// --- Operations -------------------------------------------------------------

TYPED_TEST(CatalogContractTest, OperationsAreListedNewestFirstWithLimits) {
  Catalog* c = this->catalog();
  std::vector<OperationId> ids;
  for (int i = 0; i < 4; ++i) {
    Operation op;
    op.type = "scan";
    op.started_ns = 10 + i;
    auto id = c->BeginOperation(op);
    ASSERT_TRUE(id);
    if (!ids.empty()) {
      EXPECT_GT(id->value, ids.back().value);
    }
    ids.push_back(*id);
  }
  ASSERT_TRUE(c->FinishOperation(ids[1], OperationStatus::kFailed,
                                 {3, 2, 1, 0, 1, 0}, "disk full", 40));
  auto all = c->ListOperations(std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id, ids[3]);
  EXPECT_EQ((*all)[3].id, ids[0]);
  const Operation& failed = (*all)[2];
  EXPECT_EQ(failed.status, OperationStatus::kFailed);
  EXPECT_EQ(failed.error, "disk full");
  EXPECT_EQ(failed.ended_ns, 40);
  EXPECT_EQ(failed.counts.scanned, 3);
  EXPECT_EQ((*all)[0].status, OperationStatus::kRunning);
  auto two = c->ListOperations(2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].id, ids[2]);
  EXPECT_TRUE(c->ListOperations(0)->empty());
}

TYPED_TEST(CatalogContractTest, FileErrorsAreListedByOperationWithLimits) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  Operation op;
  op.type = "scan";
  const OperationId first = *c->BeginOperation(op);
  const OperationId second = *c->BeginOperation(op);
  ScanBatch b = Batch(root);
  b.op = first;
  b.now_ns = 5;
  b.errors = {{"/r/a", "stat", "gone"}, {"/r/b", "open", "denied"}};
  ASSERT_TRUE(c->ApplyBatch(b));
  ASSERT_TRUE(c->RecordFileErrors(second, {{"/r/c", "read", "EIO"}}, 6));
  auto all = c->ListFileErrors(std::nullopt, std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].path, "/r/c");  // newest first
  auto of_first = c->ListFileErrors(first, std::nullopt);
  ASSERT_EQ(of_first->size(), 2u);
  EXPECT_EQ((*of_first)[1].path, "/r/a");
  EXPECT_EQ((*of_first)[1].op_name, "stat");
  EXPECT_EQ((*of_first)[1].at_ns, 5);
  EXPECT_EQ(c->ListFileErrors(first, 1)->size(), 1u);
  EXPECT_EQ(c->Stats()->file_errors, 3);
}

TYPED_TEST(CatalogContractTest, OnlyUnchangedCompletedOperationsAreDropped) {
  Catalog* c = this->catalog();
  Operation op;
  op.type = "watch";
  auto begin = [&] { return *c->BeginOperation(op); };
  // {scanned, added, updated, removed, errors, moved}
  const OperationId unchanged = begin();
  ASSERT_TRUE(c->FinishOperation(unchanged, OperationStatus::kCompleted,
                                 {9, 0, 0, 0, 0, 0}, "", 10));
  const OperationId running = begin();
  const OperationId failed = begin();
  ASSERT_TRUE(c->FinishOperation(failed, OperationStatus::kFailed, {}, "x", 10));
  const OperationId interrupted = begin();
  ASSERT_TRUE(c->FinishOperation(interrupted, OperationStatus::kInterrupted,
                                 {}, "", 10));
  std::vector<OperationId> changed;
  for (const OperationCounts& counts :
       {OperationCounts{1, 1, 0, 0, 0, 0}, OperationCounts{1, 0, 1, 0, 0, 0},
        OperationCounts{0, 0, 0, 1, 0, 0}, OperationCounts{1, 0, 0, 0, 1, 0},
        OperationCounts{1, 0, 0, 0, 0, 1}}) {
    changed.push_back(begin());
    ASSERT_TRUE(c->FinishOperation(changed.back(), OperationStatus::kCompleted,
                                   counts, "", 10));
  }
  // A file error recorded outside the counts keeps it too.
  const OperationId with_error = begin();
  ASSERT_TRUE(c->RecordFileErrors(with_error, {{"/r/a", "stat", "EIO"}}, 5));
  ASSERT_TRUE(c->FinishOperation(with_error, OperationStatus::kCompleted, {},
                                 "", 10));

  EXPECT_EQ(c->DropUnchangedOperation(unchanged), true);
  EXPECT_EQ(c->DropUnchangedOperation(unchanged), false);  // gone already
  for (OperationId id : {running, failed, interrupted, with_error}) {
    EXPECT_EQ(c->DropUnchangedOperation(id), false) << id.value;
  }
  for (OperationId id : changed) {
    EXPECT_EQ(c->DropUnchangedOperation(id), false) << id.value;
  }
  auto all = c->ListOperations(std::nullopt);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 9u);
  for (const Operation& o : *all) EXPECT_NE(o.id, unchanged);
}

// --- Pixels -----------------------------------------------------------------

TYPED_TEST(CatalogContractTest, PixelFactsAreReplacedAndTotalled) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ScanBatch b = Batch(root);
  FileUpsert x = Upsert("x.jpg", 5);
  x.hash = ContentHash{1, 1};
  FileUpsert y = Upsert("y.jpg", 6);
  y.hash = ContentHash{2, 2};
  b.upserts = {x, y};
  ASSERT_TRUE(c->ApplyBatch(b));
  PixelFacts facts;
  facts.version = 1;
  facts.thumbs_key = "k1";
  facts.thumb_bytes = 100;
  facts.width = 640;
  facts.phash = 0xABCDEF;
  PixelFacts broken;
  broken.version = 1;
  broken.error = "cannot decode";
  ASSERT_TRUE(c->SetPixels({{ContentHash{1, 1}, facts},
                            {ContentHash{2, 2}, broken},
                            {ContentHash{3, 3}, facts}}));  // no file has it
  auto totals = c->GetPixelTotals("k1");
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->contents, 2);
  EXPECT_EQ(totals->errors, 1);
  EXPECT_EQ(totals->thumbnailed, 1);
  EXPECT_EQ(totals->thumb_bytes, 100);
  FileRow row = this->Row("x.jpg");
  ASSERT_TRUE(row.pixels);
  EXPECT_EQ(row.pixels->phash, 0xABCDEFu);
  facts.thumbs_key = "k2";
  facts.width = 800;
  ASSERT_TRUE(c->SetPixels({{ContentHash{1, 1}, facts}}));
  EXPECT_EQ(this->Row("x.jpg").pixels->width, 800);
  EXPECT_EQ(c->GetPixelTotals("k1")->thumbnailed, 0);
  EXPECT_EQ(c->GetPixelTotals("k2")->thumbnailed, 1);
  auto cands = c->ListPixelCandidates({}, FileId{0}, 10);
  ASSERT_TRUE(cands);
  ASSERT_EQ(cands->size(), 2u);
  EXPECT_EQ((*cands)[0].pixel_version, 1);
  EXPECT_EQ((*cands)[0].thumbs_key, "k2");
  EXPECT_TRUE((*cands)[1].pixel_error);
  // One candidate by id, as a "pixels" job reads its file.
  for (const PixelCandidate& want : *cands) {
    auto one = c->GetPixelCandidate(want.id);
    ASSERT_TRUE(one);
    ASSERT_TRUE(one->has_value());
    EXPECT_EQ((*one)->rel, want.rel);
    EXPECT_EQ((*one)->hash, want.hash);
    EXPECT_EQ((*one)->pixel_version, want.pixel_version);
    EXPECT_EQ((*one)->pixel_error, want.pixel_error);
    EXPECT_EQ((*one)->mtime, want.mtime);
  }
  auto none = c->GetPixelCandidate(FileId{(*cands)[1].id.value + 1000});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

// Metadata read outside a scan: stored only for the state it was read
// from; the files a scan without metadata left are listed by version.
TYPED_TEST(CatalogContractTest, MetadataIsStoredOnlyForTheStateItWasReadFrom) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  std::vector<FileUpsert> ups = {Upsert("a/x.jpg", 5), Upsert("a/y.jpg", 6),
                                 Upsert("b/z.jpg", 7)};
  for (FileUpsert& u : ups) u.content_version = 2;  // no metadata yet
  ASSERT_TRUE(c->ApplyBatch(Batch(root, ups, 10)));
  const FileRow x = this->Row("a/x.jpg");
  const FileRow y = this->Row("a/y.jpg");
  const FileRow z = this->Row("b/z.jpg");
  FileQuery scope;
  scope.root = root;
  scope.rel_prefix = "a";
  auto listed = c->ListFilesAtContentVersion(scope, 2, FileId{0}, 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, x.id);
  EXPECT_EQ((*listed)[0].size, 5);
  EXPECT_EQ((*listed)[0].mtime, x.mtime);
  EXPECT_EQ((*listed)[1].id, y.id);
  // Paged by id.
  auto after = c->ListFilesAtContentVersion(scope, 2, x.id, 1);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].id, y.id);
  auto other = c->ListFilesAtContentVersion({}, 3, FileId{0}, 10);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());

  std::vector<MetadataUpdate> updates;
  updates.push_back({x.id, 5, x.mtime, 9, Width(640), std::nullopt, 3});
  // y changed since it was read (another size): left alone.
  updates.push_back({y.id, 66, y.mtime, 9, Width(480), std::nullopt, 3});
  // z could not be read: its error, no metadata.
  updates.push_back({z.id, 7, z.mtime, 9, std::nullopt,
                     std::string("metadata: corrupt"), 3});
  auto stored = c->SetMetadata(updates);
  ASSERT_TRUE(stored) << stored.error().ToString();
  EXPECT_EQ(*stored, 2);
  ASSERT_TRUE(this->Row("a/x.jpg").metadata.has_value());
  EXPECT_EQ(this->Row("a/x.jpg").metadata->width, 640);
  EXPECT_FALSE(this->Row("a/y.jpg").metadata.has_value());
  EXPECT_FALSE(this->Row("b/z.jpg").metadata.has_value());
  EXPECT_EQ(this->Row("b/z.jpg").last_error, "metadata: corrupt");
  std::map<std::string, int> versions;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) {
    versions[k.rel] = k.content_version;
  }));
  EXPECT_EQ(versions["a/x.jpg"], 3);
  EXPECT_EQ(versions["a/y.jpg"], 2);
  EXPECT_EQ(versions["b/z.jpg"], 3);
  // A removed file is not written either.
  ScanBatch gone = Batch(root, {}, 20);
  gone.removals.push_back(y.id);
  ASSERT_TRUE(c->ApplyBatch(gone));
  stored = c->SetMetadata({{y.id, 6, y.mtime, 9, Width(1), std::nullopt, 3}});
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, 0);
}

// --- Write sets of dedup and rating -----------------------------------------

TYPED_TEST(CatalogContractTest, DedupWritesRemoveRelinkAndCount) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  const int64_t gen = *c->NextScanGeneration(root);
  FileUpsert keep = Upsert("keep.jpg", 5);
  keep.hash = ContentHash{1, 1};
  keep.content_version = 3;
  keep.metadata = Width(9);
  ASSERT_TRUE(
      c->ApplyBatch(Batch(root, {keep, Upsert("victim.jpg", 5)}, 10, gen)));
  Operation op;
  op.type = "dupes";
  const OperationId id = *c->BeginOperation(op);

  DedupWrite removed;
  removed.root = root;
  removed.op = id;
  removed.now_ns = 100;
  removed.removed = this->Row("victim.jpg").id;
  removed.counts.scanned = 1;
  removed.counts.removed = 1;
  ASSERT_TRUE(c->ApplyDedupWrite(removed));
  ASSERT_TRUE(c->ApplyDedupWrite(removed));  // replayed: no change
  FileRow victim = this->Row("victim.jpg");
  EXPECT_FALSE(victim.present);
  EXPECT_EQ(victim.removed_ns, 100);
  EXPECT_EQ(victim.last_seen_ns, 100);

  DedupWrite linked;
  linked.root = root;
  linked.op = id;
  linked.now_ns = 200;
  FileStat st = Upsert("keep.jpg", 5).stat;
  st.ino = 4242;
  linked.relinked = DedupWrite::Relinked{this->Row("keep.jpg").id, st};
  linked.problem = FileErrorEntry{"/r/other.jpg", "dupes delete", "busy"};
  linked.counts = {2, 0, 1, 1, 1, 0};
  ASSERT_TRUE(c->ApplyDedupWrite(linked));
  FileRow kept = this->Row("keep.jpg");
  EXPECT_TRUE(kept.present);
  EXPECT_EQ(kept.ino, 4242u);
  EXPECT_EQ(kept.last_seen_ns, 200);
  EXPECT_EQ(kept.hash, (ContentHash{1, 1}));  // the same bytes
  EXPECT_FALSE(kept.metadata);                // rule 2: another inode
  std::map<std::string, KnownFile> known;
  ASSERT_TRUE(c->ForEachKnownFile(root, "", [&](KnownFile&& k) {
    known[k.rel] = k;
  }));
  EXPECT_EQ(known["keep.jpg"].content_version, 3);
  auto errors = c->ListFileErrors(id, std::nullopt);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].reason, "busy");
  auto ops = c->ListOperations(1);
  EXPECT_EQ((*ops)[0].counts.scanned, 2);
  EXPECT_EQ((*ops)[0].counts.updated, 1);
  EXPECT_EQ((*ops)[0].status, OperationStatus::kRunning);
}

TYPED_TEST(CatalogContractTest, RatingWriteUpsertsTheFileAndLinksItsSidecar) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/r");
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {Upsert("a.jpg")})));
  Operation op;
  op.type = "rate";
  const OperationId id = *c->BeginOperation(op);
  ASSERT_TRUE(c->FinishOperation(id, OperationStatus::kRunning,
                                 {5, 0, 0, 0, 0, 0}, "", 1));
  RatingWrite w;
  w.root = root;
  w.scan_gen = 4;
  w.now_ns = 300;
  w.file = Upsert("a.xmp", 1, MediaKind::kSidecar);
  w.file.metadata = Rating(5);
  w.sidecar_of = "a.jpg";
  ASSERT_TRUE(c->ApplyRatingWrite(w));
  FileRow photo = this->Row("a.jpg");
  EXPECT_EQ(photo.sidecar_rel, "a.xmp");
  ASSERT_TRUE(photo.metadata);
  EXPECT_EQ(photo.metadata->rating, 5);
  EXPECT_EQ(this->Row("a.xmp").last_seen_ns, 300);
  // The operation's counts are not the write's to change.
  EXPECT_EQ(c->ListOperations(1)->at(0).counts.scanned, 5);
}

// --- Admin ------------------------------------------------------------------

TYPED_TEST(CatalogContractTest, AdminOfAHealthyCatalog) {
  Catalog* c = this->catalog();
  this->RootWithFiles("/r", 3);
  auto schema = c->GetSchemaStatus();
  ASSERT_TRUE(schema);
  EXPECT_GT(schema->current, 0);
  EXPECT_EQ(schema->current, schema->latest);
  EXPECT_TRUE(schema->pending.empty());
  EXPECT_TRUE(c->CheckIntegrity());
  EXPECT_FALSE(c->Damaged());
  EXPECT_GT(*c->SizeOnDisk(), 0);
  const std::string backup = this->dir_ / "backup";
  ASSERT_TRUE(c->BackupTo(backup));
  auto again = c->BackupTo(backup);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  // Salvage into a new catalog keeps every row and its id.
  auto dest = this->OpenAnother("rebuilt");
  ASSERT_TRUE(dest);
  auto report = c->CopyReadableRowsTo(*dest);
  ASSERT_TRUE(report) << report.error().ToString();
  for (const SalvagedTable& t : report->tables) {
    EXPECT_EQ(t.lost, 0) << t.table;
    EXPECT_TRUE(t.complete) << t.table;
  }
  std::map<std::string, int64_t> before, after;
  ASSERT_TRUE(c->ForEachFile({}, [&](const FileRow& r) {
    before[r.rel] = r.id.value;
  }));
  ASSERT_TRUE(dest->ForEachFile({}, [&](const FileRow& r) {
    after[r.rel] = r.id.value;
  }));
  EXPECT_EQ(before, after);
}

// --- TimelineQueries ------------------------------------------------------

// A timeline file: `taken` null is undated (metadata without a time).
FileUpsert TimelineFile(std::string rel, std::optional<std::string> taken,
                        int64_t mtime_s = 100,
                        MediaKind kind = MediaKind::kPhoto) {
  FileUpsert u = Upsert(std::move(rel), 1, kind);
  u.stat.mtime = FileTime{mtime_s, 0};
  MediaMetadata m;
  m.taken = std::move(taken);
  u.metadata = m;
  return u;
}

// The rel of each id, for readable expectations.
template <typename Items>
std::vector<std::string> TimelineRels(Catalog& c, const Items& items) {
  std::vector<std::string> out;
  for (const auto& it : items) {
    auto row = c.GetFile(it.pos.id);
    out.push_back(row && *row ? (*row)->rel : "?");
  }
  return out;
}

TYPED_TEST(CatalogContractTest, TimelineIsDatedNewestFirstThenUndatedByMtime) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/t");
  ASSERT_TRUE(c->ApplyBatch(Batch(
      root, {TimelineFile("a.jpg", "2020-01-01T00:00:00"),
             TimelineFile("b.cr2", "2021-06-01T00:00:00", 1, MediaKind::kRaw),
             TimelineFile("c.mov", "2021-06-01T00:00:00", 1, MediaKind::kVideo),
             TimelineFile("b.xmp", "2030-01-01T00:00:00", 1,
                          MediaKind::kSidecar),
             TimelineFile("x.txt", "2030-01-01T00:00:00", 1, MediaKind::kOther),
             TimelineFile("u-old.png", std::nullopt, 50),
             TimelineFile("u-new.png", std::nullopt, 500),
             TimelineFile("gone.jpg", "2029-01-01T00:00:00")})));
  FileId gone = this->Row("gone.jpg").id;
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {gone})));

  auto all = c->ListTimelineItems({}, 100);
  ASSERT_TRUE(all) << all.error().ToString();
  // Same capture time: the higher id first.
  EXPECT_THAT(TimelineRels(*c, *all),
              ElementsAre("c.mov", "b.cr2", "a.jpg", "u-new.png", "u-old.png"));
  EXPECT_FALSE((*all)[2].pos.undated);
  EXPECT_EQ((*all)[2].pos.taken, "2020-01-01T00:00:00");
  EXPECT_TRUE((*all)[3].pos.undated);
  EXPECT_EQ((*all)[3].pos.mtime, (FileTime{500, 0}));
  EXPECT_EQ((*all)[1].kind, MediaKind::kRaw);
  for (size_t i = 0; i + 1 < all->size(); ++i) {
    EXPECT_TRUE(TimelineBefore((*all)[i].pos, (*all)[i + 1].pos)) << i;
  }

  auto sections = c->ListTimelineSections(2);
  ASSERT_TRUE(sections) << sections.error().ToString();
  ASSERT_EQ(sections->size(), 3u);  // 2 dated, 1 dated, 2 undated
  EXPECT_EQ((*sections)[0].count, 2);
  EXPECT_EQ((*sections)[0].first, (*all)[0].pos);
  EXPECT_EQ((*sections)[0].last, (*all)[1].pos);
  EXPECT_EQ((*sections)[1].count, 1);
  EXPECT_EQ((*sections)[2].count, 2);
  EXPECT_TRUE((*sections)[2].first.undated);
  EXPECT_EQ((*sections)[2].last, (*all)[4].pos);
  // Every size: the sections tile the items, first and last exact.
  for (size_t size = 1; size <= 6; ++size) {
    auto cut = c->ListTimelineSections(size);
    ASSERT_TRUE(cut);
    size_t at = 0;
    for (const TimelineSection& s : *cut) {
      ASSERT_LE(at + static_cast<size_t>(s.count), all->size());
      EXPECT_EQ(s.first, (*all)[at].pos) << size;
      at += static_cast<size_t>(s.count);
      EXPECT_EQ(s.last, (*all)[at - 1].pos) << size;
    }
    EXPECT_EQ(at, all->size());
  }
}

TYPED_TEST(CatalogContractTest, TimelineItemsOfARange) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/t");
  std::vector<FileUpsert> files;
  for (int i = 0; i < 6; ++i) {
    files.push_back(TimelineFile("d" + std::to_string(i) + ".jpg",
                                 "2020-01-0" + std::to_string(i + 1)));
    files.push_back(TimelineFile("u" + std::to_string(i) + ".jpg",
                                 std::nullopt, 100 + i));
  }
  ASSERT_TRUE(c->ApplyBatch(Batch(root, files)));
  auto all = c->ListTimelineItems({}, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 12u);
  // From item 4 (included) to item 8 (excluded): across dated and undated.
  auto mid = c->ListTimelineItems({(*all)[4].pos, (*all)[8].pos}, 100);
  ASSERT_TRUE(mid);
  EXPECT_THAT(TimelineRels(*c, *mid), ElementsAre("d1.jpg", "d0.jpg",
                                                  "u5.jpg", "u4.jpg"));
  // A limit; an open start; an open end; bounds out of order.
  auto first = c->ListTimelineItems({std::nullopt, (*all)[8].pos}, 3);
  ASSERT_TRUE(first);
  EXPECT_THAT(TimelineRels(*c, *first),
              ElementsAre("d5.jpg", "d4.jpg", "d3.jpg"));
  auto tail = c->ListTimelineItems({(*all)[10].pos, std::nullopt}, 100);
  ASSERT_TRUE(tail);
  EXPECT_THAT(TimelineRels(*c, *tail), ElementsAre("u1.jpg", "u0.jpg"));
  auto backwards = c->ListTimelineItems({(*all)[8].pos, (*all)[2].pos}, 100);
  ASSERT_TRUE(backwards);
  EXPECT_THAT(*backwards, IsEmpty());
  // Bounds no file has: what lies between.
  TimelinePos before_all;
  before_all.taken = "9999";
  before_all.id = FileId{1};
  TimelinePos in_2020;
  in_2020.taken = "2020-01-03T12";
  in_2020.id = FileId{1};
  auto forged = c->ListTimelineItems({before_all, in_2020}, 100);
  ASSERT_TRUE(forged);
  EXPECT_THAT(TimelineRels(*c, *forged),
              ElementsAre("d5.jpg", "d4.jpg", "d3.jpg"));
}

TYPED_TEST(CatalogContractTest, TimelineItemsCarryTheirSidecarAndPixelFacts) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/t");
  FileUpsert photo = TimelineFile("p.jpg", "2020-01-01T00:00:00");
  photo.metadata->width = 4000;
  photo.metadata->height = 3000;
  photo.metadata->orientation = 6;
  photo.metadata->rating = 2;
  photo.metadata->label = "Blue";
  photo.metadata->duration = 1.5;
  photo.hash = ContentHash{3, 4};
  FileUpsert xmp = TimelineFile("p.jpg.xmp", std::nullopt, 1,
                                MediaKind::kSidecar);
  xmp.metadata->rating = 4;
  ScanBatch b = Batch(root, {photo, xmp});
  b.links.push_back({"p.jpg.xmp", "p.jpg"});
  ASSERT_TRUE(c->ApplyBatch(b));
  auto items = c->ListTimelineItems({}, 10);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1u);
  const TimelineItem& it = (*items)[0];
  EXPECT_EQ(it.width, 4000);
  EXPECT_EQ(it.height, 3000);
  EXPECT_EQ(it.orientation, 6);
  EXPECT_EQ(it.rating, 4);        // the sidecar's
  EXPECT_EQ(it.label, "Blue");    // the sidecar has none
  EXPECT_EQ(it.duration, 1.5);
  EXPECT_FALSE(it.pixel_width.has_value());
  PixelFacts facts;
  facts.version = 1;
  facts.width = 3000;
  facts.height = 4000;
  ASSERT_TRUE(c->SetPixels({{ContentHash{3, 4}, facts}}));
  items = c->ListTimelineItems({}, 10);
  ASSERT_TRUE(items);
  EXPECT_EQ((*items)[0].pixel_width, 3000);
  EXPECT_EQ((*items)[0].pixel_height, 4000);
  // Facts of a content that could not be decoded give no size.
  PixelFacts broken;
  broken.version = 1;
  broken.error = "truncated";
  ASSERT_TRUE(c->SetPixels({{ContentHash{3, 4}, broken}}));
  items = c->ListTimelineItems({}, 10);
  ASSERT_TRUE(items);
  EXPECT_FALSE((*items)[0].pixel_width.has_value());
}

TYPED_TEST(CatalogContractTest, TimelineSectionsFollowEveryConnectionsWrites) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/t");
  ASSERT_TRUE(c->ApplyBatch(
      Batch(root, {TimelineFile("a.jpg", "2020-01-01T00:00:00")})));
  auto one = c->ListTimelineSections(10);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].count, 1);
  // This connection's write.
  ASSERT_TRUE(c->ApplyBatch(
      Batch(root, {TimelineFile("b.jpg", "2021-01-01T00:00:00")})));
  auto two = c->ListTimelineSections(10);
  ASSERT_TRUE(two);
  EXPECT_EQ((*two)[0].count, 2);
  // Another connection's (another process's) write to the same catalog.
  auto other = this->OpenAnother("catalog");
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->ApplyBatch(
      Batch(root, {TimelineFile("u.png", std::nullopt)})));
  auto three = c->ListTimelineSections(10);
  ASSERT_TRUE(three);
  ASSERT_EQ(three->size(), 2u);
  EXPECT_TRUE((*three)[1].first.undated);
  // Another size; then the first again.
  auto small = c->ListTimelineSections(1);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->size(), 3u);
  EXPECT_EQ(c->ListTimelineSections(10)->size(), 2u);
}

// Few undated files among many dated (a sixteenth at most): SQLite reads
// them by id from its list; the answers are the same.
TYPED_TEST(CatalogContractTest, TimelineItemsOfARangeOfFewUndatedFiles) {
  Catalog* c = this->catalog();
  RootId root = NewRoot(*c, "/t");
  std::vector<FileUpsert> files;
  for (int i = 0; i < 40; ++i) {
    files.push_back(TimelineFile("d" + std::to_string(i) + ".jpg",
                                 "2020-01-01T00:00:" + std::to_string(10 + i),
                                 1000 + i));
  }
  for (int i = 0; i < 3; ++i) {
    files.push_back(TimelineFile("u" + std::to_string(i) + ".jpg",
                                 std::nullopt, 1010 + 10 * i));
  }
  ASSERT_TRUE(c->ApplyBatch(Batch(root, files)));
  auto all = c->ListTimelineItems({}, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 43u);
  EXPECT_THAT(TimelineRels(*c, std::vector(all->begin() + 40, all->end())),
              ElementsAre("u2.jpg", "u1.jpg", "u0.jpg"));
  auto mid = c->ListTimelineItems({(*all)[39].pos, (*all)[42].pos}, 100);
  ASSERT_TRUE(mid);
  EXPECT_THAT(TimelineRels(*c, *mid),
              ElementsAre("d0.jpg", "u2.jpg", "u1.jpg"));
  auto from = c->ListTimelineItems({(*all)[41].pos, std::nullopt}, 1);
  ASSERT_TRUE(from);
  EXPECT_THAT(TimelineRels(*c, *from), ElementsAre("u1.jpg"));
  // A bound between two of them that no file has.
  TimelinePos between;
  between.undated = true;
  between.mtime = FileTime{1015, 0};
  between.id = FileId{1};
  auto forged = c->ListTimelineItems({between, std::nullopt}, 100);
  ASSERT_TRUE(forged);
  EXPECT_THAT(TimelineRels(*c, *forged), ElementsAre("u0.jpg"));
  // Removed since the last listing.
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("u1.jpg").id})));
  auto after = c->ListTimelineItems({(*all)[40].pos, std::nullopt}, 100);
  ASSERT_TRUE(after);
  EXPECT_THAT(TimelineRels(*c, *after), ElementsAre("u2.jpg", "u0.jpg"));
}

}  // namespace
}  // namespace phodex::catalog

namespace phodex::catalog {
namespace {

// The rels a search lists, every page of `limit`, in order.
std::vector<std::string> SearchRels(Catalog& c, const SearchFilter& f,
                                    size_t limit = 1000) {
  std::vector<std::string> out;
  SearchCursor at;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = c.SearchFiles(f, at, limit);
    EXPECT_TRUE(page) << page.error().ToString();
    if (!page) break;
    for (const FileRow& r : page->rows) out.push_back(r.rel);
    if (!page->next) break;
    at = *page->next;
  }
  return out;
}

SearchFilter Words(std::vector<std::string> words) {
  SearchFilter f;
  f.words = std::move(words);
  return f;
}

MediaMetadata Text(std::string taken, std::vector<std::string> keywords,
                   std::string title = "") {
  MediaMetadata m;
  m.taken = std::move(taken);
  m.keywords = std::move(keywords);
  if (!title.empty()) m.title = std::move(title);
  return m;
}

TYPED_TEST(CatalogContractTest, SearchTextFollowsRewritesRenamesAndRemovals) {
  Catalog* c = this->catalog();
  const RootId root = NewRoot(*c, "/r");
  FileUpsert a = Upsert("trip/a.jpg", 10);
  a.metadata = Text("2020-01-01T00:00:00", {"alpha"}, "First light");
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {a, Upsert("trip/b.jpg", 11)})));
  EXPECT_THAT(SearchRels(*c, Words({"alpha"})), ElementsAre("trip/a.jpg"));
  EXPECT_THAT(SearchRels(*c, Words({"first", "lig"})), ElementsAre("trip/a.jpg"));
  EXPECT_THAT(SearchRels(*c, Words({"b"})), ElementsAre("trip/b.jpg"));
  // The file changed: its metadata read again says something else.
  a.stat.size = 12;
  a.metadata = Text("2020-01-01T00:00:00", {"beta"});
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {a})));
  EXPECT_THAT(SearchRels(*c, Words({"alpha"})), IsEmpty());
  EXPECT_THAT(SearchRels(*c, Words({"first"})), IsEmpty());
  EXPECT_THAT(SearchRels(*c, Words({"beta"})), ElementsAre("trip/a.jpg"));
  // Changed again, nothing read: no text but its name.
  a.stat.size = 13;
  a.metadata = MediaMetadata{};
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {a})));
  EXPECT_THAT(SearchRels(*c, Words({"beta"})), IsEmpty());
  EXPECT_THAT(SearchRels(*c, Words({"trip", "a"})), ElementsAre("trip/a.jpg"));
  // The folder renamed: the new name is found, the old one not.
  ASSERT_TRUE(c->RenameFolder(root, "trip", "voyage"));
  EXPECT_THAT(SearchRels(*c, Words({"trip"})), IsEmpty());
  EXPECT_THAT(SearchRels(*c, Words({"voyage"})),
              UnorderedElementsAre("voyage/a.jpg", "voyage/b.jpg"));
  // Removed files are not found; a rating write is.
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("voyage/b.jpg").id})));
  EXPECT_THAT(SearchRels(*c, Words({"voyage"})), ElementsAre("voyage/a.jpg"));
  EXPECT_EQ(*c->CountSearch(Words({"voyage"})), 1);
  RatingWrite w;
  w.root = root;
  w.file = Upsert("voyage/a.jpg", 14);
  w.file.metadata = Text("2020-01-01T00:00:00", {"gamma"});
  w.file.metadata->rating = 4;
  ASSERT_TRUE(c->ApplyRatingWrite(w));
  SearchFilter rated = Words({"gamma"});
  rated.rating_min = 4;
  EXPECT_THAT(SearchRels(*c, rated), ElementsAre("voyage/a.jpg"));
}

TYPED_TEST(CatalogContractTest, SearchOrdersNewestCaptureFirstAndPagesByKey) {
  Catalog* c = this->catalog();
  const RootId root = NewRoot(*c, "/r");
  std::vector<FileUpsert> files;
  for (int i = 0; i < 30; ++i) {
    FileUpsert u = Upsert("f" + std::to_string(100 + i) + ".jpg", i + 1);
    // Ties of capture time, and some files without one.
    if (i % 7 != 0) u.metadata = Text("2020-01-0" + std::to_string(1 + i % 3), {});
    files.push_back(u);
  }
  files.push_back(Upsert("note.txt", 1, MediaKind::kOther));
  ASSERT_TRUE(c->ApplyBatch(Batch(root, files)));
  const std::vector<std::string> all = SearchRels(*c, {});
  ASSERT_EQ(all.size(), 30u);
  EXPECT_EQ(SearchRels(*c, {}, 4), all);  // pages join without gaps
  // Newest first, ties by id (highest first), undated last.
  std::vector<std::pair<std::string, int64_t>> keys;
  for (const std::string& rel : all) {
    const FileRow r = this->Row(rel);
    keys.push_back({r.metadata && r.metadata->taken ? *r.metadata->taken : "",
                    r.id.value});
  }
  EXPECT_TRUE(std::is_sorted(keys.rbegin(), keys.rend()));
  EXPECT_EQ(keys.back().first, "");
  EXPECT_EQ(*c->CountSearch({}), 30);
  auto ids = c->SearchFileIds({}, {}, 30);
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->hits.size(), 30u);
  EXPECT_FALSE(ids->next);
}

// FolderIndex: each folder that directly holds present photos, RAWs or
// videos, in rel order, its count and its newest captured photo or RAW.
TYPED_TEST(CatalogContractTest, FolderTalliesCountPresentMediaPerFolder) {
  Catalog* c = this->catalog();
  const RootId root = NewRoot(*c, "/r");
  const RootId other = NewRoot(*c, "/o");
  auto taken = [](FileUpsert u, const char* when) {
    MediaMetadata m;
    m.taken = when;
    u.metadata = m;
    return u;
  };
  ASSERT_TRUE(c->ApplyBatch(Batch(
      root,
      {Upsert("a.jpg"), taken(Upsert("x/old.jpg"), "2001-01-01T00:00:00"),
       taken(Upsert("x/new.jpg"), "2020-05-01T10:00:00"),
       taken(Upsert("x/clip.mp4", 1, MediaKind::kVideo), "2030-01-01T00:00:00"),
       Upsert("x/new.xmp", 1, MediaKind::kSidecar),
       Upsert("x/notes.txt", 1, MediaKind::kOther), Upsert("x/gone.jpg"),
       taken(Upsert("x/y/z/deep.cr2", 1, MediaKind::kRaw), "2010-01-01T00:00:00"),
       Upsert("x-y/b.jpg")},
      10)));
  ASSERT_TRUE(c->ApplyBatch(Batch(other, {Upsert("x/elsewhere.jpg")}, 10)));
  ASSERT_TRUE(c->ApplyBatch(Removal(root, {this->Row("x/gone.jpg").id})));
  auto t = c->TallyFolders(root);
  ASSERT_TRUE(t) << t.error().ToString();
  std::vector<std::string> rels;
  for (const FolderTally& f : *t) rels.push_back(f.rel);
  // Byte order: '-' (0x2d) sorts before '/' (0x2f).
  EXPECT_THAT(rels, ElementsAre("", "x", "x-y", "x/y/z"));
  EXPECT_EQ((*t)[0].media, 1);
  EXPECT_FALSE((*t)[0].cover);  // no capture time
  EXPECT_EQ((*t)[1].media, 3);  // two photos and the video
  ASSERT_TRUE((*t)[1].cover);   // the newest photo, not the newer video
  EXPECT_EQ(*(*t)[1].cover, this->Row("x/new.jpg").id);
  EXPECT_EQ((*t)[1].cover_taken, "2020-05-01T10:00:00");
  EXPECT_EQ((*t)[3].media, 1);
  EXPECT_EQ(*(*t)[3].cover, this->Row("x/y/z/deep.cr2").id);
  auto none = c->TallyFolders(RootId{999});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// The content version changes with each write to roots, files or metadata,
// and only then.
TYPED_TEST(CatalogContractTest, ContentVersionChangesWithEveryWrite) {
  Catalog* c = this->catalog();
  auto version = [&] {
    auto v = c->ContentVersion();
    EXPECT_TRUE(v) << v.error().ToString();
    return v.value_or(0);
  };
  std::set<int64_t> seen = {version()};
  auto changed = [&](const char* what) {
    const int64_t v = version();
    EXPECT_TRUE(seen.insert(v).second) << what << " left it at " << v;
  };
  const RootId root = NewRoot(*c, "/r");
  changed("AddRoot");
  ASSERT_TRUE(c->ApplyBatch(Batch(root, {Upsert("a/x.jpg", 5)}, 10)));
  changed("ApplyBatch");
  const FileRow x = this->Row("a/x.jpg");
  ASSERT_TRUE(c->SetMetadata({MetadataUpdate{x.id, 5, x.mtime, x.ino,
                                             Width(3), std::nullopt, 3}}));
  changed("SetMetadata");
  ASSERT_TRUE(c->SetRootScanned(root, 20));
  changed("SetRootScanned");
  ASSERT_TRUE(c->RenameFolder(root, "a", "b"));
  changed("RenameFolder");
  // Reads leave it.
  const int64_t before = version();
  ASSERT_TRUE(c->TallyFolders(root));
  ASSERT_TRUE(c->Stats());
  EXPECT_EQ(version(), before);
  ASSERT_TRUE(c->RemoveRoot(root, Purge::kNo, 30));
  changed("RemoveRoot");
  // Another catalog has another number.
  auto another = this->OpenAnother("another");
  ASSERT_TRUE(another);
  EXPECT_NE(another->ContentVersion().value_or(before), version());
}

}  // namespace
}  // namespace phodex::catalog
