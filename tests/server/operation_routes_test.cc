// GET /api/v1/operations and /api/v1/operations/{id} (docs/api.md,
// "Operations"): shapes, keyset paging to the end while operations are
// added, the type filter, file errors, and what a client must not send.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

class OperationRoutesTest : public ApiTest {
 protected:
  // A finished operation of `type`, with `errors` file errors.
  OperationId AddOperation(const std::string& type, int errors = 0) {
    catalog::Operation op;
    op.type = type;
    op.started_ns = 1'000'000'000;
    auto id = catalog_->BeginOperation(op);
    EXPECT_TRUE(id);
    catalog::OperationCounts counts;
    counts.scanned = 3;
    EXPECT_TRUE(catalog_->FinishOperation(*id, catalog::OperationStatus::kCompleted,
                                          counts, "", 3'500'000'000));
    std::vector<catalog::FileErrorEntry> list;
    for (int i = 0; i < errors; ++i) {
      list.push_back({"/lib/bad" + std::to_string(i) + ".jpg", "read", "EIO"});
    }
    EXPECT_TRUE(catalog_->RecordFileErrors(*id, list, 4));
    return *id;
  }
};

TEST_F(OperationRoutesTest, EmptyHistoryIsAnEmptyPage) {
  const Response r = Get("/api/v1/operations");
  ASSERT_EQ(r.status, 200);
  const auto j = Body(r);
  EXPECT_TRUE(j["operations"].empty());
  EXPECT_TRUE(j["next"].is_null());
}

TEST_F(OperationRoutesTest, AnOperationHasTheCliShape) {
  const OperationId id = AddOperation("thumbs");
  const auto j = Body(Get("/api/v1/operations"));
  ASSERT_EQ(j["operations"].size(), 1u);
  const auto& op = j["operations"][0];
  EXPECT_EQ(op["id"], id.value);
  EXPECT_EQ(op["type"], "thumbs");
  EXPECT_EQ(op["status"], "completed");
  EXPECT_EQ(op["scanned"], 3);
  EXPECT_DOUBLE_EQ(op["duration_s"].get<double>(), 2.5);
  EXPECT_TRUE(op.contains("started"));
  EXPECT_TRUE(op.contains("ended"));
}

TEST_F(OperationRoutesTest, PagesReachTheEndWithoutGapsOrRepeatsWhileAdded) {
  std::set<int64_t> before;
  for (int i = 0; i < 23; ++i) before.insert(AddOperation("scan").value);
  std::set<int64_t> seen;
  std::string cursor;
  int pages = 0;
  int64_t last = std::numeric_limits<int64_t>::max();
  for (;;) {
    const Response r = Get("/api/v1/operations?limit=5" +
                           (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = Body(r);
    for (const auto& op : j["operations"]) {
      const int64_t id = op["id"].get<int64_t>();
      EXPECT_LT(id, last) << "newest first";
      last = id;
      EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
    }
    AddOperation("reconcile");  // newer ones never enter later pages
    ++pages;
    if (j["next"].is_null()) break;
    cursor = j["next"].get<std::string>();
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(seen, before);
  EXPECT_EQ(pages, 5);
}

TEST_F(OperationRoutesTest, TypeFilterPagesOnlyThatType) {
  for (int i = 0; i < 4; ++i) {
    AddOperation("scan");
    AddOperation("rate");
  }
  auto j = Body(Get("/api/v1/operations?type=rate&limit=3"));
  ASSERT_EQ(j["operations"].size(), 3u);
  for (const auto& op : j["operations"]) EXPECT_EQ(op["type"], "rate");
  j = Body(Get("/api/v1/operations?type=rate&limit=3&cursor=" +
               j["next"].get<std::string>()));
  EXPECT_EQ(j["operations"].size(), 1u);
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_TRUE(Body(Get("/api/v1/operations?type=..%2F..%2Fetc"))["operations"]
                  .empty());
}

TEST_F(OperationRoutesTest, OneOperationWithItsFileErrorsCapped) {
  const OperationId few = AddOperation("scan", 2);
  const OperationId many = AddOperation("thumbs", 101);
  auto j = Body(Get("/api/v1/operations/" + std::to_string(few.value)));
  EXPECT_EQ(j["operation"]["id"], few.value);
  ASSERT_EQ(j["file_errors"].size(), 2u);
  EXPECT_EQ(j["file_errors"][0]["reason"], "EIO");
  EXPECT_EQ(j["file_errors"][0]["operation"], few.value);
  EXPECT_FALSE(j["more_file_errors"].get<bool>());
  j = Body(Get("/api/v1/operations/" + std::to_string(many.value)));
  EXPECT_EQ(j["file_errors"].size(), 100u);
  EXPECT_TRUE(j["more_file_errors"].get<bool>());
}

TEST_F(OperationRoutesTest, BadIdsCursorsAndLimitsAre400UnknownIs404) {
  AddOperation("scan");
  EXPECT_EQ(Get("/api/v1/operations/999").status, 404);
  EXPECT_EQ(Get("/api/v1/operations/9223372036854775807").status, 404);
  for (const char* id : {"abc", "-1", "0", "01", "9223372036854775808",
                         "99999999999999999999", "1.5", "%20"}) {
    EXPECT_EQ(Get(std::string("/api/v1/operations/") + id).status, 400) << id;
  }
  for (const char* q : {"limit=0", "limit=-1", "limit=501", "limit=abc",
                        "limit=", "limit=9223372036854775808", "cursor=abc",
                        "cursor=-5", "cursor=0", "cursor=1e3"}) {
    EXPECT_EQ(Get(std::string("/api/v1/operations?") + q).status, 400) << q;
  }
  EXPECT_EQ(Get("/api/v1/operations?type=" + std::string(65, 'x')).status, 400);
  // Unknown parameters are ignored; the maximum limit is allowed.
  EXPECT_EQ(Get("/api/v1/operations?limit=500&whatever=1").status, 200);
  // A cursor from elsewhere (any valid id) only starts further down.
  EXPECT_EQ(Get("/api/v1/operations?cursor=9223372036854775807").status, 200);
  EXPECT_EQ(Get("/api/v1/operations/1/..").status, 400);
}

}  // namespace
}  // namespace phodex::server
