#include "scan/kind_sniff_stage.h"

#include "util/metrics.h"

namespace phodex::scan {

Status KindSniffStage::Process(const std::string& abs_path,
                               catalog::FileUpsert& upsert) {
  PHODEX_METRIC_RECORD("stage.sniff");
  PHODEX_ASSIGN_OR_RETURN(std::string head,
                          fs_.ReadHead(abs_path, kSniffBytes));
  SniffResult r = SniffKind(os::BaseName(upsert.rel), head);
  upsert.kind = r.actual;
  if (r.verdict == SniffVerdict::kMismatch ||
      r.verdict == SniffVerdict::kOtherMedia) {
    upsert.error = std::move(r.detail);
  }
  return {};
}

}  // namespace phodex::scan
