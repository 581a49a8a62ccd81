#pragma once
// GET /metrics (docs/api.md, "Metrics"): the Prometheus text format 0.0.4.
// Two kinds of figures:
//   - what the server counts as it goes, in a Metrics registry that lives
//     in server::Api: every request by route pattern, method and status
//     (phodex_http_requests_total) with its latency
//     (phodex_http_request_duration_seconds), and the jobs the runner
//     finished by kind and outcome (phodex_jobs_finished_total);
//   - what is read at scrape time through library calls (the catalog, the
//     service, the process): metrics_routes.cc writes those with
//     MetricsText.
// Thread-safe: ObserveRequest is called by every handler thread for every
// request and costs one short lock and a map lookup.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "server/http_types.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::server {

// The text format's content type.
inline constexpr std::string_view kMetricsContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Writes metric families in the text format: one Family line pair (HELP,
// TYPE) and then its samples. Label values are escaped (\\, \", \n) and
// made valid UTF-8. Thread-compatible.
class MetricsText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  // `type`: "counter", "gauge" or "histogram".
  void Family(std::string_view name, std::string_view type,
              std::string_view help);
  // A sample of the family last begun (its name, or name_bucket, ...).
  void Sample(std::string_view name, Labels labels, double value);
  // The text so far.
  const std::string& text() const { return out_; }

  // `value` as a label value: UTF-8 (invalid bytes as \xNN, as
  // util::EscapeBytes), then \, " and newline escaped.
  static std::string EscapeLabel(std::string_view value);

 private:
  std::string out_;
};

class Metrics {
 public:
  // The latency histogram's upper bounds, in seconds (+Inf besides).
  static constexpr std::array<double, 12> kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  // One request answered: `route_pattern` is the route's pattern
  // ("/api/v1/files/{id}", never the path: the label's values stay few),
  // or "" for what matched no route (recorded as "unmatched").
  void ObserveRequest(std::string_view route_pattern, int status,
                      double seconds) {
    ObserveRequest(route_pattern, Method::kOther, status, seconds);
  }
  // The same with the method ("OTHER" is left out of the labels).
  void ObserveRequest(std::string_view route_pattern, Method method,
                      int status, double seconds);
  // Jobs of `kind` that ended with `outcome` ("completed", "failed",
  // "retried"), for phodex_jobs_finished_total: the throughput per kind
  // (app/ calls it as its job runner records outcomes).
  void CountJobsFinished(std::string_view kind, std::string_view outcome,
                         int64_t n);

  // Appends the families above to `out`.
  void Render(MetricsText& out) const;

 private:
  struct Histogram {
    std::array<int64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    int64_t count = 0;
    double sum = 0;
  };
  mutable util::Mutex mu_;
  // (route, method, status) -> count.
  std::map<std::tuple<std::string, Method, int>, int64_t>
      requests_ GUARDED_BY(mu_);
  std::map<std::string, Histogram> durations_ GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, int64_t> jobs_
      GUARDED_BY(mu_);
};

}  // namespace phodex::server
