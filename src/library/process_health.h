#pragma once
// How the process itself is doing: what `GET /api/v1/status` shows under
// "process" and what /metrics exports as process_cpu_seconds_total and
// process_resident_memory_bytes (docs/api.md, "Status"). Read from the
// system at the call (os/process.h); nothing is kept. Thread-safe.

#include <cstdint>

namespace phodex::library {

struct ProcessHealth {
  int64_t pid = 0;
  int64_t started_ns = 0;  // Unix ns; 0 when unknown
  double uptime_s = 0;     // 0 when the start is unknown
  int64_t resident_bytes = 0;  // 0 when unknown
  double cpu_seconds = 0;      // user and system
};

// This process now; `now_unix_ns` gives the uptime.
ProcessHealth GetProcessHealth(int64_t now_unix_ns);

}  // namespace phodex::library
