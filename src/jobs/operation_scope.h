#pragma once
// An operation (a scan, a verify, a rate, a dupes apply, ...: the rows of
// `phodex ops`) that always ends. Begin() records it "running" with this
// process's pid and host; Finish() records how it ended and returns the
// catalog's answer, which the caller must look at ([[nodiscard]]). A scope
// destroyed without Finish() (an early return, a bug) ends its operation
// "failed" with "ended without a result", so no operation of a live
// process is ever left running; one left by a killed process is ended by
// the next command (Catalog::InterruptOrphanedOperations).
//
// Thread-compatible: one thread begins, counts and finishes.

#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/error.h"
#include "os/clock.h"

namespace phodex::jobs {

class OperationScope {
 public:
  // Records `op` (type, root, scope; started_ns, pid and host are filled
  // in here) as running.
  [[nodiscard]] static Result<OperationScope> Begin(catalog::Catalog& catalog,
                                                    os::Clock& clock,
                                                    catalog::Operation op);

  OperationScope(OperationScope&& other) noexcept;
  OperationScope& operator=(OperationScope&&) = delete;
  OperationScope(const OperationScope&) = delete;
  OperationScope& operator=(const OperationScope&) = delete;
  // Ends an unfinished operation "failed" (best effort: the catalog may be
  // what failed).
  ~OperationScope();

  OperationId id() const { return id_; }
  bool finished() const { return finished_; }

  // Records the end. Once only (REQUIRES: !finished()); the scope is
  // finished even when the catalog refuses the write, which is returned.
  [[nodiscard]] Status Finish(catalog::OperationStatus status,
                              const catalog::OperationCounts& counts,
                              const std::string& error = {});
  // Ends the operation "failed" with `why` and returns `why` (or, if even
  // that could not be recorded, still `why`: the first error is the one
  // the user must see), for `return std::unexpected(scope.Fail(e));`.
  [[nodiscard]] Error Fail(const Error& why,
                           const catalog::OperationCounts& counts = {});

 private:
  OperationScope(catalog::Catalog& catalog, os::Clock& clock, OperationId id)
      : catalog_(&catalog), clock_(&clock), id_(id) {}

  catalog::Catalog* catalog_;
  os::Clock* clock_;
  OperationId id_;
  bool finished_ = false;
};

}  // namespace phodex::jobs
