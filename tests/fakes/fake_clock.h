#pragma once
// A clock that tests move by hand (os/clock.h): no test sleeps on real
// time for what a clock could drive. Both readings start at fixed values
// and advance together. Thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "os/clock.h"

namespace phodex::testing {

class FakeClock : public os::Clock {
 public:
  // 2026-01-01T00:00:00Z, and an arbitrary monotonic origin.
  static constexpr int64_t kStartUnixNs = 1'767'225'600'000'000'000;
  static constexpr int64_t kStartMonotonicNs = 1'000'000'000'000;

  int64_t NowUnixNs() override { return unix_ns_.load(); }
  int64_t MonotonicNs() override { return mono_ns_.load(); }

  void Advance(std::chrono::nanoseconds d) {
    unix_ns_ += d.count();
    mono_ns_ += d.count();
  }
  // Sets the wall clock only (the monotonic one never goes back), e.g. to
  // model an NTP step.
  void SetUnixNs(int64_t ns) { unix_ns_ = ns; }

 private:
  std::atomic<int64_t> unix_ns_{kStartUnixNs};
  std::atomic<int64_t> mono_ns_{kStartMonotonicNs};
};

}  // namespace phodex::testing
