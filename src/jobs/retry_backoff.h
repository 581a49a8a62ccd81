#pragma once
// How one attempt of a queued job ends, decided from the handler's Status
// (docs/serve.md, "The job queue"), and how long a retry waits. The same
// split as scan/retry_policy.h: what is the file's fault is final, what may
// be the machine's is tried again later.
//
//   ok                            -> completed
//   kContentFault, kUnsupported   -> failed at once, with the reason: the
//                                    file is not read again until it changes
//                                    (a new version is a new job)
//   kCancelled, the supervisor    -> released: back to available, the
//     stopping                       attempt uncounted
//   anything else (kIo, kInternal,-> retried after an exponential backoff
//     kTimedOut, kNotFound, a        with jitter, capped; failed by the
//     handler that crashed, a        queue once its attempts are spent
//     kCancelled nobody asked for)
//
// Pure functions and a value type: thread-safe.

#include <chrono>
#include <cstdint>

#include "core/error.h"

namespace phodex::jobs {

enum class AttemptEnd {
  kCompleted,
  kFailed,   // give up now (JobOutcome::Kind::kFailed)
  kRetry,    // again after BackoffDelay (JobOutcome::Kind::kRetry)
  kRelease,  // not a real attempt: give the job back (JobQueue::ReleaseJobs)
};

// Whether the supervisor asked the handler to stop (it is stopping).
enum class StopRequested { kNo, kYes };

// What `result` means for the job. A kCancelled the supervisor did not ask
// for is a retry (counted), so a handler that keeps saying "cancelled"
// cannot keep its job forever.
AttemptEnd ClassifyAttempt(const Status& result, StopRequested stop);

// Exponential backoff: the n-th retry waits initial * multiplier^(n-1),
// at most `max`, then spread by +-jitter (a fraction) so that jobs that
// failed together (a drive that went away) do not come back together.
struct BackoffOptions {
  std::chrono::nanoseconds initial = std::chrono::seconds(5);
  double multiplier = 2.0;
  std::chrono::nanoseconds max = std::chrono::minutes(30);
  double jitter = 0.2;  // 0..1
};

// The wait before the retry of an attempt that was the `attempts`-th
// (Job::attempts; REQUIRES: >= 1). `unit_random` in [0, 1) picks the
// jitter (0.5: none); the result is never more than options.max and never
// negative.
std::chrono::nanoseconds BackoffDelay(const BackoffOptions& options,
                                      int attempts, double unit_random);

}  // namespace phodex::jobs
