#pragma once
// The one retry policy of the scan, the pixel pass and rating: when a
// per-file step fails, is the file done (its error recorded until its
// content changes) or due again at the next scan?
//
// - Content faults (kContentFault: corrupt, truncated, not what its name
//   says; kUnsupported: a format no decoder reads) are facts about the
//   bytes: reading them again would repeat the failure. The file is
//   recorded as processed, with its error, and not read again until it
//   changes (or phodex's content version moves on).
// - Everything else is a passing failure: out of memory, a worker that
//   would not start or crashed (kInternal), a busy machine's timeout
//   (kTimedOut), permissions, I/O, a malformed worker reply (kCorrupt).
//   The error is recorded for the operation, but the file stays due: the
//   next scan tries it again even if it is unchanged.
//
// kCancelled and kNotFound (interrupted, vanished) are handled before the
// policy is asked: nothing is recorded for the file at all.
//
// docs/architecture.md, "Error model", describes the same rule.

#include "core/error.h"

namespace phodex::scan {

// True when a file whose step failed with `error` counts as done.
// Thread-safe (a pure function).
inline bool RecordAsDone(const Error& error) {
  return error.code() == ErrorCode::kContentFault ||
         error.code() == ErrorCode::kUnsupported;
}

}  // namespace phodex::scan
