// Service::Impl carrying out one watch::SyncWork (library/service.h, the
// top of the file; docs/serve.md, "The engine"): each work is one scan
// session (one operation, typed by its reason) under the root's scan lock.

#include <algorithm>
#include <utility>

#include "library/service_impl.h"
#include "library/service_jobs.h"
#include "scan/cataloged_entries.h"
#include "os/process.h"
#include "scan/pipeline.h"
#include "scan/root_identity.h"
#include "scan/scan_session.h"

namespace phodex::library {
namespace {

using watch::SyncWork;

// A root another process is scanning is tried again this much later.
constexpr int64_t kBusyRetryNs = int64_t{5} * 1'000'000'000;
// The grain of the looks at files that were still settling.
constexpr int64_t kSettleLookNs = 500'000'000;

std::string DirOf(std::string_view rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string()
                                         : std::string(rel.substr(0, slash));
}

// The deepest folder holding both `a` and `b` ("" = the root's top).
std::string CommonFolder(const std::string& a, const std::string& b) {
  std::string common = a;
  while (!common.empty() &&
         !(b == common ||
           (b.starts_with(common) && b[common.size()] == '/'))) {
    common = DirOf(common);
  }
  return common;
}

int Priority(SyncWork::Kind kind) {
  switch (kind) {
    case SyncWork::Kind::kReconcile: return 0;
    case SyncWork::Kind::kRename: return 1;
    case SyncWork::Kind::kTree: return 2;
    case SyncWork::Kind::kFolder: return 3;
  }
  return 3;
}

// Folder `rel` of the root at `root_path` as a watcher's kFolder work
// sees it: its media files by the scan's rules (scan/filter.h; the walk's
// own listing, scan/walker.cc), entries that could not be stat'ed as
// errors. Sub-folders are not looked into.
Result<scan::FolderChanges> ListFolder(os::FileSystem& fs,
                                       const std::string& root_path,
                                       const std::string& rel,
                                       const scan::ScanOptions& options) {
  const std::string abs = os::JoinPath(root_path, rel);
  PHODEX_ASSIGN_OR_RETURN(std::vector<os::DirEntry> listing,
                          fs.ListDir(abs, options.follow_symlinks));
  const scan::Filter filter(options.filter);
  std::vector<scan::WalkEntry> files;
  std::vector<scan::FolderChanges::Unreadable> errors;
  for (os::DirEntry& e : listing) {
    const std::string entry_rel = os::JoinPath(rel, e.name);
    if (!e.stat) {
      const bool dangling = options.follow_symlinks == os::Follow::kYes &&
                            e.error->code() == ErrorCode::kNotFound;
      if (!dangling) errors.push_back({entry_rel, *e.error});
      continue;
    }
    if (e.stat->type != FileType::kRegular || os::IsWriteTempName(e.name) ||
        filter.ExcludesFile(e.name, entry_rel) ||
        filter.ExcludesFileIn(abs, e.name)) {
      continue;
    }
    const MediaKind kind = KindFromName(e.name);
    if (kind == MediaKind::kOther) continue;
    files.push_back(scan::WalkEntry{std::move(e.name), *e.stat, kind});
  }
  scan::FolderChanges changes =
      scan::FolderChanges::Folder(rel, std::move(files));
  changes.errors = std::move(errors);
  return changes;
}

bool HasSubFolders(os::FileSystem& fs, const std::string& abs) {
  auto listing = fs.ListDir(abs, os::Follow::kNo);
  if (!listing) return true;
  return std::any_of(listing->begin(), listing->end(),
                     [](const os::DirEntry& e) {
                       return e.stat && e.stat->type == FileType::kDirectory;
                     });
}

}  // namespace

std::vector<SyncWork> Service::Impl::TakeDueWork() {
  const int64_t now = MonoNow();
  std::vector<SyncWork> folders = aggregator_.TakeDue(now);
  // The aggregator's reconciliations (a storm, an overflow) go through
  // the schedule, which backs off while overflows keep coming.
  std::erase_if(folders, [&](const SyncWork& w) {
    if (w.kind != SyncWork::Kind::kReconcile) return false;
    schedule_.Request(w.root, w.reason, now);
    return true;
  });
  std::vector<SyncWork> work = schedule_.TakeDue(now);
  std::erase_if(retries_, [&](const Retry& r) {
    if (r.at_ns > now) return false;
    work.push_back(r.work);
    return true;
  });
  // A reconciliation covers everything pending in its root (`work` holds
  // only reconciliations so far; the check keeps it so if that changes).
  for (const SyncWork& w : work) {
    if (w.kind == SyncWork::Kind::kReconcile) aggregator_.Forget(w.root);
  }
  for (SyncWork& w : folders) {
    const bool covered =
        std::any_of(work.begin(), work.end(), [&](const SyncWork& r) {
          return r.kind == SyncWork::Kind::kReconcile && r.root == w.root;
        });
    if (!covered) work.push_back(std::move(w));
  }
  // By priority, in arrival order within one (a stable bucket pass:
  // std::stable_sort's temporary buffer is deprecated in C++23's library).
  std::vector<SyncWork> ordered;
  ordered.reserve(work.size());
  for (int p = 0; p <= Priority(SyncWork::Kind::kFolder); ++p) {
    for (SyncWork& w : work) {
      if (Priority(w.kind) == p) ordered.push_back(std::move(w));
    }
  }
  return ordered;
}

Status Service::Impl::Do(const SyncWork& work, jobs::CancelToken cancel) {
  const bool reconcile = work.kind == SyncWork::Kind::kReconcile;
  auto it = roots_.find(work.root);
  if (it == roots_.end()) {  // removed meanwhile
    if (reconcile) schedule_.Finished(work.root, MonoNow());
    return {};
  }
  RootEntry& entry = it->second;
  if (!EnsureOnline(entry)) {
    // Offline: nothing is looked at or marked removed; its return brings
    // a reconciliation (CheckOfflineRoots).
    if (reconcile) {
      schedule_.Finished(work.root, MonoNow());
      schedule_.SetRoot(work.root, watch::WatchMethod::kOffline, MonoNow());
    }
    return {};
  }
  auto lock = lib_.locks().LockRoot(work.root, catalog::Locks::Wait::kNo);
  if (!lock) {
    // Another process (a CLI scan) works on the root: its turn first.
    Again(work);
    return {};
  }
  // The root as the catalog holds it now, under its lock (the last scan's
  // time dates what this work marks removed).
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib_.catalog().ListRoots());
  for (const catalog::Root& r : roots) {
    if (r.id == work.root) entry.root = r;
  }
  HeldFolders held;
  Status st;
  switch (work.kind) {
    case SyncWork::Kind::kFolder:
      st = DoFolder(entry, work, cancel, held);
      break;
    case SyncWork::Kind::kTree:
      st = DoTree(entry, work, work.rel, cancel, held);
      break;
    case SyncWork::Kind::kRename:
      st = DoRename(entry, work, cancel, held);
      break;
    case SyncWork::Kind::kReconcile:
      st = DoReconcile(entry, work, cancel, held);
      break;
  }
  DeferHeld(work, held);
  if (work.kind == SyncWork::Kind::kReconcile) {
    // A reconciliation's walk of a big root is the service's peak: what it
    // freed goes back to the system instead of staying with the idle
    // service (docs/performance.md, "Idle RSS").
    lib_.catalog().ReleaseMemory();
    os::ReleaseFreeMemory();
  }
  // The catalog failed: tried again later (the whole folder: what it did
  // before failing is not known), unless the whole turn fails (Run stops
  // on the error).
  if (!st) {
    SyncWork again = work;
    again.names.clear();
    Again(again);
  }
  return st;
}

