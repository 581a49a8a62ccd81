#pragma once
// `phodex scan` as a use case: which roots (or folders of roots) a list
// of paths means (a folder in no root becomes a root), the settings and
// the request turned into scan::ScanOptions, phodex's own files kept out
// of the catalog, the lock policy (one scan of a root at a time), the
// note about an unsettled dupes journal, the per-root loop, and which
// root's outcome decides the whole scan's. The CLI prints through a
// ScanSink as it goes; the coming server turns the same calls into job
// events. Single-threaded (the sink is called on the caller's thread; the
// scan's progress counters are read from other threads).

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/locks.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "library/library.h"
#include "library/roots.h"
#include "scan/pipeline.h"
#include "scan/progress.h"

namespace phodex::library {

// What a scan is asked for beside the settings (lib.config(): [scan] and
// [metadata]). A flag that is set turns its setting on; unset, the
// setting decides.
struct ScanPathsRequest {
  // Roots or folders of roots; empty = every root. A folder that is in no
  // root is added as a root (AddRoot's rules).
  std::vector<std::string> paths;
  // Globs to skip, beside [scan] exclude.
  std::vector<std::string> exclude;
  bool follow_symlinks = false;
  bool cross_filesystems = false;
  bool include_hidden = false;
  bool allow_empty_root = false;
  bool accept_removals = false;
  bool discover_only = false;
  bool full_hash = false;
  bool sha256 = false;
  bool no_metadata = false;
  // Walker threads; -1 = [scan] threads.
  int threads = -1;
  size_t batch_size = 1000;
  // Whether to wait for another process scanning the same root.
  catalog::Locks::Wait wait = catalog::Locks::Wait::kNo;
  // Operations ended on opening the catalog (stranded by a killed
  // process): a root's own are noted with its report.
  std::vector<catalog::Operation> ended_on_open;
  // More work on what was just scanned, still under the root's lock, after
  // a completed scan of it (`scan --thumbs`' pixel stage). kCancelled
  // stops the scan (kInterrupted); any other error makes it kFailed.
  std::function<Status(const RootScope&)> after_root;
};

// Where a scan says what it does, on the caller's thread, in this order
// per root: RootStarting, RootStopped, then RootOffline or RootScanned
// (and RemovalsWithheld). Every method does nothing by default.
class ScanSink {
 public:
  virtual ~ScanSink() = default;
  // A path in no root became a root (before any scan starts).
  virtual void RootAdded(const AddedRoot& /*added*/) {}
  // An interrupted `dupes --apply` left `open` actions unsettled.
  virtual void UnsettledDupesJournal(size_t /*open*/) {}
  // Another process holds the root's lock: it is not scanned.
  virtual void RootBusy(const RootScope& /*target*/, const Error& /*why*/) {}
  // The scan of `target` starts; `progress` is live until RootStopped.
  virtual void RootStarting(const RootScope& /*target*/,
                            const scan::ScanProgress& /*progress*/) {}
  virtual void RootStopped(const RootScope& /*target*/) {}
  // The root is offline (its drive is not mounted?): nothing was walked
  // or marked removed.
  virtual void RootOffline(const RootScope& /*target*/,
                           const scan::ScanReport& /*report*/) {}
  // The scan's report. `interrupted_before`: the root's scans that a
  // killed process left, which this one picked up.
  virtual void RootScanned(
      const RootScope& /*target*/, const scan::ScanReport& /*report*/,
      const scan::ScanProgress& /*progress*/,
      const std::vector<catalog::Operation>& /*interrupted_before*/) {}
  // The walk missed more of the root's files than
  // `max_removed_fraction`: none were marked removed.
  virtual void RemovalsWithheld(const RootScope& /*target*/,
                                const scan::ScanReport& /*report*/,
                                double /*max_removed_fraction*/) {}
};

// How one root's scan ended.
enum class RootScanStatus { kScanned, kBusy, kOffline, kFailed, kInterrupted };

struct RootScanOutcome {
  RootScope target;
  RootScanStatus status = RootScanStatus::kScanned;
  std::optional<scan::ScanReport> report;  // absent when busy
};

// The whole scan's outcome, by precedence: kInterrupted (it stops at
// once); then kFailed (a root failed, its removals were withheld, or
// after_root failed), which outranks kBusy and kOffline (they only wait
// for their turn or their drive); then the first of those; else kOk.
// kNoRoots: there was nothing to scan (no paths and no roots).
enum class ScanStatus { kOk, kBusy, kOffline, kFailed, kInterrupted, kNoRoots };

struct ScanPathsResult {
  ScanStatus status = ScanStatus::kOk;
  std::vector<RootScanOutcome> roots;  // in the order scanned
};

// The scan options of `req` over the settings; `data_dir_real` (the data
// folder resolved, "" if it is missing) adds phodex's own files as
// exclusions.
scan::ScanOptions ScanOptionsFor(const Library& lib,
                                 const ScanPathsRequest& req,
                                 const std::string& data_dir_real);

// Scans what `req.paths` names. An error only when the scan cannot go on
// at all (a path that is not a folder, a root that cannot be added, the
// metadata workers that cannot start, a catalog that cannot record a
// failure); what happens to each root is in the result.
// REQUIRES: scan::ScanRoot's (the caller may hold no lock of the roots).
Result<ScanPathsResult> ScanPaths(Library& lib, const ScanPathsRequest& req,
                                  ScanSink& sink, jobs::CancelToken cancel);

}  // namespace phodex::library
