#pragma once
// The events `phodex serve` publishes of itself (docs/api.md, "Live
// events"), found by looking every few seconds rather than by hooks in the
// engine: what changed since the last look is published, nothing else.
//   "operation"  an operation began, progressed or ended (scans,
//                reconciliations, thumbs, dupes, ratings): the JSON of
//                `phodex ops --json`
//   "queue"      the queue's waiting and running jobs per kind changed:
//                [{"kind", "state", "count"}]
//   "watch"      how the roots are watched changed (inotify, polling,
//                offline): the service's "roots" of `status --json`
// Thread-compatible: one thread polls.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "server/event_hub.h"

namespace phodex::library {
class Library;
}

namespace phodex::server {

class StatusEvents {
 public:
  explicit StatusEvents(EventHub& hub) : hub_(hub) {}

  // Looks at the newest operations and the queue through `lib`, and at the
  // running service's status JSON (library::ServiceStatusToJson), and
  // publishes what changed. Errors of the catalog are skipped (the next
  // poll tries again).
  void Poll(library::Library& lib,
            const std::optional<nlohmann::ordered_json>& service);

  // How many operations a poll looks at (the newest).
  static constexpr int64_t kOperations = 20;

 private:
  EventHub& hub_;
  std::map<int64_t, std::string> operations_;  // id -> last published
  std::optional<std::string> queue_;
  std::optional<std::string> watch_;
};

}  // namespace phodex::server
