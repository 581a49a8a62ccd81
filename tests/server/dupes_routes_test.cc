// /api/v1/duplicates (server/dupes_routes.cc): the groups the catalog
// knows, paged; similar groups; plans shown, then applied once with every
// safety of `dupes --apply`, checked on the disk.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "library/dupes.h"
#include "library/duplicate_groups.h"
#include "library/file_locks.h"
#include "server/dupes_state.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

namespace fs = std::filesystem;

class DupesRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    WriteJpeg("a.jpg", "same bytes");  // group A: three copies
    WriteJpeg("sub/b.jpg", "same bytes");
    WriteJpeg("sub/c.jpg", "same bytes");
    WriteJpeg("x1.jpg", "pair of bytes");  // group B: two copies
    WriteJpeg("x2.jpg", "pair of bytes");
    WriteJpeg("other.jpg", "other");  // no copy
    OpenAndScan();
  }

  // Gives every size twin its full hash, as `phodex dupes` (or serve's
  // full_hash jobs) would.
  void HashTwins() {
    library::SettledCounter sink;
    auto r = library::DupesPlan(*lib_, {}, sink, {});
    ASSERT_TRUE(r) << r.error().ToString();
  }

  nlohmann::json GetOk(const std::string& target) {
    const Response r = Get(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return Body(r);
  }

  // The hash of the group holding `rel`.
  std::string GroupOf(const std::string& rel) {
    const nlohmann::json page = GetOk("/api/v1/duplicates/exact");
    for (const auto& g : page["groups"]) {
      for (const auto& f : g["files"]) {
        if (f["rel"] == rel) return g["hash"];
      }
    }
    ADD_FAILURE() << "no group holds " << rel;
    return "";
  }

  nlohmann::json MakePlan(const nlohmann::json& body) {
    const Response r = Post("/api/v1/duplicates/plans", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r);
  }

  bool Exists(const std::string& rel) {
    return fs::exists(RootPath() + "/" + rel);
  }
};

TEST_F(DupesRoutesTest,
       GroupsComeFromTheCatalogsFullHashesWithWhereEachCopyLives) {
  HashTwins();
  const nlohmann::json j = GetOk("/api/v1/duplicates/exact");
  ASSERT_EQ(j["groups"].size(), 2u);
  EXPECT_TRUE(j["next_cursor"].is_null());
  EXPECT_EQ(j["unhashed_twins"], 0);
  std::set<size_t> counts;
  for (const auto& g : j["groups"]) {
    const int64_t size = g["size"];
    const int64_t count = g["count"];
    counts.insert(static_cast<size_t>(count));
    EXPECT_EQ(g["wasted"], (count - 1) * size);
    EXPECT_EQ(g["files"].size(), static_cast<size_t>(count));
    EXPECT_EQ(g["paths"].size(), static_cast<size_t>(count));
    EXPECT_FALSE(g["files_truncated"].get<bool>());
    for (const auto& f : g["files"]) {
      EXPECT_EQ(f["hash"], g["hash"]);  // the CLI's file JSON
      EXPECT_EQ(f["holder"]["root_id"], root_.id.value);
      EXPECT_EQ(f["holder"]["root"], "lib");
      EXPECT_TRUE(f["holder"].contains("volume"));
    }
  }
  EXPECT_EQ(counts, (std::set<size_t>{2, 3}));
}

TEST_F(DupesRoutesTest,
       BeforeTheFullHashesNoGroupIsKnownAndTheTwinsAreCounted) {
  const nlohmann::json j = GetOk("/api/v1/duplicates/exact");
  EXPECT_TRUE(j["groups"].empty());
  EXPECT_TRUE(j["next_cursor"].is_null());
  EXPECT_EQ(j["unhashed_twins"], 5);  // kept a minute: the clock moves on
  HashTwins();
  EXPECT_EQ(GetOk("/api/v1/duplicates/exact")["unhashed_twins"], 5);
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(GetOk("/api/v1/duplicates/exact")["unhashed_twins"], 0);
}

TEST_F(DupesRoutesTest,
       PagesOfOneGroupReachTheEndWithoutRepeatsWhileGroupsAreAdded) {
  HashTwins();
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    const nlohmann::json j =
        GetOk("/api/v1/duplicates/exact?limit=1&cursor=" + cursor);
    EXPECT_LE(j["groups"].size(), 1u);
    for (const auto& g : j["groups"]) {
      EXPECT_TRUE(seen.insert(g["hash"]).second) << "repeated " << g["hash"];
    }
    if (++pages == 1) {
      // A new group meanwhile: the pages go on without a gap or a repeat.
      WriteJpeg("new1.jpg", "a new pair!");
      WriteJpeg("new2.jpg", "a new pair!");
      Rescan();
      HashTwins();
    }
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
    ASSERT_LT(pages, 10);
  }
  EXPECT_GE(seen.size(), 2u);
  EXPECT_LE(seen.size(), 3u);  // the new one only if its hash came later
}