void Service::Impl::Again(const SyncWork& work) {
  const int64_t at = MonoNow() + kBusyRetryNs;
  if (work.kind == SyncWork::Kind::kReconcile) {
    schedule_.Finished(work.root, MonoNow());
    retries_.push_back({work, at});
  } else {
    aggregator_.Defer(work, at);
  }
}

scan::ScanOptions Service::Impl::OptionsFor(const RootEntry& entry,
                                            const SyncWork& work,
                                            HeldFolders& held) {
  scan::ScanOptions o = scan_base_;
  o.operation_type = watch::SyncReasonName(work.reason);
  if (!hooks_.metadata_jobs) {
    if (auto reader = Metadata()) o.metadata = *reader;
  }
  const RootId root = entry.root.id;
  // A polled root is a network or FUSE file system: its ctimes come from
  // another machine's clock, so only two looks settle a file there.
  const auto clocks = entry.method == watch::WatchMethod::kPolling
                          ? watch::SettleOptions::Clocks::kRemote
                          : options_.settle.clocks;
  o.hold = [this, root, clocks, &held](std::string_view rel,
                                       const FileStat& stat) {
    const int64_t unix_now = lib_.clock().NowUnixNs();
    const int64_t mono_now = lib_.clock().MonotonicNs();
    util::MutexLock lock(settle_mu_);
    const watch::SettleVerdict v =
        settle_.Check(root, std::string(rel), stat, unix_now, clocks);
    if (v.settled) return false;
    // Held until it settles; its folder is looked at again then.
    const int64_t at = mono_now + std::max<int64_t>(v.retry_at_ns - unix_now, 0);
    auto [slot, inserted] = held.emplace(DirOf(rel), at);
    if (!inserted) slot->second = std::min(slot->second, at);
    return true;
  };
  return o;
}

