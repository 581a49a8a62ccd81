#include "jobs/operation_scope.h"

#include <utility>

#include "os/process.h"

namespace phodex::jobs {

Result<OperationScope> OperationScope::Begin(catalog::Catalog& catalog,
                                             os::Clock& clock,
                                             catalog::Operation op) {
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  op.status = catalog::OperationStatus::kRunning;
  PHODEX_ASSIGN_OR_RETURN(const OperationId id, catalog.BeginOperation(op));
  return OperationScope(catalog, clock, id);
}

OperationScope::OperationScope(OperationScope&& other) noexcept
    : catalog_(other.catalog_),
      clock_(other.clock_),
      id_(other.id_),
      finished_(std::exchange(other.finished_, true)) {}

OperationScope::~OperationScope() {
  if (finished_) return;
  // Best effort: a destructor has nobody left to tell. Dropped: the
  // operation then stays "running" in the catalog, which the next command
  // reports as interrupted.
  (void)Finish(catalog::OperationStatus::kFailed, {},
               "ended without a result");
}

Status OperationScope::Finish(catalog::OperationStatus status,
                              const catalog::OperationCounts& counts,
                              const std::string& error) {
  PHODEX_CHECK(!finished_);
  finished_ = true;
  return catalog_->FinishOperation(id_, status, counts, error,
                                   clock_->NowUnixNs());
}

Error OperationScope::Fail(const Error& why,
                           const catalog::OperationCounts& counts) {
  // Dropped: `why` is the error the caller reports; a second failure
  // while recording it (the catalog gone too) would only hide it.
  (void)Finish(catalog::OperationStatus::kFailed, counts, why.ToString());
  return why;
}

}  // namespace phodex::jobs
