#include "jobs/retry_backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace phodex::jobs {
namespace {

using namespace std::chrono_literals;

TEST(RetryBackoff, ClassifiesEachErrorCode) {
  struct Case {
    Status result;
    StopRequested stop;
    AttemptEnd want;
  };
  auto err = [](ErrorCode code) -> Status { return MakeError(code, "x"); };
  const std::vector<Case> cases = {
      {Status{}, StopRequested::kNo, AttemptEnd::kCompleted},
      {Status{}, StopRequested::kYes, AttemptEnd::kCompleted},
      {err(ErrorCode::kContentFault), StopRequested::kNo, AttemptEnd::kFailed},
      {err(ErrorCode::kUnsupported), StopRequested::kNo, AttemptEnd::kFailed},
      {err(ErrorCode::kContentFault), StopRequested::kYes,
       AttemptEnd::kFailed},
      {err(ErrorCode::kIo), StopRequested::kNo, AttemptEnd::kRetry},
      {err(ErrorCode::kInternal), StopRequested::kNo, AttemptEnd::kRetry},
      {err(ErrorCode::kTimedOut), StopRequested::kNo, AttemptEnd::kRetry},
      {err(ErrorCode::kNotFound), StopRequested::kNo, AttemptEnd::kRetry},
      {err(ErrorCode::kPermissionDenied), StopRequested::kNo,
       AttemptEnd::kRetry},
      {err(ErrorCode::kIo), StopRequested::kYes, AttemptEnd::kRetry},
      {err(ErrorCode::kCancelled), StopRequested::kYes, AttemptEnd::kRelease},
      // Nobody asked it to stop: counted, so it cannot loop forever.
      {err(ErrorCode::kCancelled), StopRequested::kNo, AttemptEnd::kRetry},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(ClassifyAttempt(cases[i].result, cases[i].stop), cases[i].want)
        << "case " << i;
  }
}

TEST(RetryBackoff, DoublesFromTheInitialDelayUpToTheCap) {
  BackoffOptions options;
  options.initial = 5s;
  options.multiplier = 2;
  options.max = 60s;
  options.jitter = 0;
  struct Case {
    int attempts;
    std::chrono::nanoseconds want;
  };
  const std::vector<Case> cases = {
      {1, 5s}, {2, 10s}, {3, 20s}, {4, 40s}, {5, 60s}, {6, 60s},
      {1000, 60s}, {0, 5s},  // 0: as the first
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BackoffDelay(options, c.attempts, 0.3), c.want)
        << "attempts " << c.attempts;
  }
}

TEST(RetryBackoff, JitterSpreadsAroundTheDelayButNeverPastTheCap) {
  BackoffOptions options;
  options.initial = 10s;
  options.max = 100s;
  options.jitter = 0.2;
  struct Case {
    int attempts;
    double u;
    std::chrono::nanoseconds want;
  };
  const std::vector<Case> cases = {
      {1, 0.0, 8s},     // -20%
      {1, 0.5, 10s},    // none
      {1, 1.0, 12s},    // +20%
      {2, 0.75, 22s},   // 20 s +10%
      {10, 1.0, 100s},  // capped after the jitter too
      {10, 0.0, 80s},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BackoffDelay(options, c.attempts, c.u), c.want)
        << "attempts " << c.attempts << " u " << c.u;
  }
}

}  // namespace
}  // namespace phodex::jobs
