#pragma once
// The scan of one root (or a folder of it), joined in one place:
//   walker -> change detector -> stages -> batch writer -> catalog.
// ScanRoot is a walk fed into a scan session (scan/scan_session.h), which
// detects, runs the stages, writes and follows moves; what the session
// applies folder by folder for a watcher, the walk applies to a whole
// tree. See docs/architecture.md for the data flow and the guarantees:
// unchanged files cost one stat; every commit leaves a consistent
// catalog; removals are marked only after a complete walk on a drive
// that is still the root's when the walk ends.
//
// ScanRoot is thread-compatible; it runs its own threads internally.
// ScanStages is thread-compatible to build; its stages are thread-safe.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "jobs/cancel_token.h"
#include "media/extractor_pool.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "scan/batch_writer.h"
#include "scan/content_stage.h"
#include "scan/filter.h"
#include "scan/metadata_stage.h"
#include "scan/progress.h"
#include "scan/scan_options.h"
#include "scan/stage.h"
#include "scan/stage_runner.h"
#include "scan/walker.h"

namespace phodex::scan {

// The content stages a scan with `options` runs, in order (the content
// stage, then metadata when a reader is given; none for discover_only),
// and what change detection must ask of known files for them. Whatever
// applies changes (ScanRoot, the watcher's session) builds its stages
// here. Not copyable: set() points into it.
class ScanStages {
 public:
  // `fs` and options.metadata outlive this.
  ScanStages(os::FileSystem& fs, const ScanOptions& options);
  ScanStages(const ScanStages&) = delete;
  ScanStages& operator=(const ScanStages&) = delete;

  StageSet set() const { return StageSet{list_, wants_}; }

 private:
  ContentStage content_;
  std::optional<MetadataStage> metadata_;
  std::vector<Stage*> list_;
  DetectorWants wants_;
};

// Scans `scope` ("" = whole root) of `root`, as the catalog held it when
// the scan started. The caller holds the root's scan lock. Interruption:
// once `cancel` is set the walk winds down, what was found is committed
// and the operation ends "interrupted".
// Returns an error only when even the failure could not be recorded (the
// catalog is unwritable); a failed scan is a report with status kFailed.
Result<ScanReport> ScanRoot(catalog::Catalog& catalog, os::FileSystem& fs,
                            os::Clock& clock, const catalog::Root& root,
                            const std::string& scope,
                            const ScanOptions& options,
                            ScanProgress& progress, jobs::CancelToken cancel);

}  // namespace phodex::scan