Result<media::MetadataReader*> Service::Impl::Metadata() {
  if (metadata_) return metadata_.get();
  if (!lib_.config().metadata || !lib_.workers().metadata) {
    return MakeError(ErrorCode::kUnsupported, "no metadata", "serve");
  }
  // A pool that cannot start is asked again at the next work; meanwhile
  // files are catalogued without metadata, which the next scan adds.
  PHODEX_ASSIGN_OR_RETURN(metadata_, lib_.workers().metadata(lib_.config()));
  return metadata_.get();
}

Result<std::unique_ptr<scan::ScanSession>> Service::Impl::BeginSession(
    const RootEntry& entry, const std::string& scope,
    const scan::ScanOptions& options, const scan::ScanStages& stages,
    scan::ScanProgress& progress, jobs::CancelToken cancel) {
  return scan::ScanSession::Begin(
      {lib_.catalog(), lib_.fs(), lib_.clock(), progress}, entry.root,
      {.type = options.operation_type, .scope = scope}, options, stages.set(),
      cancel);
}

void Service::Impl::DeferHeld(const SyncWork& work, const HeldFolders& held) {
  for (const auto& [dir, at] : held) {
    SyncWork again;
    again.kind = SyncWork::Kind::kFolder;
    again.root = work.root;
    again.rel = dir;
    again.reason = SyncWork().reason;  // kWatch: a watcher's look
    // At that time, even while newer events in the folder wait for their
    // own delay: a settled file is not held back by the copy beside it.
    // Rounded up to the next half second, so a steady copy is looked at
    // twice a second at most (one operation each), not once per file.
    const int64_t rounded =
        (at + kSettleLookNs - 1) / kSettleLookNs * kSettleLookNs;
    aggregator_.Defer(again, rounded, watch::ChangeAggregator::When::kAt);
  }
}

