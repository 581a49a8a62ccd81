#include "library/rate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class RecordingSink final : public RateSink {
 public:
  void Rated(const RatedFile& f) override { rated.push_back(f); }
  void Failed(const Error& e) override { failed.push_back(e.ToString()); }
  std::vector<RatedFile> rated;
  std::vector<std::string> failed;
};

class RateTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    WriteJpeg("a.jpg", "a");
    OpenAndScan();
  }
  RecordingSink sink_;
};

TEST_F(RateTest, RatingAFileRecordsOneCompletedOperation) {
  const size_t before = Operations().size();
  clock_.Advance(1h);
  RateRequest request;
  request.paths = {RootPath() + "/a.jpg"};
  request.stars = 4;
  auto r = Rate(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rated, 1);
  EXPECT_EQ(r->errors, 0);
  EXPECT_FALSE(r->interrupted);
  ASSERT_EQ(sink_.rated.size(), 1u);
  EXPECT_EQ(sink_.rated[0].written_path, root_.path + "/a.jpg.xmp");
  EXPECT_TRUE(sink_.rated[0].created);
  EXPECT_EQ(sink_.rated[0].rating, 4);
  const auto ops = Operations();
  ASSERT_EQ(ops.size(), before + 1);
  const catalog::Operation& op = ops.front();  // newest first
  EXPECT_EQ(op.id, r->op);
  EXPECT_EQ(op.type, "rate");
  EXPECT_EQ(op.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(op.counts.updated, 1);
  EXPECT_EQ(op.started_ns, testing::FakeClock::kStartUnixNs +
                               std::chrono::nanoseconds(1h).count());
}

TEST_F(RateTest, TheFavoriteRatingComesFromTheSettings) {
  RateRequest request;
  request.paths = {RootPath() + "/a.jpg"};
  request.rating = RateRequest::Rating::kFavorite;
  auto r = Rate(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rating, Config{}.favorite_rating);
}

TEST_F(RateTest, AFileNotInTheCatalogIsToldAndTheRunFails) {
  RateRequest request;
  request.paths = {RootPath() + "/missing.jpg", RootPath() + "/a.jpg"};
  auto r = Rate(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->rated, 1);
  EXPECT_EQ(r->errors, 1);
  ASSERT_EQ(sink_.failed.size(), 1u);
  EXPECT_THAT(sink_.failed[0], HasSubstr("not a file in the catalog"));
  EXPECT_EQ(Operations().front().status, catalog::OperationStatus::kFailed);
}

TEST_F(RateTest, ABusyRootIsRefusedAndTheOperationEndsFailed) {
  FileLocks scan(lib_->data());
  auto held = scan.LockRoot(root_.id, catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);
  RateRequest request;
  request.paths = {RootPath() + "/a.jpg"};
  auto r = Rate(*lib_, request, sink_, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kBusy);
  EXPECT_EQ(r.error().ToString(),
            "root 'lib' is being scanned by another phodex process; use "
            "--wait");
  const catalog::Operation op = Operations().front();
  EXPECT_EQ(op.type, "rate");
  EXPECT_EQ(op.status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(op.error, "root busy");
}

}  // namespace
}  // namespace phodex::library
