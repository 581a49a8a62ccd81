#include "os/clock.h"

#include <time.h>

namespace phodex::os {
namespace {

int64_t Read(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class RealClock final : public Clock {
 public:
  int64_t NowUnixNs() override { return Read(CLOCK_REALTIME); }
  int64_t MonotonicNs() override { return Read(CLOCK_MONOTONIC); }
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace phodex::os
