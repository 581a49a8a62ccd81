#pragma once
// Near-free phase timers, after ninja's METRIC_RECORD. A scoped timer adds
// its elapsed time to a named counter when metrics are enabled; when they are
// disabled it costs one relaxed atomic load. `--stats` prints the report.
// Thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace phodex::util {

struct Metric {
  const char* name;
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> total_ns{0};
};

class Metrics {
 public:
  static void Enable();
  static bool enabled() { return enabled_.load(std::memory_order_relaxed); }
  // Returns the counter named `name`, creating it. `name` must outlive the
  // process (a string literal).
  static Metric* Get(const char* name);
  // One line per metric: name, count, total ms, average µs.
  static std::string Report();

 private:
  static std::atomic<bool> enabled_;
};

class ScopedMetric {
 public:
  explicit ScopedMetric(Metric* metric)
      : metric_(Metrics::enabled() ? metric : nullptr) {
    if (metric_) start_ = std::chrono::steady_clock::now();
  }
  ~ScopedMetric() {
    if (!metric_) return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - start_)
                        .count();
    metric_->count.fetch_add(1, std::memory_order_relaxed);
    metric_->total_ns.fetch_add(ns, std::memory_order_relaxed);
  }
  ScopedMetric(const ScopedMetric&) = delete;
  ScopedMetric& operator=(const ScopedMetric&) = delete;

 private:
  Metric* metric_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace phodex::util

#define PHODEX_METRIC_CONCAT_(a, b) a##b
#define PHODEX_METRIC_CONCAT(a, b) PHODEX_METRIC_CONCAT_(a, b)
// PHODEX_METRIC_RECORD("walk.list_dir"): times the rest of the scope.
#define PHODEX_METRIC_RECORD(name)                                          \
  static ::phodex::util::Metric* PHODEX_METRIC_CONCAT(phodex_metric_,       \
                                                      __LINE__) =           \
      ::phodex::util::Metrics::Get(name);                                   \
  ::phodex::util::ScopedMetric PHODEX_METRIC_CONCAT(phodex_metric_scope_,   \
                                                    __LINE__)(              \
      PHODEX_METRIC_CONCAT(phodex_metric_, __LINE__))
