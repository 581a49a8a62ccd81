#include "jobs/retry_backoff.h"

#include <algorithm>
#include <cmath>

namespace phodex::jobs {

AttemptEnd ClassifyAttempt(const Status& result, StopRequested stop) {
  if (result) return AttemptEnd::kCompleted;
  switch (result.error().code()) {
    case ErrorCode::kContentFault:
    case ErrorCode::kUnsupported:
      return AttemptEnd::kFailed;
    case ErrorCode::kCancelled:
      return stop == StopRequested::kYes ? AttemptEnd::kRelease
                                         : AttemptEnd::kRetry;
    default:
      return AttemptEnd::kRetry;
  }
}

std::chrono::nanoseconds BackoffDelay(const BackoffOptions& options,
                                      int attempts, double unit_random) {
  const double max_ns = static_cast<double>(options.max.count());
  // Exponent capped so that the power stays finite for any attempt count.
  const int exponent = std::clamp(attempts - 1, 0, 200);
  double ns = static_cast<double>(options.initial.count()) *
              std::pow(options.multiplier, exponent);
  ns = std::min(ns, max_ns);
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  const double u = std::clamp(unit_random, 0.0, 1.0);
  ns *= 1.0 + jitter * (2.0 * u - 1.0);
  ns = std::clamp(ns, 0.0, max_ns);
  return std::chrono::nanoseconds(std::llround(ns));
}

}  // namespace phodex::jobs
