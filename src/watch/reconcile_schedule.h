#pragma once
// When each root is reconciled (the incremental scan of the whole root
// that catches what the watcher missed; docs/serve.md, "Reconciliation"):
//
//   - at start (reason kStartup), for every online root;
//   - every `local_interval` (default 1 h) for inotify-watched roots and
//     every `polled_interval` (default 24 h) for polled ones, counted from
//     the end of the last reconciliation, plus a random jitter of up to
//     `jitter` of the interval (default 10%) so that roots do not all run
//     at once;
//   - when asked (kManual), after an overflow (kOverflow: at once the
//     first time, then with doubling backoff from `overflow_backoff` up to
//     `max_backoff` while overflows keep coming), and when an offline
//     root's drive returns (kDriveReturned; it takes the place of a
//     startup one still pending: a root offline since the start).
//   - never for an offline root (it comes due again when it returns).
//   - never twice at once: a running root is not due until Finished; what
//     was asked meanwhile is due then.
//
// Overflow backoff: the first overflow reconciliation runs at once; each
// next one no sooner than `gap` after the previous one started, the gap
// starting at `overflow_backoff` and doubling up to `max_backoff`. Once
// `max_backoff` passes without an overflow the gap resets (the next one
// runs at once). Requests that meet one pending merge into it (the
// earliest due wins, with its reason).
//
// Pure logic on a clock: the service tells it what happened, asks what is
// due; tests step `now` by hand. Single-threaded.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "core/types.h"
#include "watch/sync_work.h"
#include "watch/watcher.h"

namespace phodex::watch {

struct ScheduleOptions {
  std::chrono::nanoseconds local_interval = std::chrono::hours(1);
  std::chrono::nanoseconds polled_interval = std::chrono::hours(24);
  double jitter = 0.10;  // fraction of the interval, random per run
  std::chrono::nanoseconds overflow_backoff = std::chrono::seconds(5);
  std::chrono::nanoseconds max_backoff = std::chrono::minutes(10);
  uint64_t seed = 0;  // of the jitter; 0 = random
};

// A root's schedule, for `phodex status` (monotonic ns).
struct RootSchedule {
  RootId root;
  WatchMethod method = WatchMethod::kInotify;
  std::optional<int64_t> last_end_ns;  // last reconciliation's end
  std::optional<int64_t> next_ns;      // null while offline or running
  bool running = false;
};

class ReconcileSchedule {
 public:
  explicit ReconcileSchedule(ScheduleOptions options);

  // A root to schedule (or its method changed); due at once with reason
  // kStartup when first added online.
  void SetRoot(RootId root, WatchMethod method, int64_t now_ns);
  void RemoveRoot(RootId root);

  // Something asks for a reconciliation of `root`: kManual,
  // kOverflow (with backoff), kDriveReturned.
  void Request(RootId root, SyncReason reason, int64_t now_ns);

  // The reconciliations due at `now_ns` (kReconcile works); each is
  // marked running until Finished.
  std::vector<SyncWork> TakeDue(int64_t now_ns);
  // A reconciliation of `root` ended at `now_ns` (completed or not: a
  // failed one is retried at the next interval, an interrupted one at
  // once on the next start).
  void Finished(RootId root, int64_t now_ns);

  std::optional<int64_t> NextDueNs() const;
  std::vector<RootSchedule> Roots() const;

 private:
  struct State {
    RootSchedule shown;  // next_ns filled in by NextNs
    // What was asked for (kStartup, kManual, kOverflow, kDriveReturned)
    // and when it is due.
    std::optional<SyncReason> request;
    int64_t request_due_ns = 0;
    // The periodic one: last end + interval + jitter.
    std::optional<int64_t> scheduled_ns;
    // Overflow backoff: the gap before the next overflow reconciliation,
    // the last overflow asked, the last overflow reconciliation taken.
    int64_t overflow_gap_ns = 0;
    std::optional<int64_t> last_overflow_ns;
    std::optional<int64_t> last_overflow_run_ns;
  };
  // When `state` is due; nullopt while offline or running or nothing is
  // asked or scheduled.
  static std::optional<int64_t> NextNs(const State& state);
  void Ask(State& state, SyncReason reason, int64_t due_ns);
  void Schedule(State& state);

  ScheduleOptions options_;
  std::mt19937_64 rng_;
  std::map<RootId, State> roots_;
};

}  // namespace phodex::watch
