#include "scan/catalog_rebuild.h"

#include <string>

#include "os/process.h"

namespace phodex::scan {
namespace {

void Add(catalog::OperationCounts& total, const catalog::OperationCounts& c) {
  total.scanned += c.scanned;
  total.added += c.added;
  total.updated += c.updated;
  total.removed += c.removed;
  total.errors += c.errors;
  total.moved += c.moved;
}

// "12 rows of files, 3 of metadata could not be read", or "".
std::string LostSummary(const catalog::SalvageReport& salvage) {
  std::string out;
  for (const catalog::SalvagedTable& t : salvage.tables) {
    if (t.lost == 0 && t.complete) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(t.lost) + (out.empty() ? " rows of " : " of ") +
           t.table + (t.complete ? "" : " (and its unreadable end)");
  }
  return out.empty() ? out : out + " could not be read from the old catalog";
}

bool RootsUnreadable(const catalog::SalvageReport& salvage) {
  for (const catalog::SalvagedTable& t : salvage.tables) {
    if (t.table == "roots") return !t.complete || t.lost > 0;
  }
  return true;
}

}  // namespace

Result<RebuildReport> RebuildCatalog(catalog::Catalog& old,
                                     catalog::Catalog& fresh,
                                     os::FileSystem& fs, os::Clock& clock,
                                     const RebuildOptions& options,
                                     const std::atomic<bool>* cancel) {
  RebuildReport report;
  PHODEX_ASSIGN_OR_RETURN(report.salvage, old.CopyReadableRowsTo(fresh));
  PHODEX_ASSIGN_OR_RETURN(report.roots, fresh.ListRoots());
  if (report.roots.empty() && RootsUnreadable(report.salvage)) {
    return MakeError(ErrorCode::kCorrupt,
                     "not even the roots can be read from the old catalog, "
                     "so there is nothing to rescan; start a new catalog "
                     "with `phodex root add`",
                     "rebuild catalog");
  }
  if (options.lock_roots) PHODEX_TRY(options.lock_roots(report.roots));

  catalog::Operation op;
  op.type = "rebuild";
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  PHODEX_ASSIGN_OR_RETURN(const OperationId op_id, fresh.BeginOperation(op));
  catalog::OperationCounts total;
  for (const catalog::Root& root : report.roots) {
    if (cancel != nullptr && cancel->load()) {
      report.status = catalog::OperationStatus::kInterrupted;
      break;
    }
    ScanProgress progress;
    if (options.on_scan_start) options.on_scan_start(root, progress);
    auto scanned =
        ScanRoot(fresh, fs, clock, root, "", options.scan, progress,
                 cancel != nullptr ? jobs::CancelToken(*cancel)
                                   : jobs::CancelToken());
    if (!scanned) {
      // Dropped: the scan's error is the one reported; failing to record
      // the failure too (the fresh catalog gone) would only hide it.
      (void)fresh.FinishOperation(op_id, catalog::OperationStatus::kFailed,
                                  total, scanned.error().ToString(),
                                  clock.NowUnixNs());
      return std::unexpected(scanned.error());
    }
    if (options.on_scan_end) options.on_scan_end(root, *scanned, progress);
    Add(total, scanned->counts);
    if (scanned->status == catalog::OperationStatus::kInterrupted) {
      report.status = catalog::OperationStatus::kInterrupted;
      break;
    }
    if (scanned->status != catalog::OperationStatus::kCompleted) {
      report.not_scanned.push_back(root);
    }
  }
  PHODEX_TRY(fresh.FinishOperation(op_id, report.status, total,
                                   LostSummary(report.salvage),
                                   clock.NowUnixNs()));
  return report;
}

}  // namespace phodex::scan
