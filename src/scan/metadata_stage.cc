#include "scan/metadata_stage.h"

#include "util/metrics.h"

namespace phodex::scan {

Status MetadataStage::Process(const std::string& abs_path,
                              catalog::FileUpsert& upsert) {
  if (upsert.kind == MediaKind::kOther) return {};
  PHODEX_METRIC_RECORD("stage.metadata");
  PHODEX_ASSIGN_OR_RETURN(upsert.metadata,
                          reader_.Read(abs_path, upsert.kind));
  return {};
}

}  // namespace phodex::scan
