#include "library/queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "library/operation_output.h"
#include "library/scan.h"
#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

class QueriesTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    Write("lib/a/1.jpg", "\xff\xd8\xff one");
    Write("lib/a/2.jpg", "\xff\xd8\xff two");
    Write("lib/b/3.jpg", "\xff\xd8\xff three");
    ScanPathsRequest req;
    req.paths = {dir_ / "lib"};
    ScanSink quiet;
    auto scanned = ScanPaths(*lib_, req, quiet, jobs::CancelToken());
    ASSERT_TRUE(scanned) << scanned.error().ToString();
    ASSERT_EQ(scanned->status, ScanStatus::kOk);
  }
  std::vector<std::string> Ls(const ListFilesRequest& req) {
    std::vector<std::string> rels;
    auto n = ListFiles(*lib_, req,
                       [&](const catalog::FileRow& r) { rels.push_back(r.rel); });
    EXPECT_TRUE(n) << n.error().ToString();
    if (n) {
      EXPECT_EQ(*n, static_cast<int64_t>(rels.size()));
    }
    return rels;
  }
};

TEST_F(QueriesTest, LsListsAFolderOrAllAndHonoursTheLimit) {
  using ::testing::ElementsAre;
  EXPECT_THAT(Ls({}), ElementsAre("a/1.jpg", "a/2.jpg", "b/3.jpg"));
  ListFilesRequest folder;
  folder.path = dir_ / "lib/a";
  EXPECT_THAT(Ls(folder), ElementsAre("a/1.jpg", "a/2.jpg"));
  folder.limit = 1;
  EXPECT_THAT(Ls(folder), ElementsAre("a/1.jpg"));
  ListFilesRequest outside;
  outside.path = dir_ / "data";
  bool started = false;
  auto none = ListFiles(
      *lib_, outside, [](const catalog::FileRow&) {}, [&] { started = true; });
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(started);
}

TEST_F(QueriesTest, ShowFindsAFileNotAFolder) {
  auto file = GetFileAt(*lib_, dir_ / "lib/b/3.jpg");
  ASSERT_TRUE(file) << file.error().ToString();
  ASSERT_TRUE(*file);
  EXPECT_EQ((*file)->rel, "b/3.jpg");
  auto folder = GetFileAt(*lib_, dir_ / "lib/b");
  ASSERT_TRUE(folder);
  EXPECT_FALSE(*folder);
  auto gone = GetFileAt(*lib_, dir_ / "lib/b/nope.jpg");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_F(QueriesTest, OpsListTheScanAndItsJsonHasTheStableFields) {
  auto ops = ListOperations(*lib_, 20);
  ASSERT_TRUE(ops);
  ASSERT_EQ(ops->size(), 1u);
  const catalog::Operation& op = ops->front();
  EXPECT_EQ(op.type, "scan");
  EXPECT_EQ(op.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(op.started_ns, testing::FakeClock::kStartUnixNs);
  const nlohmann::json j = OperationToJson(op);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  for (const char* k : {"id", "type", "root", "scope", "status", "started",
                        "ended", "duration_s", "scanned", "added", "updated",
                        "removed", "errors", "moved", "error", "pid", "host"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["added"], 3);
  EXPECT_EQ(j["root"], "lib");
  EXPECT_EQ(j["started"], "2026-01-01T00:00:00.000000000Z");
  auto errors = ListFileErrors(*lib_, op.id, 10);
  ASSERT_TRUE(errors);
  EXPECT_TRUE(errors->empty());

  auto status = GetStatus(*lib_, {});
  ASSERT_TRUE(status);
  ASSERT_EQ(status->stats.roots.size(), 1u);
  EXPECT_EQ(status->stats.roots[0].present, 3);
  EXPECT_EQ(status->offline_reasons, std::vector<std::string>{""});
  EXPECT_EQ(status->recent.size(), 1u);
  EXPECT_FALSE(status->pixels);
}

}  // namespace
}  // namespace phodex::library
