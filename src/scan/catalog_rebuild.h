#pragma once
// Phase 1 of `phodex catalog rebuild` (docs/catalog.md, "Rebuild"): a new
// catalog from what the old one can still tell, then a rescan of every
// root into it. The caller creates the new catalog beside the old one and,
// after this, swaps it in (app/catalog_swap.h).
//
// What is carried over is what only the catalog knows: file ids, first
// seen times, hashes, metadata, pixel facts, the operation history. The
// rescan then makes the new catalog agree with the disks, exactly as a
// scan would after the last good state: unchanged files keep everything,
// changed files keep their id and are read again, files that are gone are
// marked removed, files on damaged pages come back as new files. Ratings
// and labels written by phodex are in the sidecars, which the rescan reads.
//
// Thread-compatible; the scans run their own threads.

#include <atomic>
#include <functional>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "scan/pipeline.h"
#include "scan/progress.h"

namespace phodex::scan {

struct RebuildOptions {
  ScanOptions scan;
  // Called with the roots carried over, before any is scanned: the caller
  // takes their scan locks (ScanRoot's precondition). An error stops the
  // rebuild.
  std::function<Status(const std::vector<catalog::Root>&)> lock_roots;
  // Around each root's scan, for progress and its report.
  std::function<void(const catalog::Root&, ScanProgress&)> on_scan_start;
  std::function<void(const catalog::Root&, const ScanReport&,
                     const ScanProgress&)>
      on_scan_end;
};

struct RebuildReport {
  catalog::SalvageReport salvage;
  std::vector<catalog::Root> roots;  // carried over, in id order
  // Roots whose scan did not complete (a missing or empty folder): their
  // files are as the old catalog held them.
  std::vector<catalog::Root> not_scanned;
  catalog::OperationStatus status = catalog::OperationStatus::kCompleted;
};

// Copies what `old` can still read into `fresh` (a new, empty catalog),
// then scans every root into `fresh`, recording the whole as a "rebuild"
// operation there. `old` is only read. Interruption (`cancel`): the
// report's status is kInterrupted and `fresh` is not to be swapped in.
// Errors: `fresh` cannot be written, no root could be read from `old`
// (kCorrupt: there is nothing to rescan), `lock_roots` failed.
Result<RebuildReport> RebuildCatalog(catalog::Catalog& old,
                                     catalog::Catalog& fresh,
                                     os::FileSystem& fs, os::Clock& clock,
                                     const RebuildOptions& options,
                                     const std::atomic<bool>* cancel);

}  // namespace phodex::scan
