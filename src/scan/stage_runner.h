#pragma once
// Runs the content stages (scan/stage.h) on the new and changed files of
// one folder, in parallel: a folder of 1,000 photos (a camera card) keeps
// every metadata worker busy. Shared by the whole-root walk and the scan
// session's Apply (scan/scan_session.h); the stages themselves are chosen
// in one place, scan/pipeline.h (ScanStages).
//
// Thread-safety: FirstErrors and StageRunner are thread-safe; Run() may be
// called from several threads at once (the walk's), each with its own
// folder.

#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "scan/change_detector.h"
#include "scan/progress.h"
#include "scan/stage.h"
#include "util/mutex.h"

namespace phodex::scan {

// The stages a scan runs, in order, and what the change detector must ask
// of known files for them (borrowed: the owner, e.g. ScanStages, outlives
// every user).
struct StageSet {
  std::span<Stage* const> stages;
  DetectorWants wants;
};

// The first errors of a scan, for its summary (all of them go to the
// catalog with the batches). Thread-safe.
class FirstErrors {
 public:
  static constexpr size_t kMax = 20;

  // The catalog's record of `error` at `abs`, kept if among the first kMax.
  catalog::FileErrorEntry Record(const Error& error, std::string abs)
      EXCLUDES(mu_);
  // Keeps `e` if there is room (errors found after the walk: moves).
  void Add(catalog::FileErrorEntry e) EXCLUDES(mu_);
  std::vector<catalog::FileErrorEntry> Get() const EXCLUDES(mu_);

 private:
  mutable util::Mutex mu_;
  std::vector<catalog::FileErrorEntry> first_ GUARDED_BY(mu_);
};

class StageRunner {
 public:
  // All borrowed; `root_abs` is the root's absolute path.
  StageRunner(std::string root_abs, StageSet stages, ScanProgress& progress,
              FirstErrors& errors, jobs::CancelToken cancel)
      : root_abs_(std::move(root_abs)),
        stages_(stages),
        progress_(progress),
        errors_(errors),
        cancel_(cancel) {}

  bool empty() const { return stages_.stages.empty(); }

  // Passes every file of `changes` through the stages. A file that
  // vanished meanwhile, or that the cancel token stopped before or during
  // its stages, is dropped from `changes.changes` (the next scan finds it
  // again), so a cancel stops within a file per thread. Errors go to
  // `changes.errors` (and the first ones to FirstErrors); a file whose
  // stage failed for a reason other than its content (permissions, I/O)
  // keeps content_version 0, so the next scan tries it again.
  void Run(DirChanges& changes);

 private:
  // True when the file must not be written (vanished, cancelled).
  bool RunOn(FileChange& c, std::vector<catalog::FileErrorEntry>& errors);

  const std::string root_abs_;
  const StageSet stages_;
  ScanProgress& progress_;
  FirstErrors& errors_;
  const jobs::CancelToken cancel_;
};

}  // namespace phodex::scan
