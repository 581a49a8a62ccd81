#include "scan/batch_writer.h"

#include <nlohmann/json.hpp>

#include "util/metrics.h"

namespace phodex::scan {

BatchWriter::BatchWriter(catalog::Catalog& catalog,
                         const catalog::ScanBatch& header,
                         BatchWriterOptions options, ScanProgress& progress,
                         os::Clock& clock)
    : options_(options), progress_(progress), clock_(clock), catalog_(catalog) {
  batch_.root = header.root;
  batch_.op = header.op;
  batch_.scan_gen = header.scan_gen;
  batch_.removals_last_seen_ns = header.removals_last_seen_ns;
}

size_t BatchWriter::PendingRows() const {
  return batch_.upserts.size() + batch_.links.size() + batch_.removals.size() +
         batch_.errors.size();
}

Status BatchWriter::Add(DirChanges&& c) {
  if (oldest_pending_ns_ < 0) oldest_pending_ns_ = clock_.MonotonicNs();
  pending_.scanned += c.unchanged + static_cast<int64_t>(c.changes.size());
  for (FileChange& ch : c.changes) {
    (ch.is_new ? pending_.added : pending_.updated)++;
    batch_.upserts.push_back(std::move(ch.upsert));
  }
  for (catalog::SidecarLink& l : c.links) batch_.links.push_back(std::move(l));
  pending_.errors += static_cast<int64_t>(c.errors.size());
  for (catalog::FileErrorEntry& e : c.errors) {
    batch_.errors.push_back(std::move(e));
  }
  ++pending_dirs_;
  if (PendingRows() >= options_.max_rows) return Flush();
  return MaybeFlush();
}

Status BatchWriter::AddRemovals(const std::vector<FileId>& ids) {
  for (FileId id : ids) {
    if (oldest_pending_ns_ < 0) oldest_pending_ns_ = clock_.MonotonicNs();
    batch_.removals.push_back(id);
    ++pending_.removed;
    if (PendingRows() >= options_.max_rows) PHODEX_TRY(Flush());
  }
  return {};
}

Status BatchWriter::MaybeFlush() {
  if (oldest_pending_ns_ < 0) return {};
  const auto age = std::chrono::nanoseconds(clock_.MonotonicNs() -
                                            oldest_pending_ns_);
  if (age >= options_.max_delay) return Flush();
  return {};
}

Status BatchWriter::Flush() {
  if (oldest_pending_ns_ < 0) return {};
  PHODEX_METRIC_RECORD("writer.commit");
  catalog::OperationCounts total = committed_;
  total.scanned += pending_.scanned;
  total.added += pending_.added;
  total.updated += pending_.updated;
  total.removed += pending_.removed;
  total.errors += pending_.errors;
  batch_.counts = total;
  batch_.now_ns = clock_.NowUnixNs();
  batch_.checkpoint = nlohmann::json{
      {"scan_gen", batch_.scan_gen},
      {"dirs_committed", committed_dirs_ + pending_dirs_},
      {"files_committed", total.scanned},
  }.dump();
  PHODEX_TRY(catalog_.ApplyBatch(batch_));
  progress_.added.fetch_add(pending_.added, std::memory_order_relaxed);
  progress_.updated.fetch_add(pending_.updated, std::memory_order_relaxed);
  progress_.removed.fetch_add(pending_.removed, std::memory_order_relaxed);
  committed_ = total;
  committed_dirs_ += pending_dirs_;
  pending_ = {};
  pending_dirs_ = 0;
  batch_.upserts.clear();
  batch_.links.clear();
  batch_.removals.clear();
  batch_.errors.clear();
  oldest_pending_ns_ = -1;
  return {};
}

}  // namespace phodex::scan
