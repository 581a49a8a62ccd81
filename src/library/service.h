#pragma once
// `phodex serve`'s engine: keeps every root's catalog in step with its disk
// by itself (docs/serve.md). It watches the roots (a watch::Watcher that
// app/ picks: inotify, polling, or a fake in tests), gathers the events per
// folder (watch::ChangeAggregator), waits for new files to settle
// (watch::SettleTracker), and applies each folder's changes with the
// scan's machinery (scan::ScanSession); it reconciles roots on its
// schedule (watch::ReconcileSchedule: at start, hourly, after an
// overflow, when a drive returns, on demand), and keeps offline roots
// (their drive unplugged: root identity missing) as they are, browsable,
// nothing marked removed.
//
// Every change it makes is an operation (`phodex ops`) of type "watch",
// "startup", "scheduled", "overflow", "drive-returned" or "manual", under
// the root's scan lock, so a `phodex scan` of the same root waits its turn
// or reports it busy, as with two CLI scans.
//
// The loop is stepped by RunOnce (tests drive it on a FakeClock and a fake
// watcher, STYLE rule 13); Run loops until cancelled. The HTTP server of
// the next issue runs in the same process beside it and reads Snapshot().
//
// Thread-safety: RunOnce, Run and Start run on one thread (the
// service thread); Snapshot, Reload and RequestReconcile are thread-safe
// (signal handling and the HTTP side call them); the Library is used only
// by the service thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/job_queue.h"
#include "catalog/types.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "library/library.h"
#include "watch/change_aggregator.h"
#include "watch/reconcile_schedule.h"
#include "watch/settle_tracker.h"
#include "watch/watcher.h"

namespace phodex::library {

// The service's settings ([serve] in the config file, docs/serve.md).
struct ServiceOptions {
  watch::AggregatorOptions aggregation;
  watch::SettleOptions settle;
  watch::ScheduleOptions schedule;
  std::chrono::seconds poll_interval{300};  // polled roots' folder listing
  // How often offline roots are looked for (their drive back? [serve]
  // offline_check) and the catalog's root list re-read (a `phodex root
  // add` while serving).
  std::chrono::nanoseconds offline_check = std::chrono::seconds(10);
  std::chrono::nanoseconds roots_refresh = std::chrono::seconds(30);
  // Thumbnails and previews of new and changed files: "pixels" jobs
  // (library/service_jobs.h), run by the process's FileJobs.
  bool thumbs = true;
  // Completed and cancelled jobs are deleted this long after they ended
  // (JobQueue::PruneJobs), looked for every job_prune_every: the queue's
  // table keeps the recent history (`phodex jobs`), not one row per file
  // and stage forever. Failed jobs stay until retried or cancelled.
  std::chrono::nanoseconds job_retention = std::chrono::days(7);
  std::chrono::nanoseconds job_prune_every = std::chrono::hours(1);
};
// [serve] of `config` over the defaults.
ServiceOptions ServiceOptionsFor(const Config& config);

// One root as the service sees it.
struct RootServiceState {
  RootId root;
  std::string path;
  watch::WatchMethod method = watch::WatchMethod::kOffline;
  int64_t folders = 0;  // watched or polled
  std::string reason;   // why polled or offline ("" when watched)
  std::optional<int64_t> last_reconcile_ns;  // Unix ns
  std::optional<int64_t> next_reconcile_ns;  // Unix ns; null when offline
  bool reconciling = false;
};

// What `phodex status` shows of a running service.
struct ServiceStatus {
  int64_t pid = 0;
  int64_t started_ns = 0;  // Unix ns
  int64_t updated_ns = 0;  // when this snapshot was taken
  std::vector<RootServiceState> roots;
  int64_t pending_folders = 0;  // events gathered, not yet applied
  int64_t settling_files = 0;   // new files waiting to settle
  std::vector<catalog::JobCount> queue;  // depth per kind and state
};

// What the process around the engine hears of it.
struct ServiceHooks {
  // Per-file jobs were queued (library/service_jobs.h): the runner should
  // claim at once. Called on the service thread. May be empty.
  std::function<void()> jobs_queued;
  // Metadata is read by "metadata" jobs (a FileJobs runs them): the pass
  // that applies a change catalogues new and changed files with their
  // quick hash only, and queues their metadata. False: that pass reads it.
  bool metadata_jobs = false;
};

class Service {
 public:
  // Registers every root of the catalog with `watcher` (offline ones
  // stay offline) and schedules their startup reconciliation. `lib` and
  // `watcher` are borrowed and outlive the service. Fails only when the
  // catalog cannot be read.
  static Result<std::unique_ptr<Service>> Start(Library& lib,
                                                watch::Watcher& watcher,
                                                ServiceOptions options,
                                                ServiceHooks hooks = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // One turn: takes the watcher's events (waiting at most `max_wait` when
  // nothing is due sooner), then does the work that is due, in priority
  // order (reconciliations, renames, trees, folders). Work in flight stops
  // when `cancel` is set: what was done is committed and its operation
  // ends "interrupted". An error only when the catalog cannot be written
  // at all (the caller logs it and goes on, or stops).
  Status RunOnce(std::chrono::milliseconds max_wait, jobs::CancelToken cancel);
  // RunOnce until `cancel` is set (Watcher::Wake makes it return at once).
  // Returns RunOnce's first error (the work that failed is tried again a
  // few seconds later): the caller logs it and calls Run again, or stops.
  Status Run(jobs::CancelToken cancel);

  // New settings (SIGHUP): they apply from the next turn; the root list is
  // re-read then too.
  void Reload(ServiceOptions options);
  // Reconcile `root` at the next turn (reason "manual").
  void RequestReconcile(RootId root);

  // A snapshot for `phodex status` and the HTTP side.
  ServiceStatus Snapshot() const;

 private:
  class Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phodex::library
