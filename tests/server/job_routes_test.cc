// The jobs routes (docs/api.md, "Jobs"): the summary, failed jobs with
// their reasons paged, retry, cancel, pause and resume and their effects
// on the queue, the runner woken when jobs become runnable, and what a
// client must not send.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

class JobRoutesTest : public ApiTest {
 protected:
  JobRoutesTest() {
    ApiHooks hooks;
    hooks.jobs_queued = [this] { ++woken_; };
    hooked_ = std::make_unique<Api>(std::move(hooks));
  }

  // Routes through hooked_ (the fixture's own Api has no hooks).
  Response Send(Method method, const std::string& target,
                const std::string& body = "") {
    Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.credential = Request::Credential::kToken;
    if (!ParseTarget(target, req.path, req.query)) return Response{400};
    Router::Match m = router_.Find(method, req.path);
    if (m.route == nullptr) return Response{m.allowed.empty() ? 404 : 405};
    req.params = std::move(m.params);
    server::Call call{req, *lib_, *hooked_};
    return m.route->handler(call);
  }
  Response Get(const std::string& target) { return Send(Method::kGet, target); }
  Response Post(const std::string& target, const nlohmann::json& body) {
    return Send(Method::kPost, target, body.dump());
  }

  // `n` jobs of `kind` queued, for files 1..n.
  std::vector<catalog::JobId> Queue(const std::string& kind, int n) {
    std::vector<catalog::JobSpec> specs;
    for (int i = 0; i < n; ++i) {
      catalog::JobSpec s;
      s.kind = kind;
      s.file = FileId{next_file_++};
      specs.push_back(s);
    }
    EXPECT_TRUE(catalog_->EnqueueJobs(specs, 1));
    catalog::JobFilter f;
    f.kind = kind;
    f.state = catalog::JobState::kAvailable;
    auto jobs = catalog_->ListJobs(f);
    std::vector<catalog::JobId> ids;
    for (const catalog::Job& j : *jobs) ids.push_back(j.id);
    return ids;
  }
  // Claims every available job of `kind` and fails each with its reason.
  void FailAll(const std::string& kind, const std::string& reason) {
    catalog::ClaimRequest claim;
    claim.kind = kind;
    claim.max_jobs = 1000;
    claim.owner = "test";
    claim.now_ns = 2;
    claim.lease_ns = 1'000'000'000;
    auto jobs = catalog_->ClaimJobs(claim);
    ASSERT_TRUE(jobs);
    std::vector<catalog::JobOutcome> outcomes;
    for (const catalog::Job& j : *jobs) {
      catalog::JobOutcome o;
      o.lease = {j.id, j.lease_token};
      o.kind = catalog::JobOutcome::Kind::kFailed;
      o.error = reason + " " + std::to_string(j.id.value);
      outcomes.push_back(o);
    }
    ASSERT_TRUE(catalog_->FinishJobs(outcomes, 3));
  }
  nlohmann::json KindRow(const nlohmann::json& summary, const std::string& kind) {
    for (const auto& k : summary["kinds"]) {
      if (k["kind"] == kind) return k;
    }
    return nullptr;
  }

  std::unique_ptr<Api> hooked_;
  int woken_ = 0;
  int64_t next_file_ = 1;
};

TEST_F(JobRoutesTest, SummaryHasCountsPerKindAndStateAndFailedJobs) {
  Queue("pixels", 3);
  FailAll("pixels", "corrupt");
  Queue("metadata", 2);
  const Response r = Get("/api/v1/jobs");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = Body(r);
  const auto pixels = KindRow(j, "pixels");
  ASSERT_FALSE(pixels.is_null()) << j;
  EXPECT_EQ(pixels["failed"], 3);
  EXPECT_EQ(pixels["available"], 0);
  EXPECT_FALSE(pixels["paused"].get<bool>());
  EXPECT_EQ(KindRow(j, "metadata")["available"], 2);
  ASSERT_EQ(j["failed"].size(), 3u);
  EXPECT_EQ(j["failed"][0]["state"], "failed");
  EXPECT_TRUE(j["next"].is_null());
}