Status Service::Impl::DoFolder(RootEntry& entry, const SyncWork& work,
                               jobs::CancelToken cancel, HeldFolders& held) {
  const int64_t look_ns = lib_.clock().NowUnixNs();
  const scan::ScanOptions options = OptionsFor(entry, work, held);
  auto changes = ListFolder(lib_.fs(), entry.root.path, work.rel, options);
  if (!changes && changes.error().code() == ErrorCode::kNotFound) {
    return ApplyGoneTree(entry, work, work.rel, cancel);
  }
  // A drive unmounted since Do's check lists as an empty mount point: the
  // listing is believed only on a drive that is still the root's after it.
  if (!EnsureOnline(entry)) return {};
  if (!changes) {
    // Unreadable: what the catalog holds there stays, the error recorded.
    scan::FolderChanges c;
    c.rel = work.rel;
    c.errors.push_back({work.rel, changes.error()});
    changes = std::move(c);
  }
  const scan::ScanStages stages(lib_.fs(), options);
  if (!work.names.empty()) {
    // Only entries already as the catalog has them (phodex's own writes,
    // recorded as they were made; docs/serve.md, "Own writes"): no
    // foreign change, nothing to apply or record.
    PHODEX_ASSIGN_OR_RETURN(
        const bool as_cataloged,
        scan::NamedEntriesAsCataloged(lib_.catalog(), entry.root.id, *changes,
                                      work.names, stages.set().wants));
    if (as_cataloged) return {};
  }
  scan::ScanProgress progress;
  PHODEX_ASSIGN_OR_RETURN(
      std::unique_ptr<scan::ScanSession> session,
      BeginSession(entry, work.rel, options, stages, progress, cancel));
  // Fails only for a listing outside the folder, which ListFolder never
  // makes; the session records any other stop.
  PHODEX_TRY(session->Apply(std::move(*changes)));
  PHODEX_ASSIGN_OR_RETURN(const scan::ScanReport report, session->Finish());
  PHODEX_TRY(DropIfUnchanged(work, report));
  // Files that went from this folder while settling are forgotten; a
  // folder with sub-folders keeps theirs (a Sweep reaches below).
  if (!HasSubFolders(lib_.fs(), os::JoinPath(entry.root.path, work.rel))) {
    util::MutexLock lock(settle_mu_);
    settle_.Sweep(entry.root.id, work.rel, look_ns);
  }
  return QueueFileWork(entry, work, work.rel, report.counts);
}

Status Service::Impl::DoTree(RootEntry& entry, const SyncWork& work,
                             const std::string& rel, jobs::CancelToken cancel,
                             HeldFolders& held) {
  const int64_t look_ns = lib_.clock().NowUnixNs();
  auto st = lib_.fs().Stat(os::JoinPath(entry.root.path, rel), os::Follow::kNo);
  if (!st && st.error().code() == ErrorCode::kNotFound) {
    return ApplyGoneTree(entry, work, rel, cancel);
  }
  if (st && st->type != FileType::kDirectory) {
    // Now a file: it is its folder's.
    return ApplyGoneTree(entry, work, rel, cancel);
  }
  scan::ScanOptions options = OptionsFor(entry, work, held);
  // A sub-tree emptied on a drive that is confirmed to be the root's is
  // emptied, not unmounted.
  options.allow_empty_root =
      !rel.empty() && scan::CheckRootIdentity(lib_.fs(), entry.root).presence ==
                          scan::RootPresence::kOnline;
  scan::ScanProgress progress;
  PHODEX_ASSIGN_OR_RETURN(
      const scan::ScanReport report,
      scan::ScanRoot(lib_.catalog(), lib_.fs(), lib_.clock(), entry.root, rel,
                     options, progress, cancel));
  if (report.offline) {
    GoOffline(entry, report.error);
    return {};
  }
  PHODEX_TRY(DropIfUnchanged(work, report));
  {
    util::MutexLock lock(settle_mu_);
    settle_.Sweep(entry.root.id, rel, look_ns);
  }
  return QueueFileWork(entry, work, rel, report.counts);
}

Status Service::Impl::ApplyGoneTree(RootEntry& entry, const SyncWork& work,
                                    const std::string& rel,
                                    jobs::CancelToken cancel) {
  // Gone, or its drive unmounted since Do's check: checked after the look,
  // nothing is marked removed when the drive is not the root's now.
  if (!EnsureOnline(entry)) return {};
  HeldFolders none;
  const scan::ScanOptions options = OptionsFor(entry, work, none);
  const scan::ScanStages stages(lib_.fs(), options);
  scan::ScanProgress progress;
  PHODEX_ASSIGN_OR_RETURN(
      std::unique_ptr<scan::ScanSession> session,
      BeginSession(entry, rel, options, stages, progress, cancel));
  scan::FolderChanges gone;
  gone.rel = rel;
  gone.extent = scan::FolderChanges::Extent::kTree;
  PHODEX_TRY(session->Apply(std::move(gone)));
  PHODEX_ASSIGN_OR_RETURN(const scan::ScanReport report, session->Finish());
  PHODEX_TRY(DropIfUnchanged(work, report));
  util::MutexLock lock(settle_mu_);
  settle_.Sweep(entry.root.id, rel, lib_.clock().NowUnixNs());
  return {};
}

