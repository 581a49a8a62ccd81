// /api/v1/roots: the list with counts and each root's state (from the
// running service, or without one from the offline check), adding and
// removing with `phodex root`'s rules, and scan-now through the service.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "library/service_status.h"
#include "server/http_types.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

class RootRoutesTest : public ApiTest {
 protected:
  Response Delete(const std::string& target) {
    return Call(Method::kDelete, target);
  }
  // POST /api/v1/roots for folder <dir>/<rel> (made first).
  Response AddFolder(const std::string& rel, const std::string& name = "") {
    std::filesystem::create_directories(dir_ / rel);
    nlohmann::json body = {{"path", (dir_ / rel)}};
    if (!name.empty()) body["name"] = name;
    return Post("/api/v1/roots", body);
  }
  nlohmann::json Roots() {
    const Response r = Get("/api/v1/roots");
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["roots"];
  }
  // A service status that knows root `id` as watched by `method`.
  static ApiHooks ServiceWith(int64_t id, watch::WatchMethod method,
                              std::string reason) {
    library::ServiceStatusFile file;
    library::RootServiceState r;
    r.root = RootId{id};
    r.path = "/x";
    r.method = method;
    r.folders = 12;
    r.reason = std::move(reason);
    r.last_reconcile_ns = 1'700'000'000'000'000'000;
    file.status.roots.push_back(r);
    ApiHooks hooks;
    const nlohmann::ordered_json j = library::ServiceStatusToJson(file);
    hooks.service_status = [j] { return j; };
    return hooks;
  }
};

TEST_F(RootRoutesTest, ListShowsCountsAndStateWithoutAService) {
  WriteJpeg("a.jpg", "one");
  WriteJpeg("sub/b.jpg", "two");
  OpenAndScan();
  const nlohmann::json roots = Roots();
  ASSERT_EQ(roots.size(), 1u);
  const nlohmann::json& r = roots[0];
  EXPECT_EQ(r["id"], root_.id.value);
  EXPECT_EQ(r["name"], "lib");
  EXPECT_EQ(r["path"], root_.path);
  EXPECT_EQ(r["present"], 2);
  EXPECT_EQ(r["removed"], 0);
  EXPECT_GT(r["bytes"].get<int64_t>(), 0);
  EXPECT_TRUE(r["last_scan"].is_string());
  EXPECT_EQ(r["state"], "not watched");
  EXPECT_TRUE(r["offline"].is_null());
  EXPECT_TRUE(r["watched_folders"].is_null());
  // Its folder goes (an unplugged drive): offline, with the reason.
  std::filesystem::remove_all(RootPath());
  const nlohmann::json after = Roots()[0];
  EXPECT_EQ(after["state"], "offline");
  EXPECT_TRUE(after["offline"].is_string());
  EXPECT_EQ(after["reason"], after["offline"]);
}

TEST_F(RootRoutesTest, TheServiceSaysWhetherARootIsWatchedOrPolled) {
  OpenAndScan();
  UseHooks(ServiceWith(root_.id.value, watch::WatchMethod::kInotify, ""));
  nlohmann::json r = Roots()[0];
  EXPECT_EQ(r["state"], "watched");
  EXPECT_TRUE(r["reason"].is_null());
  EXPECT_EQ(r["watched_folders"], 12);
  EXPECT_TRUE(r["last_reconcile"].is_string());
  EXPECT_EQ(r["reconciling"], false);
  UseHooks(ServiceWith(root_.id.value, watch::WatchMethod::kPolling,
                       "nfs4 is polled"));
  r = Roots()[0];
  EXPECT_EQ(r["state"], "polled");
  EXPECT_EQ(r["reason"], "nfs4 is polled");
  UseHooks(ServiceWith(root_.id.value, watch::WatchMethod::kOffline,
                       "its drive is not mounted"));
  EXPECT_EQ(Roots()[0]["state"], "offline");
  // A root the service has not taken up yet.
  UseHooks(ServiceWith(root_.id.value + 1, watch::WatchMethod::kInotify, ""));
  EXPECT_EQ(Roots()[0]["state"], "not watched");
  // What is not a service status counts as none.
  ApiHooks junk;
  junk.service_status = [] { return nlohmann::ordered_json{{"x", 1}}; };
  UseHooks(std::move(junk));
  EXPECT_EQ(Roots()[0]["state"], "not watched");
}

