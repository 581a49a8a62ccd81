#include "library/verify.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using namespace std::chrono_literals;

class VerifyTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    WriteJpeg("a.jpg", "a");
    WriteJpeg("b.jpg", "b");
    OpenAndScan();
  }
};

TEST_F(VerifyTest, AFileChangedSinceTheScanIsReported) {
  std::ofstream(RootPath() + "/b.jpg", std::ios::app) << " and more";
  auto r = VerifyFiles(*lib_, {}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->report.changed, 1);
  ASSERT_EQ(r->report.findings.size(), 1u);
  EXPECT_EQ(r->report.findings[0].kind, scan::VerifyFinding::Kind::kChanged);
  EXPECT_EQ(r->report.findings[0].path, root_.path + "/b.jpg");
  EXPECT_EQ(r->report.baselined, 1);  // a.jpg gets its full hash
  EXPECT_FALSE(r->report.interrupted);
  const catalog::Operation op = Operations().front();
  EXPECT_EQ(op.id, r->op);
  EXPECT_EQ(op.type, "verify");
  EXPECT_EQ(op.status, catalog::OperationStatus::kCompleted);
}

TEST_F(VerifyTest, ThePathIsTheScopeAndTheClockTimesTheRun) {
  VerifyRequest request;
  request.paths = {RootPath() + "/a.jpg"};
  auto r = VerifyFiles(*lib_, request, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->report.baselined, 1);
  EXPECT_EQ(r->seconds, 0);  // the fake clock did not move
  EXPECT_EQ(Operations().front().scope, RootPath() + "/a.jpg");
}

TEST_F(VerifyTest, APathInNoRootBeginsNoOperation) {
  const size_t before = Operations().size();
  VerifyRequest request;
  request.paths = {dir_ / "elsewhere"};
  auto r = VerifyFiles(*lib_, request, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Operations().size(), before);
}

TEST_F(VerifyTest, ACancelledRunEndsInterrupted) {
  jobs::CancelSource cancel;
  cancel.Cancel();
  auto r = VerifyFiles(*lib_, {}, cancel.token());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->report.interrupted);
  EXPECT_EQ(Operations().front().status,
            catalog::OperationStatus::kInterrupted);
}

}  // namespace
}  // namespace phodex::library
