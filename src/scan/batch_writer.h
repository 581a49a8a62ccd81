#pragma once
// Groups the scan's writes into transactions of about `max_rows` rows or
// `max_delay` of age, whichever comes first: prepared statements, one
// commit per batch, never one per file. Each batch also writes the
// operation's counts and checkpoint, so what a crash leaves behind always
// agrees with itself.
//
// Single-threaded: owned and driven by the pipeline's writer thread.

#include <chrono>
#include <cstdint>
#include <vector>

#include "catalog/catalog.h"
#include "os/clock.h"
#include "scan/change_detector.h"
#include "scan/progress.h"

namespace phodex::scan {

struct BatchWriterOptions {
  // Rows per transaction. Larger batches amortise the commit (an fsync of
  // the WAL at checkpoints only, with synchronous=NORMAL); smaller ones
  // lose less work to a crash and hold the write lock for less time.
  size_t max_rows = 1000;
  // A batch older than this is committed even if small, so progress shows
  // in the catalog and a kill loses at most this much work.
  std::chrono::milliseconds max_delay{250};
};

class BatchWriter {
 public:
  // `header` carries root, op and scan_gen for every batch.
  BatchWriter(catalog::Catalog& catalog, const catalog::ScanBatch& header,
              BatchWriterOptions options, ScanProgress& progress,
              os::Clock& clock);

  // Queues one folder's changes; commits when the batch is full or old.
  Status Add(DirChanges&& changes);
  Status AddRemovals(const std::vector<FileId>& ids);
  // Commits if the pending batch is older than max_delay.
  Status MaybeFlush();
  // Commits whatever is pending.
  Status Flush();

  // Totals of what has been committed.
  const catalog::OperationCounts& committed() const { return committed_; }

 private:
  size_t PendingRows() const;
  catalog::ScanBatch batch_;
  const BatchWriterOptions options_;
  ScanProgress& progress_;
  os::Clock& clock_;
  catalog::Catalog& catalog_;
  catalog::OperationCounts committed_;
  catalog::OperationCounts pending_;
  int64_t committed_dirs_ = 0;
  int64_t pending_dirs_ = 0;
  int64_t oldest_pending_ns_ = -1;  // monotonic; -1 when nothing pending
};

}  // namespace phodex::scan
