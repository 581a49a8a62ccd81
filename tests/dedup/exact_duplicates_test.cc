#include "dedup/exact_duplicates.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::dedup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Files by absolute path: content decides the hashes. Counts reads.
class FakeContent {
 public:
  void Set(const std::string& path, const std::string& content) {
    content_[path] = content;
  }
  void Remove(const std::string& path) { content_.erase(path); }
  Hashers hashers() {
    Hashers h;
    h.quick = [this](const std::string& p) -> Result<ContentHash> {
      std::lock_guard lock(mu_);
      ++quick_reads;
      if (!content_.count(p)) {
        return MakeError(ErrorCode::kNotFound, "gone", "open", p);
      }
      // "Quick": only the first 4 bytes and the size matter.
      const std::string& c = content_.at(p);
      return ContentHash{std::hash<std::string>()(c.substr(0, 4)), c.size()};
    };
    h.full = [this](const std::string& p) -> Result<ContentHash> {
      std::lock_guard lock(mu_);
      ++full_reads;
      if (!content_.count(p)) {
        return MakeError(ErrorCode::kNotFound, "gone", "open", p);
      }
      return ContentHash{std::hash<std::string>()(content_.at(p)), 1};
    };
    return h;
  }
  int quick_reads = 0;
  int full_reads = 0;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> content_;
};

class ExactDuplicatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = std::move(*catalog::OpenSqliteCatalog(dir_ / "c.db", {}));
    root_ = cat_->AddRoot("/r", "r", 1)->id;
  }
  // Catalogs a file with `content` (quick hash unknown, as after a
  // discovery-only scan) on inode `ino`.
  void Add(const std::string& rel, const std::string& content,
           uint64_t ino = 0) {
    content_.Set("/r/" + rel, content);
    catalog::ScanBatch b;
    b.root = root_;
    catalog::FileUpsert u;
    u.rel = rel;
    u.stat.size = static_cast<int64_t>(content.size());
    u.stat.ino = ino ? ino : next_ino_++;
    u.stat.dev = 1;
    u.kind = MediaKind::kPhoto;
    b.upserts = {u};
    ASSERT_TRUE(cat_->ApplyBatch(b));
  }
  DuplicateReport Find(std::vector<std::string> scopes = {}) {
    DuplicateOptions o;
    o.scopes = std::move(scopes);
    o.threads = 2;
    auto r = FindExactDuplicates(*cat_, content_.hashers(), o);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }
  static std::vector<std::string> Paths(const DuplicateGroup& g) {
    std::vector<std::string> out;
    for (const auto& f : g.files) out.push_back(f.path);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<catalog::Catalog> cat_;
  RootId root_;
  FakeContent content_;
  uint64_t next_ino_ = 100;
};

TEST_F(ExactDuplicatesTest, GroupsIdenticalContentOnly) {
  Add("a.jpg", "AAAA-same-content");
  Add("b/a-copy.jpg", "AAAA-same-content");
  Add("c/a-copy2.jpg", "AAAA-same-content");
  Add("d.jpg", "AAAA-diff-content");  // same size and head, other bytes
  Add("e.jpg", "unique");
  DuplicateReport r = Find();
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_THAT(Paths(r.groups[0]),
              ElementsAre("/r/a.jpg", "/r/b/a-copy.jpg", "/r/c/a-copy2.jpg"));
  EXPECT_EQ(r.groups[0].wasted, 2 * 17);
  EXPECT_EQ(r.wasted, 2 * 17);
  // e.jpg has a unique size: never read.
  EXPECT_EQ(content_.quick_reads, 4);
  EXPECT_EQ(content_.full_reads, 4);  // a, copies and d share a quick hash
}

TEST_F(ExactDuplicatesTest, ReadsOnlyWhatItMustAndRemembersFullHashes) {
  Add("a.jpg", "AAAA1");
  Add("b.jpg", "BBBB1");  // same size, other quick hash: no full read
  Add("c.jpg", "AAAA1");
  Find();
  EXPECT_EQ(content_.full_reads, 2);
  // The full hashes are in the catalog now: the second run reads nothing
  // in full again.
  Find();
  EXPECT_EQ(content_.full_reads, 2);
}

TEST_F(ExactDuplicatesTest, HardLinksAndEmptyFilesAreNotDuplicates) {
  Add("a.jpg", "AAAA-x", /*ino=*/7);
  Add("link-to-a.jpg", "AAAA-x", /*ino=*/7);
  Add("empty1.jpg", "");
  Add("empty2.jpg", "");
  EXPECT_THAT(Find().groups, IsEmpty());
  // A real copy next to the two links: one group, one copy wasted.
  Add("copy.jpg", "AAAA-x");
  DuplicateReport r = Find();
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].files.size(), 3u);
  EXPECT_EQ(r.groups[0].distinct_inodes, 2);
  EXPECT_EQ(r.groups[0].wasted, 6);
}

TEST_F(ExactDuplicatesTest, ScopesLimitTheFilesConsidered) {
  Add("2020/a.jpg", "AAAA-1");
  Add("2020/b.jpg", "AAAA-1");
  Add("2021/c.jpg", "AAAA-1");
  DuplicateReport r = Find({"/r/2020"});
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_THAT(Paths(r.groups[0]), ElementsAre("/r/2020/a.jpg", "/r/2020/b.jpg"));
  EXPECT_EQ(Find({"/r/2021"}).groups.size(), 0u);
  EXPECT_EQ(Find({"/r/2021", "/r/2020/a.jpg"}).groups.size(), 1u);
}

TEST_F(ExactDuplicatesTest, UnreadableFilesAreReportedNotFatal) {
  Add("a.jpg", "AAAA-1");
  Add("b.jpg", "AAAA-1");
  Add("c.jpg", "AAAA-1");
  content_.Remove("/r/c.jpg");  // gone since the scan
  DuplicateReport r = Find();
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_THAT(Paths(r.groups[0]), ElementsAre("/r/a.jpg", "/r/b.jpg"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], ::testing::HasSubstr("c.jpg"));
}

}  // namespace
}  // namespace phodex::dedup
