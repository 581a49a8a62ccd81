#include "app/exit_status.h"

namespace phodex::app {

int ExitStatusFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kBusy:
      return kExitBusy;
    case ErrorCode::kCorrupt:
      return kExitCorrupt;
    case ErrorCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitError;
  }
}

}  // namespace phodex::app
