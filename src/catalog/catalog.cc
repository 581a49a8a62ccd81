#include "catalog/catalog.h"

namespace phodex::catalog {

const char* OperationStatusName(OperationStatus s) {
  switch (s) {
    case OperationStatus::kRunning: return "running";
    case OperationStatus::kCompleted: return "completed";
    case OperationStatus::kFailed: return "failed";
    case OperationStatus::kInterrupted: return "interrupted";
  }
  return "running";
}

}  // namespace phodex::catalog
