#pragma once
// The use case of `phodex verify` (and later the API's fixity check): reads
// cataloged files again and compares their bytes with the hashes the
// catalog holds (scan/verifier.h), as one "verify" operation. A file
// without a full hash gets one (a new baseline). Thread-compatible: one
// thread calls, with one Library; the hashing runs on its own threads.

#include <string>
#include <vector>

#include "core/error.h"
#include "jobs/cancel_token.h"
#include "library/library.h"
#include "scan/verifier.h"

namespace phodex::library {

struct VerifyRequest {
  // Roots, folders or files as typed; empty: the whole catalog.
  std::vector<std::string> paths;
  bool sha256 = false;  // compute (and check, where stored) SHA-256 too
  int threads = 0;      // hashing threads; 0: one per core
};

struct VerifyResult {
  OperationId op;
  // The totals over every path, with every file that is not fine.
  scan::VerifyReport report;
  double seconds = 0;  // from the start of the run to its end
};

// Verifies `request.paths` in order; once `cancel` is set no new file is
// started (report.interrupted). The operation ends completed ("damaged
// files found" when there are) or interrupted; it counts scanned =
// unchanged + new baselines + damaged, updated = new baselines, errors =
// damaged + missing + unreadable. Errors: a path in no root (kNotFound,
// before the operation begins), the catalog's (the operation ends
// failed).
Result<VerifyResult> VerifyFiles(Library& lib, const VerifyRequest& request,
                                 const jobs::CancelToken& cancel);

}  // namespace phodex::library
