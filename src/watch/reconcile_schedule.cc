#include "watch/reconcile_schedule.h"

#include <algorithm>

namespace phodex::watch {

ReconcileSchedule::ReconcileSchedule(ScheduleOptions options)
    : options_(options),
      rng_(options.seed != 0 ? options.seed : std::random_device{}()) {}

void ReconcileSchedule::SetRoot(RootId root, WatchMethod method,
                                int64_t now_ns) {
  auto [it, added] = roots_.try_emplace(root);
  State& state = it->second;
  const WatchMethod before = state.shown.method;
  state.shown.root = root;
  state.shown.method = method;
  if (method == WatchMethod::kOffline) return;
  if (!state.shown.last_end_ns) {
    // Never reconciled since the service started: its startup one, when
    // it is first seen online.
    if (!state.shown.running && !state.request) {
      Ask(state, SyncReason::kStartup, now_ns);
    }
  } else if (added || before != method) {
    Schedule(state);  // the other method's interval
  }
}

void ReconcileSchedule::RemoveRoot(RootId root) { roots_.erase(root); }

void ReconcileSchedule::Request(RootId root, SyncReason reason,
                                int64_t now_ns) {
  auto it = roots_.find(root);
  if (it == roots_.end()) return;
  State& state = it->second;
  int64_t due_ns = now_ns;
  if (reason == SyncReason::kDriveReturned &&
      state.request == SyncReason::kStartup) {
    // A root offline since the start: its first reconciliation is the
    // return of its drive, and is recorded as that.
    state.request.reset();
  }
  if (reason == SyncReason::kOverflow) {
    if (state.last_overflow_ns &&
        now_ns - *state.last_overflow_ns >= options_.max_backoff.count()) {
      state.overflow_gap_ns = 0;  // quiet for long enough: start over
    }
    state.last_overflow_ns = now_ns;
    if (state.overflow_gap_ns > 0 && state.last_overflow_run_ns) {
      due_ns =
          std::max(now_ns, *state.last_overflow_run_ns + state.overflow_gap_ns);
    }
  }
  Ask(state, reason, due_ns);
}

void ReconcileSchedule::Ask(State& state, SyncReason reason, int64_t due_ns) {
  if (!state.request || due_ns < state.request_due_ns) {
    state.request = reason;
    state.request_due_ns = due_ns;
  }
}

void ReconcileSchedule::Schedule(State& state) {
  if (!state.shown.last_end_ns) {
    state.scheduled_ns.reset();
    return;
  }
  const int64_t interval = state.shown.method == WatchMethod::kPolling
                               ? options_.polled_interval.count()
                               : options_.local_interval.count();
  // At most the interval itself (a fraction over 1 would not fit int64).
  const auto max_jitter = static_cast<uint64_t>(std::max(
      0.0,
      static_cast<double>(interval) * std::clamp(options_.jitter, 0.0, 1.0)));
  const int64_t jitter =
      max_jitter > 0 ? static_cast<int64_t>(rng_() % (max_jitter + 1)) : 0;
  state.scheduled_ns = *state.shown.last_end_ns + interval + jitter;
}

std::vector<SyncWork> ReconcileSchedule::TakeDue(int64_t now_ns) {
  std::vector<SyncWork> due;
  for (auto& [root, state] : roots_) {
    const std::optional<int64_t> next = NextNs(state);
    if (!next || *next > now_ns) continue;
    const SyncReason reason = state.request && state.request_due_ns <= now_ns
                                  ? *state.request
                                  : SyncReason::kScheduled;
    if (reason == SyncReason::kOverflow) {
      state.last_overflow_run_ns = now_ns;
      state.overflow_gap_ns =
          state.overflow_gap_ns == 0
              ? options_.overflow_backoff.count()
              : std::min(state.overflow_gap_ns * 2,
                         static_cast<int64_t>(options_.max_backoff.count()));
    }
    // One reconciliation covers whatever else was asked or scheduled.
    state.request.reset();
    state.scheduled_ns.reset();
    state.shown.running = true;
    due.push_back(SyncWork{
        .kind = SyncWork::Kind::kReconcile, .root = root, .reason = reason});
  }
  return due;
}

void ReconcileSchedule::Finished(RootId root, int64_t now_ns) {
  auto it = roots_.find(root);
  if (it == roots_.end()) return;
  State& state = it->second;
  state.shown.running = false;
  state.shown.last_end_ns = now_ns;
  Schedule(state);
}

std::optional<int64_t> ReconcileSchedule::NextNs(const State& state) {
  if (state.shown.running || state.shown.method == WatchMethod::kOffline) {
    return std::nullopt;
  }
  std::optional<int64_t> next = state.scheduled_ns;
  if (state.request && (!next || state.request_due_ns < *next)) {
    next = state.request_due_ns;
  }
  return next;
}

std::optional<int64_t> ReconcileSchedule::NextDueNs() const {
  std::optional<int64_t> next;
  for (const auto& [root, state] : roots_) {
    const std::optional<int64_t> due = NextNs(state);
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

std::vector<RootSchedule> ReconcileSchedule::Roots() const {
  std::vector<RootSchedule> roots;
  roots.reserve(roots_.size());
  for (const auto& [root, state] : roots_) {
    RootSchedule shown = state.shown;
    shown.next_ns = NextNs(state);
    roots.push_back(shown);
  }
  return roots;
}

}  // namespace phodex::watch
