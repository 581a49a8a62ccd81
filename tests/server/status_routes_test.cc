// GET /api/v1/status (docs/api.md, "Status"): `phodex status --json`'s
// object with the dashboard's fields: each root's state and disk space,
// the job queue, the process; the service's view from the hook.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "library/service_status.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

class StatusRoutesTest : public ApiTest {
 protected:
  // The answer with `api` (its hooks).
  Response StatusWith(Api& api) {
    Request req;
    req.method = Method::kGet;
    req.target = req.path = "/api/v1/status";
    Router::Match m = router_.Find(Method::kGet, req.path);
    server::Call call{req, *lib_, api};
    return m.route->handler(call);
  }
};

TEST_F(StatusRoutesTest, EmptyCatalog) {
  const Response r = Get("/api/v1/status");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = Body(r);
  EXPECT_TRUE(j["roots"].empty());
  EXPECT_TRUE(j["service"].is_null());
  EXPECT_TRUE(j["recent"].empty());
  EXPECT_TRUE(j["jobs"].is_array());
  EXPECT_GT(j["process"]["pid"].get<int64_t>(), 0);
  EXPECT_GT(j["process"]["resident_bytes"].get<int64_t>(), 0);
  EXPECT_GE(j["process"]["cpu_seconds"].get<double>(), 0);
  EXPECT_TRUE(j["thumbnails"].is_object());
  EXPECT_EQ(j["catalog"], CatalogPath());
}

TEST_F(StatusRoutesTest, RootsWithCountsStateAndDiskSpace) {
  WriteJpeg("a.jpg", "1");
  WriteJpeg("b/c.jpg", "22");
  OpenAndScan();
  catalog::JobSpec spec;
  spec.kind = "pixels";
  spec.file = FileId{1};
  ASSERT_TRUE(catalog_->EnqueueJobs({spec}, 1));
  const auto j = Body(Get("/api/v1/status"));
  ASSERT_EQ(j["roots"].size(), 1u) << j;
  const auto& root = j["roots"][0];
  EXPECT_EQ(root["name"], "lib");
  EXPECT_EQ(root["present"], 2);
  EXPECT_EQ(root["state"], "not watched");  // no service runs
  ASSERT_TRUE(root["disk"].is_object());
  EXPECT_GT(root["disk"]["total_bytes"].get<int64_t>(), 0);
  EXPECT_GE(root["disk"]["free_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(j["recent"].size(), 1u);  // the scan
  bool pixels = false;
  for (const auto& k : j["jobs"]) {
    if (k["kind"] == "pixels") pixels = k["available"] == 1;
  }
  EXPECT_TRUE(pixels) << j["jobs"];
}

TEST_F(StatusRoutesTest, AMissingRootIsOfflineWithoutDiskFigures) {
  OpenAndScan();
  std::filesystem::remove_all(RootPath());
  // The figures are cached a few seconds; the root's presence is not.
  const auto j = Body(Get("/api/v1/status"));
  EXPECT_EQ(j["roots"][0]["state"], "offline");
  EXPECT_TRUE(j["roots"][0]["disk"].is_null());
  EXPECT_FALSE(j["roots"][0]["offline"].is_null());
}

TEST_F(StatusRoutesTest, TheRunningServiceSaysHowEachRootIsWatched) {
  OpenAndScan();
  library::ServiceStatusFile file;
  file.status.pid = 42;
  file.status.pending_folders = 3;
  library::RootServiceState rs;
  rs.root = root_.id;
  rs.path = RootPath();
  rs.method = watch::WatchMethod::kPolling;
  rs.reason = "NFS";
  file.status.roots.push_back(rs);
  ApiHooks hooks;
  hooks.service_status = [&] {
    return std::optional<nlohmann::ordered_json>(
        library::ServiceStatusToJson(file));
  };
  Api api(std::move(hooks));
  auto j = Body(StatusWith(api));
  EXPECT_EQ(j["roots"][0]["state"], "polled");
  EXPECT_EQ(j["service"]["state"], "running");
  EXPECT_EQ(j["service"]["pid"], 42);
  EXPECT_EQ(j["service"]["pending_folders"], 3);
  file.status.roots[0].method = watch::WatchMethod::kInotify;
  // The state is read at every request, not cached with the figures.
  j = Body(StatusWith(api));
  EXPECT_EQ(j["roots"][0]["state"], "watched");
}

TEST_F(StatusRoutesTest, TheCatalogFiguresAreCachedAFewSeconds) {
  WriteJpeg("a.jpg", "1");
  OpenAndScan();
  EXPECT_EQ(Body(Get("/api/v1/status"))["roots"][0]["present"], 1);
  WriteJpeg("b.jpg", "2");
  Rescan();
  EXPECT_EQ(Body(Get("/api/v1/status"))["roots"][0]["present"], 1);
  clock_.Advance(std::chrono::seconds(6));
  EXPECT_EQ(Body(Get("/api/v1/status"))["roots"][0]["present"], 2);
}

}  // namespace
}  // namespace phodex::server