TEST_F(JobRoutesTest, FailedJobsArePagedWithTheirReasons) {
  Queue("pixels", 7);
  FailAll("pixels", "not a JPEG");
  Queue("metadata", 2);
  FailAll("metadata", "truncated");
  std::set<int64_t> seen;
  std::string cursor;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    const Response r = Get("/api/v1/jobs/failed?kind=pixels&limit=3" +
                           (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = Body(r);
    for (const auto& job : j["failed"]) {
      EXPECT_EQ(job["kind"], "pixels");
      EXPECT_EQ(job["error"].get<std::string>().rfind("not a JPEG", 0), 0u);
      EXPECT_TRUE(seen.insert(job["id"].get<int64_t>()).second);
    }
    if (j["next"].is_null()) break;
    cursor = j["next"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(Body(Get("/api/v1/jobs/failed"))["failed"].size(), 9u);
}

TEST_F(JobRoutesTest, RetryByKindMakesFailedJobsRunnableAndWakesTheRunner) {
  Queue("pixels", 2);
  FailAll("pixels", "x");
  ASSERT_EQ(KindRow(Body(Get("/api/v1/jobs")), "pixels")["failed"], 2);
  const Response r = Post("/api/v1/jobs/retry", {{"kind", "pixels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["retried"], 2);
  EXPECT_EQ(woken_, 1);
  // The summary shows it at once (the figures cache was invalidated).
  const auto row = KindRow(Body(Get("/api/v1/jobs")), "pixels");
  EXPECT_EQ(row["failed"], 0);
  EXPECT_EQ(row["available"], 2);
  // Nothing left to retry: nothing to wake.
  EXPECT_EQ(Body(Post("/api/v1/jobs/retry", {{"kind", "pixels"}}))["retried"], 0);
  EXPECT_EQ(woken_, 1);
}

TEST_F(JobRoutesTest, RetryAndCancelByIds) {
  const auto ids = Queue("metadata", 3);
  auto r = Post("/api/v1/jobs/cancel", {{"ids", {ids[0].value, ids[1].value}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["cancelled"], 2);
  EXPECT_EQ(woken_, 0);
  auto row = KindRow(Body(Get("/api/v1/jobs")), "metadata");
  EXPECT_EQ(row["cancelled"], 2);
  EXPECT_EQ(row["available"], 1);
  r = Post("/api/v1/jobs/retry", {{"ids", {ids[0].value}}});
  EXPECT_EQ(Body(r)["retried"], 1);
  EXPECT_EQ(woken_, 1);
  // An id that does not exist: 404, nothing changed.
  r = Post("/api/v1/jobs/cancel", {{"ids", {ids[2].value, 999999}}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(KindRow(Body(Get("/api/v1/jobs")), "metadata")["available"], 2);
}

TEST_F(JobRoutesTest, PauseAndResumeAKindOrEverything) {
  Queue("pixels", 1);
  auto r = Post("/api/v1/jobs/pause", {{"kind", "pixels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["paused"], nlohmann::json({"pixels"}));
  EXPECT_TRUE(KindRow(Body(Get("/api/v1/jobs")), "pixels")["paused"].get<bool>());
  // A paused kind is not claimed.
  catalog::ClaimRequest claim;
  claim.kind = "pixels";
  claim.owner = "t";
  claim.now_ns = 5;
  claim.lease_ns = 10;
  EXPECT_TRUE(catalog_->ClaimJobs(claim)->empty());
  r = Post("/api/v1/jobs/resume", {{"kind", "pixels"}});
  EXPECT_EQ(Body(r)["resumed"], nlohmann::json({"pixels"}));
  EXPECT_EQ(woken_, 1);
  EXPECT_FALSE(KindRow(Body(Get("/api/v1/jobs")), "pixels")["paused"].get<bool>());
  // No kind: every kind.
  r = Send(Method::kPost, "/api/v1/jobs/pause", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(Body(r)["paused"].size(), 3u);
  EXPECT_TRUE(KindRow(Body(Get("/api/v1/jobs")), "metadata")["paused"].get<bool>());
  r = Post("/api/v1/jobs/resume", nlohmann::json::object());
  EXPECT_GE(Body(r)["resumed"].size(), 3u);
}

TEST_F(JobRoutesTest, WhatAClientMustNotSendIs400AndChangesNothing) {
  Queue("pixels", 2);
  FailAll("pixels", "x");
  for (const char* body :
       {"not json", "[]", "42", R"({"kinds": "pixels"})", R"({"kind": 5})",
        R"({"kind": ""})", R"({"kind": "nope"})", R"({"kind": "../../etc"})",
        R"({"ids": "1"})", R"({"ids": []})", R"({"ids": [-1]})",
        R"({"ids": [0]})", R"({"ids": [1.5]})", R"({"ids": ["1"]})",
        R"({"ids": [9223372036854775808]})"}) {
    EXPECT_EQ(Send(Method::kPost, "/api/v1/jobs/retry", body).status, 400)
        << body;
    EXPECT_EQ(Send(Method::kPost, "/api/v1/jobs/cancel", body).status, 400)
        << body;
  }
  EXPECT_EQ(KindRow(Body(Get("/api/v1/jobs")), "pixels")["failed"], 2);
  // Cancelling everything is never meant by accident.
  EXPECT_EQ(Send(Method::kPost, "/api/v1/jobs/cancel", "{}").status, 400);
  EXPECT_EQ(Post("/api/v1/jobs/pause", {{"kind", "nope"}}).status, 400);
  EXPECT_EQ(Post("/api/v1/jobs/pause", {{"ids", {1}}}).status, 400);
  for (const char* q : {"kind=nope", "kind=", "limit=0", "limit=501",
                        "cursor=x", "cursor=-1"}) {
    EXPECT_EQ(Get(std::string("/api/v1/jobs/failed?") + q).status, 400) << q;
  }
  EXPECT_EQ(woken_, 0);
  EXPECT_EQ(Get("/api/v1/jobs/retry").status, 405);
  EXPECT_EQ(Get("/api/v1/jobs/nothing").status, 404);
}

}  // namespace
}  // namespace phodex::server
