#pragma once
// Live counters of a running scan, written by the pipeline's threads and
// read by whoever shows progress (app/progress_printer). All fields are
// atomics; thread-safe.

#include <atomic>
#include <cstdint>

namespace phodex::scan {

struct ScanProgress {
  std::atomic<int64_t> dirs{0};          // folders listed
  std::atomic<int64_t> files{0};         // cataloged files seen (any state)
  std::atomic<int64_t> bytes{0};         // their sizes
  std::atomic<int64_t> other_files{0};   // files of no cataloged kind
  std::atomic<int64_t> excluded{0};      // entries skipped by exclusions
  std::atomic<int64_t> skipped_links{0}; // symlinks not followed
  std::atomic<int64_t> skipped_mounts{0};// folders on other file systems
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> added{0};         // committed to the catalog
  std::atomic<int64_t> updated{0};
  std::atomic<int64_t> removed{0};
  // Files the catalog held under the scanned folders when the scan
  // started; -1 until known. Drives the ETA.
  std::atomic<int64_t> expected_files{-1};
  // Set by the pipeline to say it is marking removed files, etc.
  std::atomic<int> phase{0};  // 0 loading, 1 walking, 2 finishing, 3 done
};

}  // namespace phodex::scan
