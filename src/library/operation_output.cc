#include "library/operation_output.h"

#include <algorithm>

#include "util/text.h"
#include "util/time_format.h"

namespace phodex::library {

nlohmann::json OperationToJson(const catalog::Operation& op) {
  nlohmann::json j = {
      {"id", op.id.value},
      {"type", op.type},
      {"root", op.root_name.empty() ? nlohmann::json(nullptr)
                                    : nlohmann::json(op.root_name)},
      {"scope", util::EscapeBytes(op.scope)},
      {"status", catalog::OperationStatusName(op.status)},
      {"started", util::Rfc3339Utc(op.started_ns)},
      {"ended", op.ended_ns ? nlohmann::json(util::Rfc3339Utc(*op.ended_ns))
                            : nlohmann::json(nullptr)},
      {"duration_s",
       op.ended_ns ? nlohmann::json((*op.ended_ns - op.started_ns) / 1e9)
                   : nlohmann::json(nullptr)},
      {"scanned", op.counts.scanned},
      {"added", op.counts.added},
      {"updated", op.counts.updated},
      {"removed", op.counts.removed},
      {"errors", op.counts.errors},
      {"moved", op.counts.moved},
      {"error", op.error.empty() ? nlohmann::json(nullptr)
                                 : nlohmann::json(op.error)},
      {"pid", op.pid},
      {"host", op.host},
  };
  if (!op.checkpoint.empty()) {
    j["checkpoint"] = nlohmann::json::parse(op.checkpoint, nullptr, false);
  }
  return j;
}

int OperationTypeWidth(const std::vector<catalog::Operation>& ops) {
  size_t width = 6;
  for (const catalog::Operation& op : ops) {
    width = std::max(width, op.type.size());
  }
  return static_cast<int>(width);
}

nlohmann::json FileErrorToJson(const catalog::FileErrorRow& r) {
  return nlohmann::json{{"operation", r.op.value},
                        {"path", util::EscapeBytes(r.path)},
                        {"op", r.op_name},
                        {"reason", r.reason},
                        {"at", util::Rfc3339Utc(r.at_ns)}};
}

}  // namespace phodex::library
