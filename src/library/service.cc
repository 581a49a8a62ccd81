#include "library/service.h"

#include <algorithm>
#include <set>
#include <utility>

#include "library/scan.h"
#include "library/service_impl.h"
#include "library/thumbs.h"
#include "os/process.h"
#include "scan/root_identity.h"
#include "util/metrics.h"
#include "util/text.h"

namespace phodex::library {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Events taken from the watcher per turn; the rest wait for the next.
constexpr size_t kMaxEventsPerTurn = 4096;
// How often the queue's counts are read for the snapshot.
constexpr int64_t kQueueCountEveryNs = 1'000'000'000;
// Run's longest wait for events: cancellation is noticed within it even
// without Watcher::Wake.
constexpr milliseconds kRunMaxWait{500};

nanoseconds Seconds(double s) {
  return duration_cast<nanoseconds>(std::chrono::duration<double>(s));
}

// `abs` relative to folder `top` ("" = `top` itself); nullopt when it is
// not at or below it.
std::optional<std::string> RelUnder(const std::string& top,
                                    const std::string& abs) {
  if (abs == top) return std::string();
  if (abs.size() > top.size() && abs.starts_with(top) &&
      abs[top.size()] == '/') {
    return abs.substr(top.size() + 1);
  }
  return std::nullopt;
}

bool SameAggregation(const watch::AggregatorOptions& a,
                     const watch::AggregatorOptions& b) {
  return a.delay == b.delay && a.delete_hold == b.delete_hold &&
         a.folder_storm == b.folder_storm && a.root_storm == b.root_storm &&
         a.max_wait == b.max_wait;
}

bool SameSchedule(const watch::ScheduleOptions& a,
                  const watch::ScheduleOptions& b) {
  return a.local_interval == b.local_interval &&
         a.polled_interval == b.polled_interval && a.jitter == b.jitter &&
         a.overflow_backoff == b.overflow_backoff &&
         a.max_backoff == b.max_backoff;
}

}  // namespace

