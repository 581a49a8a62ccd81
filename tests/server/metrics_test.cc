// GET /metrics (docs/api.md, "Metrics"): the Prometheus text format,
// checked by `promtool check metrics` (Debian package prometheus, which
// scripts/setup.sh installs: the test skips without it only outside CI),
// and some values: a request observed, a root's files, label values
// escaped.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/metrics.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

class MetricsTest : public ApiTest {
 protected:
  // `promtool check metrics` on `text` through a pipe: its exit status
  // and what it said.
  std::pair<int, std::string> Promtool(const std::string& text) {
    const std::string out = dir_ / "promtool.out";
    FILE* p = ::popen(("promtool check metrics > '" + out + "' 2>&1").c_str(), "w");
    if (p == nullptr) return {-1, "popen failed"};
    std::fwrite(text.data(), 1, text.size(), p);
    const int status = ::pclose(p);
    std::ifstream in(out);
    std::stringstream said;
    said << in.rdbuf();
    return {status, said.str()};
  }
  static bool HavePromtool() {
    return std::system("command -v promtool > /dev/null 2>&1") == 0;
  }
};

TEST_F(MetricsTest, TheTextFormatPassesPromtool) {
  if (!HavePromtool()) {
    if (std::getenv("CI") != nullptr) FAIL() << "promtool is missing under CI";
    GTEST_SKIP() << "promtool is missing (apt install prometheus)";
  }
  WriteJpeg("a.jpg", "1");
  OpenAndScan();
  ASSERT_TRUE(catalog_->AddRoot("/nowhere", "we\"ird\\na\nme", 1));
  api_.metrics().ObserveRequest("/api/v1/files/{id}", Method::kGet, 200, 0.003);
  api_.metrics().ObserveRequest("/api/v1/files/{id}", 404, 0.5);
  api_.metrics().ObserveRequest("", 404, 0.0001);
  api_.metrics().CountJobsFinished("pixels", "completed", 3);
  catalog::JobSpec spec;
  spec.kind = "pixels";
  spec.file = FileId{1};
  ASSERT_TRUE(catalog_->EnqueueJobs({spec}, 1));
  ASSERT_TRUE(catalog_->SetKindPaused("metadata", catalog::JobQueue::Pause::kPaused));
  const Response r = Get("/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const auto [status, said] = Promtool(r.body);
  EXPECT_EQ(status, 0) << said << "\n" << r.body;
}

TEST_F(MetricsTest, ValuesAndLabels) {
  WriteJpeg("a.jpg", "1");
  WriteJpeg("b.jpg", "22");
  OpenAndScan();
  ASSERT_TRUE(catalog_->AddRoot("/nowhere", "we\"ird\\na\nme", 1));
  api_.metrics().ObserveRequest("/api/v1/files/{id}", Method::kGet, 200, 0.003);
  api_.metrics().ObserveRequest("/api/v1/files/{id}", Method::kGet, 200, 7);
  const std::string text = Get("/metrics").body;
  auto has = [&text](const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has(R"(phodex_http_requests_total{route="/api/v1/files/{id}",method="GET",status="200"} 2)"))
      << text;
  EXPECT_TRUE(has(R"(phodex_http_request_duration_seconds_bucket{route="/api/v1/files/{id}",le="0.0025"} 0)"));
  EXPECT_TRUE(has(R"(phodex_http_request_duration_seconds_bucket{route="/api/v1/files/{id}",le="0.005"} 1)"));
  EXPECT_TRUE(has(R"(phodex_http_request_duration_seconds_bucket{route="/api/v1/files/{id}",le="5"} 1)"));
  EXPECT_TRUE(has(R"(phodex_http_request_duration_seconds_bucket{route="/api/v1/files/{id}",le="+Inf"} 2)"));
  EXPECT_TRUE(has(R"(phodex_http_request_duration_seconds_count{route="/api/v1/files/{id}"} 2)"));
  EXPECT_TRUE(has(R"(phodex_files{root="lib",state="present"} 2)"));
  EXPECT_TRUE(has(R"(phodex_files{root="lib",state="removed"} 0)"));
  EXPECT_TRUE(has(R"(phodex_root_state{root="lib",state="not watched"} 1)"));
  EXPECT_TRUE(has(R"(phodex_root_state{root="we\"ird\\na\nme",state="offline"} 1)"))
      << text;
  EXPECT_TRUE(has("phodex_service_up 0"));
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total "), std::string::npos);
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("\nphodex_catalog_size_bytes "), std::string::npos);
  EXPECT_NE(text.find("\nphodex_thumbnail_cache_bytes "), std::string::npos);
}

TEST(MetricsText, LabelValuesAreEscapedAndValidUtf8) {
  EXPECT_EQ(MetricsText::EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(MetricsText::EscapeLabel("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(MetricsText::EscapeLabel("\xff"), "\\\\xFF");
}

TEST(Metrics, ObservingIsThreadSafe) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) m.ObserveRequest("/r", 200, 0.01);
    });
  }
  for (auto& t : threads) t.join();
  MetricsText out;
  m.Render(out);
  EXPECT_NE(out.text().find("phodex_http_requests_total{route=\"/r\",status=\"200\"} 4000\n"),
            std::string::npos)
      << out.text();
}

}  // namespace
}  // namespace phodex::server
