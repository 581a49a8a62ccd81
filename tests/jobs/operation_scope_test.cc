#include "jobs/operation_scope.h"

#include <gtest/gtest.h>

#include <chrono>

#include "catalog/sqlite/sqlite_catalog.h"
#include "jobs/cancel_token.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::jobs {
namespace {

using catalog::OperationStatus;
using namespace std::chrono_literals;

class OperationScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c) << c.error().ToString();
    catalog_ = std::move(*c);
  }
  catalog::Operation Only() {
    auto ops = catalog_->ListOperations(10);
    EXPECT_TRUE(ops);
    EXPECT_EQ(ops->size(), 1u);
    return ops->empty() ? catalog::Operation{} : ops->front();
  }
  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(OperationScopeTest, FinishRecordsTheEndAtTheClocksTime) {
  catalog::Operation op;
  op.type = "verify";
  auto scope = OperationScope::Begin(*catalog_, clock_, op);
  ASSERT_TRUE(scope) << scope.error().ToString();
  EXPECT_EQ(Only().status, OperationStatus::kRunning);
  EXPECT_EQ(Only().started_ns, testing::FakeClock::kStartUnixNs);
  clock_.Advance(3s);
  catalog::OperationCounts counts;
  counts.scanned = 7;
  ASSERT_TRUE(scope->Finish(OperationStatus::kCompleted, counts));
  EXPECT_TRUE(scope->finished());
  const catalog::Operation done = Only();
  EXPECT_EQ(done.status, OperationStatus::kCompleted);
  EXPECT_EQ(done.counts.scanned, 7);
  ASSERT_TRUE(done.ended_ns);
  EXPECT_EQ(*done.ended_ns - done.started_ns, 3'000'000'000);
}

TEST_F(OperationScopeTest, AScopeLeftUnfinishedEndsFailedNotRunning) {
  {
    auto scope = OperationScope::Begin(*catalog_, clock_, {.type = "rate"});
    ASSERT_TRUE(scope);
    auto moved = std::move(*scope);  // the moved-from scope ends nothing
    clock_.Advance(1s);
  }
  const catalog::Operation done = Only();
  EXPECT_EQ(done.status, OperationStatus::kFailed);
  EXPECT_EQ(done.error, "ended without a result");
}

TEST_F(OperationScopeTest, FailRecordsAndReturnsTheCause) {
  auto scope = OperationScope::Begin(*catalog_, clock_, {.type = "dupes"});
  ASSERT_TRUE(scope);
  const Error why(ErrorCode::kIo, "disk full", "write", "/x");
  const Error back = scope->Fail(why);
  EXPECT_EQ(back.message(), "disk full");
  EXPECT_EQ(Only().status, OperationStatus::kFailed);
  EXPECT_EQ(Only().error, why.ToString());
}

TEST(CancelToken, ADefaultTokenIsNeverCancelledASourceCancelsItsTokens) {
  EXPECT_FALSE(CancelToken().cancelled());
  CancelSource source;
  const CancelToken token = source.token();
  EXPECT_FALSE(token.cancelled());
  source.Cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_TRUE(source.cancelled());
}

}  // namespace
}  // namespace phodex::jobs