ServiceOptions ServiceOptionsFor(const Config& config) {
  ServiceOptions o;
  o.aggregation.delay = Seconds(config.serve_delay_s);
  o.aggregation.delete_hold = Seconds(config.serve_delete_hold_s);
  o.aggregation.folder_storm = config.serve_folder_storm;
  o.aggregation.root_storm = config.serve_root_storm;
  o.settle.settle = Seconds(config.serve_settle_s);
  o.schedule.local_interval = Seconds(config.serve_reconcile_interval_s);
  o.schedule.polled_interval = Seconds(config.serve_polled_interval_s);
  o.poll_interval = std::chrono::seconds(
      std::max<int64_t>(1, static_cast<int64_t>(config.serve_poll_interval_s)));
  o.offline_check = Seconds(config.serve_offline_check_s);
  o.thumbs = config.serve_thumbs;
  o.job_retention = Seconds(config.serve_job_retention_days * 86'400);
  return o;
}

// --- Service -----------------------------------------------------------------

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::Start(Library& lib,
                                                watch::Watcher& watcher,
                                                ServiceOptions options,
                                                ServiceHooks hooks) {
  auto impl = std::make_unique<Impl>(lib, watcher, std::move(options),
                                     std::move(hooks));
  PHODEX_TRY(impl->Start());
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Status Service::RunOnce(std::chrono::milliseconds max_wait,
                        jobs::CancelToken cancel) {
  return impl_->RunOnce(max_wait, cancel);
}

Status Service::Run(jobs::CancelToken cancel) {
  while (!cancel.cancelled()) {
    PHODEX_TRY(impl_->RunOnce(kRunMaxWait, cancel));
  }
  return {};
}

void Service::Reload(ServiceOptions options) {
  impl_->Reload(std::move(options));
}

void Service::RequestReconcile(RootId root) { impl_->RequestReconcile(root); }

ServiceStatus Service::Snapshot() const { return impl_->Snapshot(); }

// --- Impl: the loop ----------------------------------------------------------

Service::Impl::Impl(Library& lib, watch::Watcher& watcher,
                    ServiceOptions options, ServiceHooks hooks)
    : lib_(lib),
      watcher_(watcher),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      aggregator_(options_.aggregation),
      schedule_(options_.schedule),
      settle_(options_.settle) {}

Status Service::Impl::Start() {
  started_ns_ = lib_.clock().NowUnixNs();
  data_real_ = lib_.fs().RealPath(lib_.data().dir).value_or("");
  scan_base_ = ScanOptionsFor(lib_, ScanPathsRequest{}, data_real_);
  thumbs_key_ = OpenThumbnailCache(lib_)->settings_key();
  PHODEX_TRY(RefreshRoots());
  Publish();
  return {};
}

int64_t Service::Impl::MonoNow() { return lib_.clock().MonotonicNs(); }

Status Service::Impl::RunOnce(std::chrono::milliseconds max_wait,
                              jobs::CancelToken cancel) {
  ApplyPendingSettings();
  std::vector<watch::WatchEvent> events =
      watcher_.Poll(kMaxEventsPerTurn, WaitFor(max_wait));
  int64_t now = MonoNow();
  // A root whose folder went may have lost its drive: checked before the
  // aggregator makes it a reconciliation.
  std::set<RootId> gone;
  for (const watch::WatchEvent& e : events) {
    if (e.kind == watch::WatchEvent::Kind::kRootGone) gone.insert(e.root);
  }
  for (RootId id : gone) {
    if (auto it = roots_.find(id); it != roots_.end()) EnsureOnline(it->second);
  }
  std::erase_if(events, [&](const watch::WatchEvent& e) {
    auto it = roots_.find(e.root);
    return it == roots_.end() ||
           it->second.method == watch::WatchMethod::kOffline;
  });
  aggregator_.Add(events, now);
  if (now >= next_roots_refresh_ns_) PHODEX_TRY(RefreshRoots());
  if (now >= next_offline_check_ns_) CheckOfflineRoots();

  Status result;
  for (const watch::SyncWork& work : TakeDueWork()) {
    if (cancel.cancelled()) {
      // Not started: asked again (a reconciliation runs at the next
      // start anyway).
      if (work.kind == watch::SyncWork::Kind::kReconcile) {
        schedule_.Finished(work.root, MonoNow());
      } else {
        aggregator_.Defer(work, MonoNow());
      }
      continue;
    }
    if (Status st = Do(work, cancel); !st && result) result = st;
  }
  if (MonoNow() >= next_job_prune_ns_) {
    if (Status st = PruneOldJobs(); !st && result) result = st;
  }
  Publish();
  return result;
}

std::chrono::milliseconds Service::Impl::WaitFor(
    std::chrono::milliseconds max_wait) {
  const int64_t now = MonoNow();
  int64_t next = now + duration_cast<nanoseconds>(max_wait).count();
  for (std::optional<int64_t> due :
       {aggregator_.NextDueNs(), schedule_.NextDueNs(),
        std::optional<int64_t>(next_offline_check_ns_),
        std::optional<int64_t>(next_roots_refresh_ns_)}) {
    if (due) next = std::min(next, *due);
  }
  for (const Retry& r : retries_) next = std::min(next, r.at_ns);
  {
    util::MutexLock lock(mu_);
    if (pending_options_ || !manual_.empty()) next = now;
  }
  if (next <= now) return milliseconds(0);
  // Rounded up: a wait that ends just before the work is due would spin.
  return duration_cast<milliseconds>(nanoseconds(next - now) +
                                     milliseconds(1) - nanoseconds(1));
}

void Service::Impl::Reload(ServiceOptions options) {
  {
    util::MutexLock lock(mu_);
    pending_options_ = std::move(options);
  }
  watcher_.Wake();
}

void Service::Impl::RequestReconcile(RootId root) {
  {
    util::MutexLock lock(mu_);
    manual_.push_back(root);
  }
  watcher_.Wake();
}

void Service::Impl::ApplyPendingSettings() {
  std::optional<ServiceOptions> next;
  std::vector<RootId> manual;
  {
    util::MutexLock lock(mu_);
    next.swap(pending_options_);
    manual.swap(manual_);
  }
  const int64_t now = MonoNow();
  if (next) {
    if (!SameAggregation(next->aggregation, options_.aggregation)) {
      next_aggregation_ = next->aggregation;
    }
    if (next->settle.settle != options_.settle.settle ||
        next->settle.clocks != options_.settle.clocks) {
      util::MutexLock lock(settle_mu_);
      settle_ = watch::SettleTracker(next->settle);
    }
    if (!SameSchedule(next->schedule, options_.schedule)) {
      // A new schedule counts each root's next reconciliation from now;
      // what the old one had due is taken over.
      std::vector<watch::SyncWork> due = schedule_.TakeDue(now);
      schedule_ = watch::ReconcileSchedule(next->schedule);
      for (const auto& [id, entry] : roots_) {
        schedule_.SetRoot(id, entry.method, now);
      }
      for (const watch::SyncWork& w : schedule_.TakeDue(now)) {
        schedule_.Finished(w.root, now);
      }
      for (const watch::SyncWork& w : due) {
        schedule_.Request(w.root, w.reason, now);
      }
    }
    const bool rewatch = next->poll_interval != options_.poll_interval;
    options_ = std::move(*next);
    next_roots_refresh_ns_ = now;  // the root list is re-read now
    if (rewatch) {
      for (auto& [id, entry] : roots_) {
        if (entry.method == watch::WatchMethod::kOffline) continue;
        auto state =
            watcher_.AddRoot(id, entry.root.path, WatchOptionsFor(entry.root));
        if (state) entry.method = state->method;
      }
    }
  }
  if (next_aggregation_ && !aggregator_.NextDueNs()) {
    aggregator_ = watch::ChangeAggregator(*next_aggregation_);
    next_aggregation_.reset();
  }
  for (RootId id : manual) {
    if (roots_.contains(id)) {
      schedule_.Request(id, watch::SyncReason::kManual, now);
    }
  }
}

// --- Impl: roots -------------------------------------------------------------

watch::WatchOptions Service::Impl::WatchOptionsFor(
    const catalog::Root& root) const {
  watch::WatchOptions o;
  o.exclude = scan_base_.filter.exclude_globs;
  // phodex's own writes inside this root (its data folder, the thumbnail
  // cache, the catalog's files), as absolute globs (watch/watch_filter.h):
  // exactly those paths, also at the root's top, where a relative glob
  // would be a name matched at any depth (a "thumbs" folder of the user's
  // would not be watched). Atomic writes' temps and the root marker the
  // watcher leaves out itself.
  for (const std::string& d : scan_base_.filter.exclude_abs_dirs) {
    if (auto rel = RelUnder(root.path, d); rel && !rel->empty()) {
      o.exclude.push_back(util::GlobEscape(d));
    }
  }
  for (const std::string& g : scan_base_.filter.exclude_abs_file_globs) {
    const size_t slash = g.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string dir = g.substr(0, slash);
    if (RelUnder(root.path, dir)) {
      o.exclude.push_back(util::GlobEscape(dir) + g.substr(slash));
    }
  }
  o.include_hidden = scan_base_.filter.include_hidden;
  o.poll_interval = options_.poll_interval;
  return o;
}

Status Service::Impl::RefreshRoots() {
  next_roots_refresh_ns_ = MonoNow() + options_.roots_refresh.count();
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib_.catalog().ListRoots());
  std::set<RootId> listed;
  for (const catalog::Root& r : roots) {
    listed.insert(r.id);
    auto it = roots_.find(r.id);
    if (it == roots_.end() || it->second.root.path != r.path) {
      Register(r);
    } else {
      it->second.root = r;  // identity, last scan
    }
  }
  std::vector<RootId> dropped;
  for (const auto& [id, _] : roots_) {
    if (!listed.contains(id)) dropped.push_back(id);
  }
  for (RootId id : dropped) Unregister(id);
  return {};
}

void Service::Impl::Register(const catalog::Root& root) {
  const int64_t now = MonoNow();
  RootEntry& entry = roots_[root.id];
  entry.root = root;
  entry.last_reconcile_ns = root.last_scanned_ns;
  const scan::RootCheck check = scan::CheckRootIdentity(lib_.fs(), root);
  if (check.presence == scan::RootPresence::kOffline) {
    watcher_.RemoveRoot(root.id);
    entry.method = watch::WatchMethod::kOffline;
    entry.reason = check.reason;
    entry.folders = 0;
    schedule_.SetRoot(root.id, entry.method, now);
    return;
  }
  auto state = watcher_.AddRoot(root.id, root.path, WatchOptionsFor(root));
  if (!state) {
    entry.method = watch::WatchMethod::kOffline;
    entry.reason = state.error().ToString();
  } else {
    entry.method = state->method;
    entry.reason = state->reason;
    entry.folders = state->folders;
  }
  schedule_.SetRoot(root.id, entry.method, now);
}

void Service::Impl::Unregister(RootId root) {
  watcher_.RemoveRoot(root);
  aggregator_.Forget(root);
  {
    util::MutexLock lock(settle_mu_);
    settle_.Forget(root);
  }
  schedule_.RemoveRoot(root);
  std::erase_if(retries_, [&](const Retry& r) { return r.work.root == root; });
  roots_.erase(root);
}

bool Service::Impl::EnsureOnline(RootEntry& entry) {
  if (entry.method == watch::WatchMethod::kOffline) return false;
  const scan::RootCheck check = scan::CheckRootIdentity(lib_.fs(), entry.root);
  if (check.presence != scan::RootPresence::kOffline) return true;
  GoOffline(entry, check.reason);
  return false;
}

void Service::Impl::GoOffline(RootEntry& entry, std::string reason) {
  const RootId id = entry.root.id;
  watcher_.RemoveRoot(id);
  aggregator_.Forget(id);
  {
    util::MutexLock lock(settle_mu_);
    settle_.Forget(id);
  }
  std::erase_if(retries_, [&](const Retry& r) { return r.work.root == id; });
  entry.method = watch::WatchMethod::kOffline;
  entry.reason = std::move(reason);
  entry.folders = 0;
  entry.reconciling = false;
  schedule_.SetRoot(id, entry.method, MonoNow());
}

void Service::Impl::CheckOfflineRoots() {
  const int64_t now = MonoNow();
  next_offline_check_ns_ = now + options_.offline_check.count();
  // A watched root may have fallen back to polling (out of inotify
  // watches): it is reconciled on the polled schedule from now.
  for (const watch::RootWatchState& w : watcher_.States()) {
    auto it = roots_.find(w.root);
    if (it == roots_.end() || it->second.method == watch::WatchMethod::kOffline ||
        w.method == watch::WatchMethod::kOffline ||
        w.method == it->second.method) {
      continue;
    }
    it->second.method = w.method;
    schedule_.SetRoot(w.root, w.method, now);
  }
  for (auto& [id, entry] : roots_) {
    if (entry.method != watch::WatchMethod::kOffline) continue;
    const scan::RootCheck check =
        scan::CheckRootIdentity(lib_.fs(), entry.root);
    if (check.presence == scan::RootPresence::kOffline) {
      entry.reason = check.reason;
      continue;
    }
    auto state = watcher_.AddRoot(id, entry.root.path, WatchOptionsFor(entry.root));
    if (!state || state->method == watch::WatchMethod::kOffline) continue;
    entry.method = state->method;
    entry.reason = state->reason;
    entry.folders = state->folders;
    schedule_.SetRoot(id, entry.method, now);
    schedule_.Request(id, watch::SyncReason::kDriveReturned, now);
  }
}

Status Service::Impl::PruneOldJobs() {
  next_job_prune_ns_ = MonoNow() + options_.job_prune_every.count();
  auto pruned = lib_.catalog().PruneJobs(lib_.clock().NowUnixNs() -
                                         options_.job_retention.count());
  // A catalog without a queue has nothing to prune.
  if (!pruned && pruned.error().code() != ErrorCode::kUnsupported) {
    return std::unexpected(pruned.error());
  }
  return {};
}

// --- Impl: the snapshot ------------------------------------------------------

void Service::Impl::Publish() {
  const int64_t now = MonoNow();
  const int64_t unix_now = lib_.clock().NowUnixNs();
  if (now >= next_queue_count_ns_) {
    next_queue_count_ns_ = now + kQueueCountEveryNs;
    // Only what waits or runs: the finished history is not read every
    // second. kUnsupported where a catalog has no queue: no counts then.
    auto counts = lib_.catalog().CountActiveJobs();
    queue_ = counts ? std::move(*counts) : std::vector<catalog::JobCount>{};
  }
  ServiceStatus s;
  s.started_ns = started_ns_;
  s.queue = queue_;
  s.pending_folders = aggregator_.pending_folders();
  {
    util::MutexLock lock(settle_mu_);
    s.settling_files = static_cast<int64_t>(settle_.waiting());
  }
  std::map<RootId, watch::RootSchedule> schedules;
  for (const watch::RootSchedule& r : schedule_.Roots()) schedules[r.root] = r;
  for (const auto& [id, entry] : roots_) {
    RootServiceState& r = s.roots.emplace_back();
    r.root = id;
    r.path = entry.root.path;
    r.method = entry.method;
    r.folders = entry.folders;
    r.reason = entry.reason;
    r.last_reconcile_ns = entry.last_reconcile_ns;
    r.reconciling = entry.reconciling;
    if (auto it = schedules.find(id); it != schedules.end() &&
                                      it->second.next_ns &&
                                      entry.method !=
                                          watch::WatchMethod::kOffline) {
      r.next_reconcile_ns = unix_now + (*it->second.next_ns - now);
    }
  }
  util::MutexLock lock(mu_);
  published_ = std::move(s);
}

ServiceStatus Service::Impl::Snapshot() const {
  ServiceStatus s;
  {
    util::MutexLock lock(mu_);
    s = published_;
  }
  s.pid = os::CurrentPid();
  s.updated_ns = lib_.clock().NowUnixNs();
  // The watcher's own view is live (folders added as they appear).
  for (const watch::RootWatchState& w : watcher_.States()) {
    for (RootServiceState& r : s.roots) {
      if (r.root != w.root || r.method == watch::WatchMethod::kOffline) {
        continue;
      }
      r.method = w.method;
      r.folders = w.folders;
      r.reason = w.reason;
    }
  }
  return s;
}

}  // namespace phodex::library
