#include "server/metrics.h"

#include <cmath>
#include <cstdio>

#include "util/text.h"

namespace phodex::server {
namespace {

// A sample value as the text format writes it: integers without a
// fraction, +Inf/-Inf/NaN by name.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}

std::string FormatBound(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", b);
  return buf;
}

}  // namespace

std::string MetricsText::EscapeLabel(std::string_view value) {
  // EscapeBytes makes it valid UTF-8 (and doubles a backslash only when
  // it had to escape bytes): escape from the raw value when it is valid.
  const std::string utf8 =
      util::IsValidUtf8(value) ? std::string(value) : util::EscapeBytes(value);
  std::string out;
  out.reserve(utf8.size());
  for (const char c : utf8) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void MetricsText::Family(std::string_view name, std::string_view type,
                         std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void MetricsText::Sample(std::string_view name, Labels labels, double value) {
  out_.append(name);
  if (labels.size() > 0) {
    out_.push_back('{');
    bool first = true;
    for (const auto& [key, v] : labels) {
      if (!first) out_.push_back(',');
      first = false;
      out_.append(key).append("=\"").append(EscapeLabel(v)).append("\"");
    }
    out_.push_back('}');
  }
  out_.append(" ").append(FormatValue(value)).append("\n");
}

void Metrics::ObserveRequest(std::string_view route_pattern, Method method,
                             int status, double seconds) {
  std::string route(route_pattern.empty() ? "unmatched" : route_pattern);
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  util::MutexLock l(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = durations_[std::move(route)];
  if (bucket < kBuckets.size()) ++h.counts[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::CountJobsFinished(std::string_view kind, std::string_view outcome,
                                int64_t n) {
  util::MutexLock l(mu_);
  jobs_[{std::string(kind), std::string(outcome)}] += n;
}

void Metrics::Render(MetricsText& out) const {
  util::MutexLock l(mu_);
  out.Family("phodex_http_requests_total", "counter",
             "HTTP requests answered, by route pattern, method and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    const std::string code = std::to_string(status);
    if (method == Method::kOther) {
      out.Sample("phodex_http_requests_total",
                 {{"route", route}, {"status", code}}, static_cast<double>(n));
    } else {
      out.Sample("phodex_http_requests_total",
                 {{"route", route}, {"method", MethodName(method)},
                  {"status", code}},
                 static_cast<double>(n));
    }
  }
  out.Family("phodex_http_request_duration_seconds", "histogram",
             "Time from a request read to its answer, by route pattern.");
  for (const auto& [route, h] : durations_) {
    int64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out.Sample("phodex_http_request_duration_seconds_bucket",
                 {{"route", route}, {"le", FormatBound(kBuckets[i])}},
                 static_cast<double>(cumulative));
    }
    out.Sample("phodex_http_request_duration_seconds_bucket",
               {{"route", route}, {"le", "+Inf"}},
               static_cast<double>(h.count));
    out.Sample("phodex_http_request_duration_seconds_sum", {{"route", route}},
               h.sum);
    out.Sample("phodex_http_request_duration_seconds_count",
               {{"route", route}}, static_cast<double>(h.count));
  }
  out.Family("phodex_jobs_finished_total", "counter",
             "Jobs this process's runner finished, by kind and outcome.");
  for (const auto& [key, n] : jobs_) {
    out.Sample("phodex_jobs_finished_total",
               {{"kind", key.first}, {"outcome", key.second}},
               static_cast<double>(n));
  }
}

}  // namespace phodex::server
