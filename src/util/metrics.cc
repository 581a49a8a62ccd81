#include "util/metrics.h"

#include <cstdio>
#include <deque>
#include <string_view>

#include "util/mutex.h"

namespace phodex::util {
namespace {

Mutex& RegistryMutex() {
  static Mutex mu;
  return mu;
}

// deque: stable addresses as metrics are added. The caller holds
// RegistryMutex().
std::deque<Metric>& Registry() REQUIRES(RegistryMutex()) {
  static std::deque<Metric> metrics;
  return metrics;
}

}  // namespace

std::atomic<bool> Metrics::enabled_{false};

void Metrics::Enable() { enabled_.store(true); }

Metric* Metrics::Get(const char* name) {
  MutexLock lock(RegistryMutex());
  for (Metric& m : Registry()) {
    if (std::string_view(m.name) == name) return &m;
  }
  Metric& m = Registry().emplace_back();
  m.name = name;
  return &m;
}

std::string Metrics::Report() {
  MutexLock lock(RegistryMutex());
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-28s %10s %12s %12s\n", "metric",
                "count", "total ms", "avg us");
  out += line;
  for (const Metric& m : Registry()) {
    const int64_t count = m.count.load();
    const double total_ms = static_cast<double>(m.total_ns.load()) / 1e6;
    const double avg_us =
        count ? static_cast<double>(m.total_ns.load()) / 1e3 / count : 0.0;
    std::snprintf(line, sizeof line, "%-28s %10lld %12.1f %12.1f\n", m.name,
                  static_cast<long long>(count), total_ms, avg_us);
    out += line;
  }
  return out;
}

}  // namespace phodex::util