TEST_F(DupesRoutesTest, BadLimitsAndForeignCursorsAre400) {
  for (const char* q : {"limit=0", "limit=-1", "limit=201", "limit=abc",
                        "limit=1.5", "limit=9223372036854775808",
                        "limit=", "cursor=zz", "cursor=..%2F..%2Fetc%2Fpasswd",
                        "cursor="
                        "0123456789abcdef0123456789abcdef0",
                        "cursor=0123456789abcdef0123456789abcdeg"}) {
    const Response r = Get(std::string("/api/v1/duplicates/exact?") + q);
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << q;
  }
  // Unknown parameters are ignored.
  EXPECT_EQ(Get("/api/v1/duplicates/exact?colour=red").status, 200);
}

TEST_F(DupesRoutesTest,
       APlanChangesNothingAndItsApplyDeletesExactlyWhatItShowed) {
  HashTwins();
  const std::string a = GroupOf("a.jpg");
  const nlohmann::json plan =
      MakePlan({{"groups", {a}}, {"action", "delete"}, {"keep", "oldest"}});
  EXPECT_EQ(plan["state"], "planned");
  EXPECT_EQ(plan["summary"]["actions"], 2);
  const std::string id = plan["id"];
  ASSERT_EQ(id.size(), 32u);
  std::set<std::string> kept, deleted;
  for (const auto& p : plan["paths"]) {
    EXPECT_EQ(p["hash"], a);
    EXPECT_TRUE(p["file_id"].is_number());
    (p["action"] == "keep" ? kept : deleted).insert(p["path"]);
  }
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_EQ(deleted.size(), 2u);
  for (const char* rel : {"a.jpg", "sub/b.jpg", "sub/c.jpg"}) {
    EXPECT_TRUE(Exists(rel)) << rel;  // a plan touches nothing
  }
  EXPECT_EQ(Body(Get("/api/v1/duplicates/plans/" + id))["paths"],
            plan["paths"]);

  const Response r = Post("/api/v1/duplicates/plans/" + id + "/apply", {});
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json done = Body(r);
  EXPECT_EQ(done["state"], "applied");
  EXPECT_EQ(done["result"]["deleted"], 2);
  EXPECT_EQ(done["result"]["skipped"], 0);
  EXPECT_TRUE(done["operation_id"].is_number());
  for (const std::string& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
  for (const std::string& p : deleted) EXPECT_FALSE(fs::exists(p)) << p;
  for (const char* rel : {"x1.jpg", "x2.jpg", "other.jpg"}) {
    EXPECT_TRUE(Exists(rel)) << rel;  // not in the plan
  }
  EXPECT_EQ(Operations().front().type, "dupes");
  EXPECT_EQ(Operations().front().id.value, done["operation_id"]);
  EXPECT_EQ(Body(Get("/api/v1/duplicates/plans/" + id))["state"], "applied");

  // Once only.
  const Response again = Post("/api/v1/duplicates/plans/" + id + "/apply", {});
  EXPECT_EQ(again.status, 409) << again.body;
  for (const std::string& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
  // The group is gone from the catalog's groups.
  EXPECT_EQ(GetOk("/api/v1/duplicates/exact")["groups"].size(), 1u);
}

TEST_F(DupesRoutesTest, AFileChangedBetweenPlanAndApplyIsLeftAlone) {
  HashTwins();
  const nlohmann::json plan = MakePlan({{"groups", {GroupOf("x1.jpg")}},
                                        {"action", "delete"},
                                        {"keep", "path-glob:x1.jpg"}});
  ASSERT_EQ(plan["summary"]["actions"], 1);
  // x2.jpg, the copy to go, is rewritten after the plan was shown.
  WriteJpeg("x2.jpg", "pair of bytes, changed");
  const Response r = Post(
      "/api/v1/duplicates/plans/" + plan["id"].get<std::string>() + "/apply",
      {});
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json done = Body(r);
  EXPECT_EQ(done["result"]["deleted"], 0);
  EXPECT_EQ(done["result"]["skipped"], 1);
  EXPECT_TRUE(Exists("x1.jpg"));
  ASSERT_TRUE(Exists("x2.jpg"));
  std::ifstream in(RootPath() + "/x2.jpg", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(bytes.find("changed"), std::string::npos);
  bool skipped = false;
  for (const auto& p : done["paths"]) {
    if (p["action"] == "delete") skipped = p["status"] == "skipped";
  }
  EXPECT_TRUE(skipped);
}

TEST_F(DupesRoutesTest, APlanOfEveryGroupHardLinksTheCopies) {
  HashTwins();
  const nlohmann::json plan = MakePlan({{"all", true}, {"action", "hardlink"}});
  EXPECT_EQ(plan["summary"]["groups"], 2);
  EXPECT_EQ(plan["summary"]["actions"], 3);
  EXPECT_FALSE(plan["truncated"].get<bool>());
  EXPECT_TRUE(plan["next_cursor"].is_null());
  const Response r = Post(
      "/api/v1/duplicates/plans/" + plan["id"].get<std::string>() + "/apply",
      {});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["result"]["linked"], 3);
  auto inode = [&](const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::stat((RootPath() + "/" + rel).c_str(), &st), 0) << rel;
    return st.st_ino;
  };
  EXPECT_EQ(inode("a.jpg"), inode("sub/b.jpg"));
  EXPECT_EQ(inode("a.jpg"), inode("sub/c.jpg"));
  EXPECT_EQ(inode("x1.jpg"), inode("x2.jpg"));
  EXPECT_NE(inode("a.jpg"), inode("other.jpg"));
}

TEST_F(DupesRoutesTest, BadPlanRequestsAre400AndChangeNothing) {
  HashTwins();
  const std::string a = GroupOf("a.jpg");
  const nlohmann::json bodies[] = {
      {{"groups", {a}}, {"action", "delete"}, {"keep", "youngest"}},
      {{"groups", {a}}, {"action", "delete"}, {"keep", "root:nope"}},
      {{"groups", {a}}, {"action", "delete"}, {"keep", 7}},
      {{"groups", {a}}, {"action", "move-to"}},
      {{"groups", {a}}, {"action", "report"}},
      {{"groups", {a}}, {"action", "trash"}},
      {{"groups", {a}}},
      {{"groups", {a}}, {"all", true}, {"action", "delete"}},
      {{"action", "delete"}},
      {{"groups", nlohmann::json::array()}, {"action", "delete"}},
      {{"groups", {"../../etc/passwd"}}, {"action", "delete"}},
      {{"groups", {12}}, {"action", "delete"}},
      {{"all", "yes"}, {"action", "delete"}},
      {{"all", true}, {"cursor", "nope"}, {"action", "delete"}},
      nlohmann::json::array(),
  };
  for (const auto& body : bodies) {
    const Response r = Post("/api/v1/duplicates/plans", body);
    EXPECT_EQ(r.status, 400) << body.dump() << ": " << r.body;
  }
  const Response not_json =
      Call(Method::kPost, "/api/v1/duplicates/plans", "{");
  EXPECT_EQ(not_json.status, 400);
  // A hash that is no group is said, not refused.
  const nlohmann::json plan =
      MakePlan({{"groups", {std::string(32, '0')}}, {"action", "delete"}});
  EXPECT_EQ(plan["not_groups"].size(), 1u);
  EXPECT_EQ(plan["summary"]["actions"], 0);
  for (const char* rel : {"a.jpg", "sub/b.jpg", "sub/c.jpg"}) {
    EXPECT_TRUE(Exists(rel)) << rel;
  }
}

TEST_F(DupesRoutesTest, UnknownAndHostilePlanIdsAre404) {
  for (const std::string& id : std::vector<std::string>{
           "abc", "-1", "9223372036854775808", std::string(32, 'f'),
           std::string(32, 'F'), std::string(5000, 'a'), "%2e%2e%2fx",
           "00000000000000000000000000000000%00"}) {
    const Response get = Get("/api/v1/duplicates/plans/" + id);
    EXPECT_TRUE(get.status == 404 || get.status == 400) << id << get.status;
    const Response apply =
        Post("/api/v1/duplicates/plans/" + id + "/apply", {});
    EXPECT_TRUE(apply.status == 404 || apply.status == 400) << id;
  }
  EXPECT_EQ(Get("/api/v1/duplicates/plans/abc").status, 404);
  EXPECT_EQ(Get("/api/v1/duplicates/plans/" + std::string(32, 'f')).status,
            404);
}

TEST_F(DupesRoutesTest, APlanExpiresAfterAnHour) {
  HashTwins();
  const nlohmann::json plan =
      MakePlan({{"groups", {GroupOf("a.jpg")}}, {"action", "delete"}});
  const std::string id = plan["id"];
  clock_.Advance(std::chrono::seconds(3601));
  EXPECT_EQ(Get("/api/v1/duplicates/plans/" + id).status, 404);
  EXPECT_EQ(Post("/api/v1/duplicates/plans/" + id + "/apply", {}).status, 404);
  EXPECT_TRUE(Exists("sub/b.jpg"));
}

TEST_F(DupesRoutesTest, AnApplyLockedOutByAScanChangesNothingAndMayBeRetried) {
  HashTwins();
  const std::string id =
      MakePlan({{"groups", {GroupOf("x1.jpg")}}, {"action", "delete"}})["id"];
  {
    // A scan of the root in another process holds its lock.
    library::FileLocks scan(lib_->data());
    auto held = scan.LockRoot(root_.id, catalog::Locks::Wait::kNo);
    ASSERT_TRUE(held);
    const Response r = Post("/api/v1/duplicates/plans/" + id + "/apply", {});
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(Body(r)["type"], "urn:phodex:problem:busy");
    EXPECT_TRUE(Exists("x1.jpg"));
    EXPECT_TRUE(Exists("x2.jpg"));
    EXPECT_EQ(Body(Get("/api/v1/duplicates/plans/" + id))["state"], "failed");
  }
  const Response r = Post("/api/v1/duplicates/plans/" + id + "/apply", {});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["result"]["deleted"], 1);
  EXPECT_NE(Exists("x1.jpg"), Exists("x2.jpg"));  // one copy stays
}