TEST_F(RootRoutesTest, AddFollowsTheRulesOfRootAdd) {
  const Response added = AddFolder("photos");
  ASSERT_EQ(added.status, 201) << added.body;
  const nlohmann::json j = Body(added);
  EXPECT_EQ(j["name"], "photos");
  EXPECT_EQ(j["present"], 0);
  EXPECT_EQ(j["state"], "not watched");
  EXPECT_TRUE(j.contains("identity_note"));
  ASSERT_EQ(Roots().size(), 1u);
  EXPECT_EQ(Roots()[0]["id"], j["id"]);

  // Inside it, around it: refused.
  EXPECT_EQ(AddFolder("photos/2024").status, 400);
  EXPECT_EQ(AddFolder("").status, 400);
  // The same folder, or the same name for another folder.
  EXPECT_EQ(AddFolder("photos").status, 409);
  EXPECT_EQ(AddFolder("other", "photos").status, 409);
  // Names root add refuses.
  EXPECT_EQ(AddFolder("other", "a/b").status, 400);
  EXPECT_EQ(AddFolder("other", "-x").status, 400);
  // A folder that is not there, or not a folder.
  const Response missing =
      Post("/api/v1/roots", {{"path", (dir_ / "nothing")}});
  EXPECT_EQ(missing.status, 404) << missing.body;
  Write("file.txt", "x");
  EXPECT_EQ(Post("/api/v1/roots", {{"path", (dir_ / "file.txt")}})
                .status,
            400);
  // Bodies no client should send.
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), std::string("{}"),
        std::string(R"({"path": 5})"), std::string(R"({"path": "relative"})"),
        std::string(R"({"path": ""})"), std::string(R"({"path": "/a\u0000b"})"),
        std::string(R"({"path": "/tmp", "name": 3})")}) {
    const Response r = Call(Method::kPost, "/api/v1/roots", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
  EXPECT_EQ(Roots().size(), 1u);
}

TEST_F(RootRoutesTest, RemoveFollowsTheRulesOfRootRm) {
  const nlohmann::json a = Body(AddFolder("a"));
  const nlohmann::json b = Body(AddFolder("b"));
  const std::string a_url = "/api/v1/roots/" + std::to_string(a["id"].get<int64_t>());
  {
    auto held = lib_->locks().LockRoot(RootId{a["id"].get<int64_t>()},
                                       catalog::Locks::Wait::kNo);
    ASSERT_TRUE(held);
    EXPECT_EQ(Delete(a_url).status, 409);  // being scanned
  }
  const Response removed = Delete(a_url);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Body(removed)["name"], "a");
  ASSERT_EQ(Roots().size(), 1u);
  EXPECT_EQ(Roots()[0]["id"], b["id"]);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "a"));  // files untouched
  EXPECT_EQ(Delete(a_url).status, 404);  // gone already
  for (const char* id : {"999", "0", "-1", "abc", "b", "9223372036854775808"}) {
    EXPECT_EQ(Delete(std::string("/api/v1/roots/") + id).status, 404) << id;
  }
  EXPECT_EQ(Delete("/api/v1/roots/%2E%2E").status, 400);
  EXPECT_EQ(Roots().size(), 1u);
}

TEST_F(RootRoutesTest, ScanNowNeedsTheService) {
  OpenAndScan();
  const std::string url =
      "/api/v1/roots/" + std::to_string(root_.id.value) + "/scan";
  const Response none = Post(url, nlohmann::json::object());
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(Body(none)["type"], "urn:phodex:problem:no-service");
  EXPECT_EQ(Post("/api/v1/roots/999/scan", {}).status, 404);
  EXPECT_EQ(Post("/api/v1/roots/abc/scan", {}).status, 404);

  std::vector<int64_t> asked;
  ApiHooks hooks;
  hooks.reconcile_root = [&](int64_t id) {
    asked.push_back(id);
    return true;
  };
  UseHooks(std::move(hooks));
  const Response ok = Post(url, nlohmann::json::object());
  EXPECT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(asked, std::vector<int64_t>{root_.id.value});
  EXPECT_EQ(Post("/api/v1/roots/999/scan", {}).status, 404);
  EXPECT_EQ(asked.size(), 1u);
  // A hook that says no service runs (it stopped).
  ApiHooks stopped;
  stopped.reconcile_root = [](int64_t) { return false; };
  UseHooks(std::move(stopped));
  EXPECT_EQ(Post(url, {}).status, 503);
}

}  // namespace
}  // namespace phodex::server
