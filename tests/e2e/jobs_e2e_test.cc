// phodex jobs through the real binary: the test seeds the queue by opening
// the catalog file with the SQLite backend (as `phodex serve` would fill
// it), runs the command, and looks at what the catalog then holds.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

using catalog::Job;
using catalog::JobState;
using nlohmann::json;

constexpr int64_t kNow = 1'767'225'600'000'000'000;  // 2026-01-01

class JobsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = Open();
    ASSERT_TRUE(cat);
    std::vector<catalog::JobSpec> specs;
    for (int i = 0; i < 3; ++i) {
      catalog::JobSpec s;
      s.kind = "metadata";
      s.file = FileId{i + 1};
      specs.push_back(s);
    }
    for (int i = 0; i < 2; ++i) {
      catalog::JobSpec s;
      s.kind = "pixels";
      s.file = FileId{i + 1};
      specs.push_back(s);
    }
    ASSERT_TRUE(cat->EnqueueJobs(specs, kNow));
    // Both pixels jobs fail for good, with their reasons.
    catalog::ClaimRequest req{.kind = "pixels", .max_jobs = 2,
                              .owner = "host:1/pixels", .now_ns = kNow,
                              .lease_ns = 60'000'000'000};
    auto claimed = cat->ClaimJobs(req);
    ASSERT_TRUE(claimed && claimed->size() == 2u);
    std::vector<catalog::JobOutcome> outcomes;
    for (const Job& j : *claimed) {
      failed_.push_back(j.id.value);
      outcomes.push_back({.lease = {j.id, j.lease_token},
                          .kind = catalog::JobOutcome::Kind::kFailed,
                          .error = "decode 'b" + std::to_string(j.id.value) +
                                   ".jpg': truncated JPEG"});
    }
    ASSERT_EQ(*cat->FinishJobs(outcomes, kNow), 2);
  }
  std::unique_ptr<catalog::Catalog> Open() {
    auto c = catalog::OpenSqliteCatalog(catalog_, {});
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  std::vector<Job> Jobs(const std::string& kind) {
    catalog::JobFilter f;
    f.kind = kind;
    auto jobs = Open()->ListJobs(f);
    EXPECT_TRUE(jobs);
    return jobs ? *jobs : std::vector<Job>{};
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }

  TempDir dir_;
  TempDir scratch_;
  std::string catalog_ = dir_ / "catalog.db";
  std::vector<int64_t> failed_;
};

TEST_F(JobsE2eTest, PrintsCountsPerKindAndFailedJobsWithTheirReasons) {
  RunResult r = Run({"jobs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kind"), std::string::npos) << r.out;
  // metadata: 3 available; pixels: 2 failed.
  EXPECT_NE(r.out.find("metadata          3        0          0          0"
                       "        0          0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pixels            0        0          0          0"
                       "        2          0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("failed:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pixels (1 of 5 attempts): decode 'b" +
                       std::to_string(failed_[0]) + ".jpg': truncated JPEG"),
            std::string::npos)
      << r.out;
}

