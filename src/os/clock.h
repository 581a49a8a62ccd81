#pragma once
// Wall and monotonic time behind an interface, so long-running loops can be
// driven by tests without sleeping. Implementations are thread-safe.

#include <cstdint>
#include <memory>

namespace phodex::os {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch (UTC).
  virtual int64_t NowUnixNs() = 0;
  // Monotonic nanoseconds from an arbitrary origin.
  virtual int64_t MonotonicNs() = 0;
};

// The system clock. Returns a process-wide instance.
Clock& SystemClock();

}  // namespace phodex::os