Status Service::Impl::DropIfUnchanged(const SyncWork& work,
                                      const scan::ScanReport& report) {
  if (work.reason != watch::SyncReason::kWatch ||
      report.status != catalog::OperationStatus::kCompleted ||
      report.op.value == 0) {
    return {};
  }
  // The catalog checks the counts again (and the file errors recorded).
  PHODEX_ASSIGN_OR_RETURN(const bool dropped,
                          lib_.catalog().DropUnchangedOperation(report.op));
  (void)dropped;  // a changed one stays, which is all there is to it
  return {};
}

Status Service::Impl::DoRename(RootEntry& entry, const SyncWork& work,
                               jobs::CancelToken cancel, HeldFolders& held) {
  auto moved = lib_.catalog().RenameFolder(entry.root.id, work.from, work.rel);
  if (moved) return DoTree(entry, work, work.rel, cancel, held);
  // Not renamed in place (the catalog cannot, or something already lies
  // at the new name): one walk over both sides, whose move search keeps
  // the ids of what it finds again.
  return DoTree(entry, work, CommonFolder(DirOf(work.from), DirOf(work.rel)),
                cancel, held);
}

Status Service::Impl::DoReconcile(RootEntry& entry, const SyncWork& work,
                                  jobs::CancelToken cancel,
                                  HeldFolders& held) {
  const int64_t look_ns = lib_.clock().NowUnixNs();
  const scan::ScanOptions options = OptionsFor(entry, work, held);
  entry.reconciling = true;
  Publish();
  scan::ScanProgress progress;
  auto report = scan::ScanRoot(lib_.catalog(), lib_.fs(), lib_.clock(),
                               entry.root, "", options, progress, cancel);
  entry.reconciling = false;
  schedule_.Finished(entry.root.id, MonoNow());
  if (!report) return std::unexpected(report.error());
  if (report->offline) {
    GoOffline(entry, report->error);
    return {};
  }
  if (report->status == catalog::OperationStatus::kCompleted) {
    entry.last_reconcile_ns = lib_.clock().NowUnixNs();
  }
  {
    util::MutexLock lock(settle_mu_);
    settle_.Sweep(entry.root.id, "", look_ns);
  }
  return QueueFileWork(entry, work, "", report->counts);
}

Status Service::Impl::QueueFileWork(const RootEntry& entry,
                                    const SyncWork& work,
                                    const std::string& rel,
                                    const catalog::OperationCounts& counts) {
  const bool changed = counts.added + counts.updated + counts.moved > 0;
  // A scheduled or overflow reconciliation that found nothing new costs
  // its stats only; the others also look for what was never queued.
  const bool backfill =
      work.kind == SyncWork::Kind::kReconcile &&
      work.reason != watch::SyncReason::kScheduled &&
      work.reason != watch::SyncReason::kOverflow;
  if (!changed && !backfill) return {};
  QueueFileJobsRequest req;
  req.scope.root = entry.root.id;
  req.scope.rel_prefix = rel;
  req.priority = work.kind == SyncWork::Kind::kReconcile
                     ? catalog::JobPriority::kReconcile
                     : catalog::JobPriority::kWatch;
  req.metadata = hooks_.metadata_jobs && lib_.config().metadata;
  req.pixels = options_.thumbs && lib_.workers().pixels != nullptr;
  req.thumbs_key = thumbs_key_;
  PHODEX_ASSIGN_OR_RETURN(const QueuedFileJobs queued,
                          QueueFileJobs(lib_.catalog(), lib_.clock(), req));
  if (queued.added > 0 && hooks_.jobs_queued) hooks_.jobs_queued();
  return {};
}

}  // namespace phodex::library
