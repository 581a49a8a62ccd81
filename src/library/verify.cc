#include "library/verify.h"

#include "jobs/operation_scope.h"
#include "library/path_scope.h"

namespace phodex::library {

Result<VerifyResult> VerifyFiles(Library& lib, const VerifyRequest& request,
                                 const jobs::CancelToken& cancel) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::FileQuery> queries,
      ScopesOfPaths(lib.fs(), lib.catalog(), request.paths));
  os::Clock& clock = lib.clock();
  const int64_t start = clock.MonotonicNs();
  catalog::Operation op;
  op.type = "verify";
  op.scope = request.paths.empty() ? "" : request.paths.front();
  PHODEX_ASSIGN_OR_RETURN(jobs::OperationScope scope,
                          jobs::OperationScope::Begin(lib.catalog(), clock, op));
  VerifyResult result;
  result.op = scope.id();
  scan::VerifyReport& total = result.report;
  const scan::VerifyOptions options{request.sha256, request.threads};
  for (const catalog::FileQuery& q : queries) {
    auto r = scan::Verify(lib.catalog(), lib.fs(), q, options, cancel.flag());
    if (!r) return std::unexpected(scope.Fail(r.error()));
    total += std::move(*r);
  }
  result.seconds = static_cast<double>(clock.MonotonicNs() - start) / 1e9;
  catalog::OperationCounts counts;
  counts.scanned = total.checked + total.baselined + total.damaged;
  counts.updated = total.baselined;
  counts.errors = total.damaged + total.missing + total.errors;
  PHODEX_TRY(scope.Finish(total.interrupted
                              ? catalog::OperationStatus::kInterrupted
                              : catalog::OperationStatus::kCompleted,
                          counts, total.damaged ? "damaged files found" : ""));
  return result;
}

}  // namespace phodex::library