TEST(DupesStateTest, APlanIsClaimedByOneApplyAtATime) {
  DupesState state;
  const auto [id, planned] =
      state.Add(std::make_shared<library::KnownPlan>(), /*now_ns=*/1);
  EXPECT_EQ(planned.phase, DupesPlanState::Phase::kPlanned);
  EXPECT_EQ(state.BeginApply(id, 2).claim, DupesState::Claim::kOk);
  EXPECT_EQ(state.BeginApply(id, 2).claim, DupesState::Claim::kApplying);
  state.AbortApply(id, "locked out");
  EXPECT_EQ(state.BeginApply(id, 3).claim, DupesState::Claim::kOk);
  const DupesPlanState done =
      state.FinishApply(id, std::make_shared<library::DupesApplied>());
  EXPECT_EQ(done.phase, DupesPlanState::Phase::kApplied);
  EXPECT_EQ(state.BeginApply(id, 4).claim, DupesState::Claim::kAlreadyApplied);
  EXPECT_EQ(state.BeginApply("nope", 4).claim, DupesState::Claim::kUnknown);
}

TEST(DupesStateTest, TheOldestPlanGoesWhenTheStoreIsFull) {
  DupesState state;
  const std::string first =
      state.Add(std::make_shared<library::KnownPlan>(), 1).first;
  for (size_t i = 1; i < DupesState::kMaxPlans; ++i) {
    state.Add(std::make_shared<library::KnownPlan>(),
              2 + static_cast<int64_t>(i));
  }
  EXPECT_TRUE(state.Find(first, 100));
  const std::string last =
      state.Add(std::make_shared<library::KnownPlan>(), 1000).first;
  EXPECT_FALSE(state.Find(first, 1000));
  EXPECT_TRUE(state.Find(last, 1000));
}

TEST_F(DupesRoutesTest, SimilarGroupsCheckTheirParameters) {
  const nlohmann::json j = GetOk("/api/v1/duplicates/similar");
  EXPECT_TRUE(j["groups"].empty());  // no perceptual hashes in these tests
  EXPECT_EQ(j["files_read"], 6);
  EXPECT_FALSE(j["truncated"].get<bool>());
  EXPECT_EQ(GetOk("/api/v1/duplicates/similar?threshold=3")["threshold"], 3);
  EXPECT_EQ(GetOk("/api/v1/duplicates/similar?root=" +
                  std::to_string(root_.id.value) + "&folder=sub")["files_read"],
            2);
  for (const char* q :
       {"threshold=33", "threshold=-1", "threshold=x", "limit=0", "limit=501",
        "root=0", "root=abc", "folder=sub", "include_pairs=maybe"}) {
    EXPECT_EQ(Get(std::string("/api/v1/duplicates/similar?") + q).status, 400)
        << q;
  }
  EXPECT_EQ(Get("/api/v1/duplicates/similar?root=999").status, 404);
}

}  // namespace
}  // namespace phodex::server
