// POST /api/v1/ratings and GET /api/v1/ratings/jobs/{job} (docs/api.md,
// "Ratings") against ApiTest's catalog: with no job runner the jobs run
// inline, so the answer is final; with a runner that does not come in
// time, 202 and the jobs to poll.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "library/rate_jobs.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

class RatingRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    WriteJpeg("a.jpg", "a");
    WriteJpeg("sub/b.jpg", "b");
    OpenAndScan();
  }
  int64_t IdOf(const std::string& rel) {
    auto row = catalog_->FindFile(root_.id, rel);
    EXPECT_TRUE(row && *row) << rel;
    return row && *row ? (*row)->id.value : 0;
  }
  static std::string XmpOf(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(RatingRoutesTest, OneFileIsRatedAndLabelledInItsSidecar) {
  const Response r =
      Post("/api/v1/ratings",
           {{"id", IdOf("a.jpg")}, {"rating", 3}, {"label", "Red"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["counts"], json({{"done", 1}, {"failed", 0}, {"pending", 0}}));
  ASSERT_EQ(j["files"].size(), 1u);
  const json& f = j["files"][0];
  EXPECT_EQ(f["id"], IdOf("a.jpg"));
  EXPECT_EQ(f["state"], "done");
  EXPECT_EQ(f["written"], root_.path + "/a.jpg.xmp");
  EXPECT_EQ(f["sidecar_created"], true);
  EXPECT_TRUE(f["job"].is_number_integer());
  const std::string xmp = XmpOf(root_.path + "/a.jpg.xmp");
  EXPECT_THAT(xmp, HasSubstr("xmp:Rating=\"3\""));
  EXPECT_THAT(xmp, HasSubstr("xmp:Label=\"Red\""));

  // The job can be polled afterwards.
  const Response polled =
      Get("/api/v1/ratings/jobs/" + std::to_string(f["job"].get<int64_t>()));
  ASSERT_EQ(polled.status, 200) << polled.body;
  EXPECT_EQ(Body(polled)["state"], "done");
  EXPECT_EQ(Body(polled)["written"], root_.path + "/a.jpg.xmp");
}

TEST_F(RatingRoutesTest, ManyFilesArePickedEachByItsOwnJob) {
  const Response r = Post(
      "/api/v1/ratings",
      {{"ids", {IdOf("a.jpg"), IdOf("sub/b.jpg")}}, {"pick", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  EXPECT_EQ(j["counts"]["done"], 2);
  EXPECT_EQ(j["files"][0]["pick"], false);
  EXPECT_NE(j["files"][0]["job"], j["files"][1]["job"]);
  const std::string xmp = XmpOf(root_.path + "/sub/b.jpg.xmp");
  EXPECT_THAT(xmp, HasSubstr("xmp:Rating=\"-1\""));
  EXPECT_THAT(xmp, HasSubstr("digiKam:PickLabel=\"1\""));
}

TEST_F(RatingRoutesTest, UnknownRemovedAndMissingFilesFailOneByOne) {
  const int64_t a = IdOf("a.jpg"), b = IdOf("sub/b.jpg");
  std::filesystem::remove(RootPath() + "/sub/b.jpg");
  Rescan();
  std::filesystem::remove(RootPath() + "/a.jpg");  // gone since the scan
  const Response r = Post(
      "/api/v1/ratings",
      {{"ids", {a, b, int64_t{1} << 40}}, {"favorite", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  EXPECT_EQ(j["counts"]["failed"], 3);
  for (const json& f : j["files"]) {
    EXPECT_EQ(f["state"], "failed");
    EXPECT_TRUE(f["error"].is_string()) << f.dump();
  }
  EXPECT_THAT(j["files"][1]["error"].get<std::string>(), HasSubstr("removed"));
  EXPECT_FALSE(std::filesystem::exists(RootPath() + "/a.jpg.xmp"));
}

TEST_F(RatingRoutesTest, BadRequestsAre400) {
  const std::string id = std::to_string(IdOf("a.jpg"));
  const char* const kBodies[] = {
      "not json",
      "{}",
      "{\"ids\": [1], \"rating\": 9}",
      "{\"ids\": \"1,2\", \"rating\": 1}",
      "{\"id\": \"abc\", \"rating\": 1}",
      "{\"id\": -1, \"rating\": 1}",
      "{\"id\": 9223372036854775808, \"rating\": 1}",
      "{\"id\": 1, \"label\": \"../../etc/passwd\"}",
      "{\"id\": 1, \"write\": \"../x\", \"rating\": 1}",
      "{\"id\": 1}",
      "{\"query\": {\"rating\": 5}, \"rating\": 1}",
  };
  for (const char* body : kBodies) {
    const Response r = Call(Method::kPost, "/api/v1/ratings", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.content_type, "application/problem+json") << body;
  }
  EXPECT_THAT(Call(Method::kPost, "/api/v1/ratings",
                   "{\"query\": {}, \"rating\": 1}")
                  .body,
              HasSubstr("not supported yet"));
  EXPECT_FALSE(std::filesystem::exists(RootPath() + "/a.jpg.xmp"));
  for (const char* job : {"abc", "-1", "0", "99999", "9223372036854775808",
                          "1%20", "%31"}) {
    EXPECT_EQ(Get(std::string("/api/v1/ratings/jobs/") + job).status, 404)
        << job;
  }
  // Traversal never reaches the route (ParseTarget).
  EXPECT_EQ(Get("/api/v1/ratings/jobs/1%2F..%2F2").status, 400);
}

TEST_F(RatingRoutesTest, ARunnerThatIsNotDoneInTimeGets202AndJobsToPoll) {
  ApiHooks hooks;
  int woken = 0;
  hooks.jobs_queued = [&] { ++woken; };
  hooks.interactive_wait = std::chrono::milliseconds(0);
  Api api(std::move(hooks));
  Request req;
  req.method = Method::kPost;
  req.path = "/api/v1/ratings";
  req.body = json({{"id", IdOf("a.jpg")}, {"rating", 5}}).dump();
  const Router::Match m = router_.Find(req.method, req.path);
  ASSERT_NE(m.route, nullptr);
  server::Call call{req, *lib_, api};
  const Response r = m.route->handler(call);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(woken, 1);
  EXPECT_THAT(r.headers, ::testing::Contains(std::pair<std::string, std::string>(
                             "Retry-After", "1")));
  const json j = Body(r);
  EXPECT_EQ(j["done"], false);
  EXPECT_EQ(j["files"][0]["state"], "pending");
  const std::string poll =
      "/api/v1/ratings/jobs/" +
      std::to_string(j["files"][0]["job"].get<int64_t>());
  EXPECT_EQ(Body(Get(poll))["state"], "pending");
  // The runner comes.
  auto ran = library::RunRateJobsHere(*lib_, 10);
  ASSERT_TRUE(ran) << ran.error().ToString();
  EXPECT_EQ(*ran, 1);
  EXPECT_EQ(Body(Get(poll))["state"], "done");
}

}  // namespace
}  // namespace phodex::server
