#pragma once
// What a scan is asked to do (ScanOptions) and what it reports
// (ScanReport): shared by ScanRoot (scan/pipeline.h) and the scan session
// (scan/scan_session.h) it runs on. Plain structs.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/root_identity.h"
#include "media/extractor_pool.h"
#include "os/file_system.h"
#include "scan/batch_writer.h"
#include "scan/content_stage.h"
#include "scan/filter.h"
#include "scan/walker.h"

namespace phodex::scan {

struct ScanOptions {
  FilterOptions filter;
  os::Follow follow_symlinks = os::Follow::kNo;
  WalkOptions::FileSystems file_systems = WalkOptions::FileSystems::kOne;
  // Walker threads. Listing and stat'ing wait on the disk more than the
  // CPU, so more threads than cores pays off on network shares and
  // spinning disks; 0 = 2 x cores. At most kMaxThreads (clamped).
  int threads = 0;
  BatchWriterOptions batch;
  // Only discover files (stat, no read): the catalog is usable sooner;
  // the content stages (kind check, quick hash; metadata later) run on
  // the next full scan. Moves are followed once quick hashes are known.
  bool discover_only = false;
  ContentOptions content;
  // Where metadata comes from (normally the isolated worker pool,
  // media/extractor_pool.h). Null: no metadata stage.
  media::MetadataReader* metadata = nullptr;
  // A root whose folder is empty while the catalog holds files there is
  // most likely an unmounted drive: the scan refuses to mark everything
  // removed unless this is set.
  bool allow_empty_root = false;
  // The removal limit, a net behind the root's identity (as rsync's
  // --max-delete): a complete walk that would mark more than this fraction
  // of the root's present files removed marks none (the scan fails and
  // says why; what it found otherwise is committed) unless
  // `accept_removals`. Files found again under another name in the
  // scanned folder (same inode, size, mtime) are renames and do not count.
  // 0 < fraction <= 1; 1 never trips.
  double max_removed_fraction = 0.5;
  bool accept_removals = false;
  // The operation's type, as `phodex ops` shows it: "scan", or what
  // `phodex serve` does ("startup", "overflow", ...; watch/sync_work.h).
  std::string operation_type = "scan";
  // Files still being written (`phodex serve`'s settle,
  // watch/settle_tracker.h): asked about each new or changed file (`rel`
  // from the root, as listed now); true leaves it as the catalog has it
  // this time: a new one is not added, a known one neither updated nor
  // marked removed. Called from the walk's threads: thread-safe. Null:
  // nothing is held.
  std::function<bool(std::string_view rel, const FileStat& stat)> hold;
};

struct ScanReport {
  OperationId op;
  catalog::OperationStatus status = catalog::OperationStatus::kRunning;
  catalog::OperationCounts counts;
  std::string error;  // why the scan stopped (failed)
  double seconds = 0;
  // Operations of this root left "running" by a process that died.
  std::vector<catalog::Operation> interrupted_before;
  // The first errors, for the summary (all are in the catalog).
  std::vector<catalog::FileErrorEntry> first_errors;
  // The root's identity was missing or different, or its folder missing
  // (scan/root_identity.h), before the walk or after it (the drive went
  // while it was walked: what was found is kept): nothing was marked
  // removed. Status kFailed; `error` says why.
  bool offline = false;
  // Files the walk did not find that were not marked removed because they
  // exceeded the removal limit (ScanOptions::max_removed_fraction), and
  // the root's present files they were measured against. Status kFailed.
  int64_t removals_withheld = 0;
  int64_t root_present = 0;
  // The root's identity was recorded or completed by this scan (a root
  // added before schema v7, a marker written at last).
  std::optional<RootIdentity> identity_recorded;
};

}  // namespace phodex::scan
