#include "server/status_events.h"

#include "library/operation_output.h"
#include "library/queries.h"

namespace phodex::server {

void StatusEvents::Poll(library::Library& lib,
                        const std::optional<nlohmann::ordered_json>& service) {
  if (auto ops = library::ListOperations(lib, kOperations)) {
    std::map<int64_t, std::string> seen;
    // Oldest first, so a client sees them in the order they began.
    for (auto it = ops->rbegin(); it != ops->rend(); ++it) {
      const nlohmann::json j = library::OperationToJson(*it);
      std::string text = j.dump();
      auto last = operations_.find(it->id.value);
      if (last == operations_.end() || last->second != text) {
        hub_.Publish("operation", nlohmann::ordered_json(j));
      }
      seen.emplace(it->id.value, std::move(text));
    }
    operations_ = std::move(seen);
  }
  if (auto counts = lib.catalog().CountActiveJobs()) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const catalog::JobCount& c : *counts) {
      rows.push_back({{"kind", c.kind},
                      {"state", std::string(catalog::JobStateName(c.state))},
                      {"count", c.count}});
    }
    std::string text = rows.dump();
    if (queue_ != text) {
      hub_.Publish("queue", rows);
      queue_ = std::move(text);
    }
  }
  if (service && service->contains("roots")) {
    const nlohmann::ordered_json& roots = (*service)["roots"];
    std::string text = roots.dump();
    if (watch_ != text) {
      hub_.Publish("watch", roots);
      watch_ = std::move(text);
    }
  }
}

}  // namespace phodex::server