TEST_F(JobsE2eTest, JsonIsOneObjectWithKindsAndFailedJobs) {
  RunResult r = Run({"jobs", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  ASSERT_EQ(j["kinds"].size(), 2u);
  EXPECT_EQ(j["kinds"][0],
            (json{{"kind", "metadata"}, {"paused", false}, {"available", 3},
                  {"running", 0}, {"retryable", 0}, {"completed", 0},
                  {"failed", 0}, {"cancelled", 0}}));
  EXPECT_EQ(j["kinds"][1]["failed"], 2);
  ASSERT_EQ(j["failed"].size(), 2u);
  const json& f = j["failed"][0];
  EXPECT_EQ(f["id"], failed_[0]);
  EXPECT_EQ(f["kind"], "pixels");
  EXPECT_EQ(f["state"], "failed");
  EXPECT_EQ(f["attempts"], 1);
  EXPECT_EQ(f["max_attempts"], 5);
  EXPECT_EQ(f["file"], 1);
  EXPECT_EQ(f["owner"], nullptr);
  EXPECT_NE(f["error"].get<std::string>().find("truncated JPEG"),
            std::string::npos);
  EXPECT_EQ(f["created"], "2026-01-01T00:00:00.000000000Z");
  EXPECT_EQ(j["next"], nullptr);

  // Paged: one at a time, the cursor leads on.
  r = Run({"jobs", "--json", "--limit", "1"});
  const json page = json::parse(r.out, nullptr, false);
  ASSERT_EQ(page["failed"].size(), 1u);
  EXPECT_EQ(page["next"], failed_[0]);
  r = Run({"jobs", "--json", "--limit", "1", "--after",
           std::to_string(failed_[0])});
  const json second = json::parse(r.out, nullptr, false);
  ASSERT_EQ(second["failed"].size(), 1u);
  EXPECT_EQ(second["failed"][0]["id"], failed_[1]);
  EXPECT_EQ(second["next"], nullptr);
}

TEST_F(JobsE2eTest, RetryAndCancelChangeWhatTheCatalogHolds) {
  RunResult r = Run({"jobs", "retry", "--id", std::to_string(failed_[0])});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "retrying 1 job\n");
  std::vector<Job> pixels = Jobs("pixels");
  ASSERT_EQ(pixels.size(), 2u);
  EXPECT_EQ(pixels[0].state, JobState::kAvailable);
  EXPECT_EQ(pixels[0].attempts, 0);
  EXPECT_EQ(pixels[1].state, JobState::kFailed);

  r = Run({"jobs", "cancel", "--kind", "metadata"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "cancelled 3 jobs\n");
  for (const Job& j : Jobs("metadata")) {
    EXPECT_EQ(j.state, JobState::kCancelled);
  }
  // Without a selection, retry takes every failed and cancelled job.
  r = Run({"jobs", "retry"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "retrying 4 jobs\n");
  for (const Job& j : Jobs("metadata")) {
    EXPECT_EQ(j.state, JobState::kAvailable);
  }
}

TEST_F(JobsE2eTest, PauseAndResumeArePersistent) {
  RunResult r = Run({"jobs", "pause", "pixels"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "paused: pixels\n");
  EXPECT_EQ(*Open()->PausedKinds(), std::vector<std::string>{"pixels"});
  r = Run({"jobs"});
  EXPECT_NE(r.out.find("pixels (paused)"), std::string::npos) << r.out;
  // A paused kind is not claimed.
  catalog::ClaimRequest req{.kind = "pixels", .max_jobs = 5,
                            .owner = "host:2/pixels", .now_ns = kNow,
                            .lease_ns = 1};
  ASSERT_TRUE(Open()->RetryJobs({}, kNow));
  EXPECT_TRUE(Open()->ClaimJobs(req)->empty());

  r = Run({"jobs", "pause"});  // every kind
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "paused: full_hash, metadata, pixels\n");
  r = Run({"jobs", "resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "resumed: full_hash, metadata, pixels\n");
  EXPECT_TRUE(Open()->PausedKinds()->empty());
}

TEST_F(JobsE2eTest, ABadIdOrKindIsAClearError) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"jobs", "retry", "--id", "999"}, "no job 999"},
      {{"jobs", "cancel", "--id", std::to_string(failed_[0]), "--id", "998"},
       "no job 998"},
      {{"jobs", "cancel", "--kind", "bogus"}, "unknown job kind 'bogus'"},
      {{"jobs", "pause", "metadata", "bogus"}, "unknown job kind 'bogus'"},
      {{"jobs", "--kind", "nope"}, "unknown job kind 'nope'"},
      {{"jobs", "cancel"}, "say which jobs to cancel"},
      {{"jobs", "retry", "--id", "0"}, "--id"},
  };
  for (const Case& c : cases) {
    RunResult r = Run(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args[1];
    EXPECT_NE(r.err.find(c.message), std::string::npos)
        << c.args[1] << ": " << r.err;
  }
  // Nothing changed.
  EXPECT_EQ(Jobs("metadata")[0].state, JobState::kAvailable);
  EXPECT_TRUE(Open()->PausedKinds()->empty());
}

}  // namespace
}  // namespace phodex::testing
