#pragma once
// library::Service's state, shared by its two source files: service.cc
// (the loop, the roots, offline roots, the snapshot) and service_work.cc
// (carrying out one watch::SyncWork with the scan's machinery). Internal
// to library/service*; see library/service.h for the contract.
//
// Thread-safety: as Service. Members without GUARDED_BY belong to the
// service thread; `mu_` guards what other threads hand in (Reload,
// RequestReconcile) or read (Snapshot); `settle_mu_` the settle tracker,
// which the scan's walk threads ask through ScanOptions::hold.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "library/service.h"
#include "media/extractor_pool.h"
#include "scan/pipeline.h"
#include "scan/scan_options.h"
#include "scan/scan_session.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::library {

class Service::Impl {
 public:
  Impl(Library& lib, watch::Watcher& watcher, ServiceOptions options,
       ServiceHooks hooks);

  Status Start();
  Status RunOnce(std::chrono::milliseconds max_wait, jobs::CancelToken cancel);
  void Reload(ServiceOptions options) EXCLUDES(mu_);
  void RequestReconcile(RootId root) EXCLUDES(mu_);
  ServiceStatus Snapshot() const EXCLUDES(mu_);
  watch::Watcher& watcher() { return watcher_; }

 private:
  // One root as the service keeps it.
  struct RootEntry {
    catalog::Root root;
    watch::WatchMethod method = watch::WatchMethod::kOffline;
    std::string reason;  // why polled or offline
    int64_t folders = 0;
    std::optional<int64_t> last_reconcile_ns;  // Unix ns
    bool reconciling = false;
  };
  // A reconciliation whose root was busy, to run again at `at_ns`
  // (monotonic).
  struct Retry {
    watch::SyncWork work;
    int64_t at_ns = 0;
  };
  // Files a work's hold kept back, by folder, with when to look again
  // (monotonic): the folders are deferred to then.
  using HeldFolders = std::map<std::string, int64_t>;

  // --- service.cc: roots, offline roots, settings, snapshot.
  Status RefreshRoots();
  void Register(const catalog::Root& root);
  void Unregister(RootId root);
  // Whether the root is there (its identity, scan/root_identity.h); takes
  // it offline when not. False: offline (now or already).
  bool EnsureOnline(RootEntry& entry);
  void GoOffline(RootEntry& entry, std::string reason);
  void CheckOfflineRoots();
  // Deletes completed and cancelled jobs older than job_retention, every
  // job_prune_every (the first turn included).
  Status PruneOldJobs();
  void ApplyPendingSettings() EXCLUDES(mu_);
  // How long Poll may wait: `max_wait` or less, until the next due work.
  std::chrono::milliseconds WaitFor(std::chrono::milliseconds max_wait);
  void Publish() EXCLUDES(mu_);
  // What the watcher leaves out of `root`: the scan's exclusions and
  // phodex's own files there.
  watch::WatchOptions WatchOptionsFor(const catalog::Root& root) const;

  // --- service_work.cc: carrying out work.
  // Everything due now, in priority order.
  std::vector<watch::SyncWork> TakeDueWork();
  Status Do(const watch::SyncWork& work, jobs::CancelToken cancel);
  // `work` once more in a few seconds (its root was busy, or the catalog
  // failed).
  void Again(const watch::SyncWork& work);
  Status DoFolder(RootEntry& entry, const watch::SyncWork& work,
                  jobs::CancelToken cancel, HeldFolders& held);
  Status DoTree(RootEntry& entry, const watch::SyncWork& work,
                const std::string& rel, jobs::CancelToken cancel,
                HeldFolders& held);
  Status DoRename(RootEntry& entry, const watch::SyncWork& work,
                  jobs::CancelToken cancel, HeldFolders& held);
  Status DoReconcile(RootEntry& entry, const watch::SyncWork& work,
                     jobs::CancelToken cancel, HeldFolders& held);
  // A sub-tree `rel` that no longer exists: what the catalog holds there
  // is marked removed, once the root's identity, checked after the look,
  // confirms its drive is still there (else the root goes offline).
  Status ApplyGoneTree(RootEntry& entry, const watch::SyncWork& work,
                       const std::string& rel, jobs::CancelToken cancel);
  // A watcher's work (reason kWatch) whose operation completed without
  // changing anything or meeting an error (every file settling, an empty
  // new folder, a folder as the catalog had it) leaves no operation in
  // `phodex ops`: it is dropped. Reconciliations are always kept.
  Status DropIfUnchanged(const watch::SyncWork& work,
                         const scan::ScanReport& report);
  // The scan options of this service's work on `entry`, with the settle
  // hold recording into `held`.
  scan::ScanOptions OptionsFor(const RootEntry& entry,
                               const watch::SyncWork& work, HeldFolders& held);
  // Queues the per-file jobs (thumbnails, full hashes) that `rel` of the
  // root lacks after `work` (library/service_jobs.h): after a work that
  // changed something, and after every startup, manual or drive-returned
  // reconciliation (which also picks up what a killed process queued
  // too late or never).
  Status QueueFileWork(const RootEntry& entry, const watch::SyncWork& work,
                       const std::string& rel,
                       const catalog::OperationCounts& counts);
  Result<std::unique_ptr<scan::ScanSession>> BeginSession(
      const RootEntry& entry, const std::string& scope,
      const scan::ScanOptions& options, const scan::ScanStages& stages,
      scan::ScanProgress& progress, jobs::CancelToken cancel);
  // Metadata workers, started on first use and kept.
  Result<media::MetadataReader*> Metadata();
  void DeferHeld(const watch::SyncWork& work, const HeldFolders& held);
  int64_t MonoNow();

  Library& lib_;
  watch::Watcher& watcher_;
  ServiceOptions options_;
  ServiceHooks hooks_;
  std::string thumbs_key_;  // the thumbnail settings' key
  scan::ScanOptions scan_base_;  // [scan] settings and phodex's own files
  std::string data_real_;
  watch::ChangeAggregator aggregator_;
  // New aggregation settings wait until nothing is pending (the
  // aggregator cannot change them in place without losing events).
  std::optional<watch::AggregatorOptions> next_aggregation_;
  watch::ReconcileSchedule schedule_;
  mutable util::Mutex settle_mu_;
  watch::SettleTracker settle_ GUARDED_BY(settle_mu_);
  std::map<RootId, RootEntry> roots_;
  std::vector<Retry> retries_;
  std::unique_ptr<media::MetadataReader> metadata_;
  int64_t next_offline_check_ns_ = 0;  // monotonic
  int64_t next_roots_refresh_ns_ = 0;  // monotonic
  int64_t next_queue_count_ns_ = 0;    // monotonic
  int64_t next_job_prune_ns_ = 0;      // monotonic
  std::vector<catalog::JobCount> queue_;
  int64_t started_ns_ = 0;             // Unix

  mutable util::Mutex mu_;
  std::optional<ServiceOptions> pending_options_ GUARDED_BY(mu_);
  std::vector<RootId> manual_ GUARDED_BY(mu_);
  ServiceStatus published_ GUARDED_BY(mu_);
};

}  // namespace phodex::library
