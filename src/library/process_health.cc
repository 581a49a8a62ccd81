#include "library/process_health.h"

#include <algorithm>

#include "os/process.h"

namespace phodex::library {

ProcessHealth GetProcessHealth(int64_t now_unix_ns) {
  ProcessHealth h;
  h.pid = os::CurrentPid();
  h.started_ns = os::ProcessStartedUnixNs();
  if (h.started_ns > 0) {
    h.uptime_s = std::max<int64_t>(0, now_unix_ns - h.started_ns) / 1e9;
  }
  h.resident_bytes = os::ResidentBytes();
  h.cpu_seconds = os::CpuSeconds();
  return h;
}

}  // namespace phodex::library
