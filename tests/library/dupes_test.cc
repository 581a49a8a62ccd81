#include "library/dupes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using ::testing::HasSubstr;

class RecordingSink final : public DupesSink {
 public:
  void JournalSettled(const dedup::RecoveredAction&) override { ++settled; }
  void Unreadable(const std::string& e) override { unreadable.push_back(e); }
  int settled = 0;
  std::vector<std::string> unreadable;
};

class DupesTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    WriteJpeg("a.jpg", "same bytes");
    WriteJpeg("sub/b.jpg", "same bytes");
    WriteJpeg("sub/c.jpg", "same bytes");
    WriteJpeg("other.jpg", "other bytes");
    OpenAndScan();
  }
  RecordingSink sink_;
};

TEST_F(DupesTest, AReportFindsTheOneGroupOfCopies) {
  auto r = DupesPlan(*lib_, {}, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->report.groups.size(), 1u);
  const dedup::DuplicateGroup& g = r->report.groups[0];
  ASSERT_EQ(g.files.size(), 3u);
  EXPECT_EQ(g.files[0].path, root_.path + "/a.jpg");
  EXPECT_EQ(g.wasted, 2 * g.size);
  EXPECT_TRUE(r->plan.groups.empty());  // no action: no plan
  EXPECT_TRUE(r->locks.empty());        // a report takes no lock
  EXPECT_TRUE(sink_.unreadable.empty());
}

TEST_F(DupesTest, APlanKeepsOneCopyAndChangesNothing) {
  DupesRequest request;
  request.action.kind = dedup::ActionKind::kDelete;
  request.paths = {RootPath() + "/sub"};
  auto r = DupesPlan(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->plan.groups.size(), 1u);  // b and c, within sub/
  EXPECT_EQ(r->plan.actions, 1);
  EXPECT_EQ(r->plan.groups[0].kept.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(RootPath() + "/sub/b.jpg"));
  EXPECT_TRUE(std::filesystem::exists(RootPath() + "/sub/c.jpg"));
  EXPECT_EQ(Operations().size(), 1u);  // the scan's only
}

TEST_F(DupesTest, ApplyIsRefusedWhileARootIsLockedAndActsOnceItIsFree) {
  DupesRequest request;
  request.action.kind = dedup::ActionKind::kDelete;
  request.apply = DupesRequest::Apply::kYes;
  {
    // A scan of the root in another process (the lock files are per open
    // file, so a second set of locks stands for it).
    FileLocks scan(lib_->data());
    auto held = scan.LockRoot(root_.id, catalog::Locks::Wait::kNo);
    ASSERT_TRUE(held);
    auto r = DupesPlan(*lib_, request, sink_, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
    EXPECT_THAT(r.error().message(), HasSubstr("root 'lib' is busy"));
  }
  auto r = DupesPlan(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->locks.empty());
  auto applied = DupesApply(*lib_, *r, {});
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_EQ(applied->deleted, 2);
  int left = 0;
  for (const char* rel : {"/a.jpg", "/sub/b.jpg", "/sub/c.jpg"}) {
    left += std::filesystem::exists(RootPath() + rel) ? 1 : 0;
  }
  EXPECT_EQ(left, 1);  // one copy stays
  EXPECT_TRUE(std::filesystem::exists(RootPath() + "/other.jpg"));
  const auto ops = Operations();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops.front().type, "dupes");
  EXPECT_EQ(ops.front().status, catalog::OperationStatus::kCompleted);
}

TEST_F(DupesTest, AKeepRootThatNamesNoRootIsAnInvalidRequest) {
  DupesRequest request;
  request.action.kind = dedup::ActionKind::kDelete;
  request.action.keep = dedup::ParseKeepRule("root:nope").value();
  auto r = DupesPlan(*lib_, request, sink_, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().ToString(), "--keep: no root named 'nope'");
}

}  // namespace
}  // namespace phodex::library
