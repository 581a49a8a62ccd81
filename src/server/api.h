#pragma once
// The API's shared state in one process (`phodex serve`): what every
// handler may reach besides its own Library. Built by app/ with the hooks
// into the running service; the routes only call these.
// Thread-safe.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/dupes_state.h"
#include "server/event_hub.h"
#include "server/router.h"

namespace phodex::server {

struct ApiHooks {
  // "phodex 0.9.0 (abc1234)", for /api/v1/health.
  std::string version;
  // Wakes the job runner after a route queued jobs (serve's FileJobs).
  std::function<void()> jobs_queued;
  // The running service's own view (library::ServiceStatusToJson of its
  // Snapshot, the watcher and the queue): null when none runs (tests).
  std::function<std::optional<nlohmann::ordered_json>()> service_status;
  // Asks the service to reconcile a root now (Service::RequestReconcile);
  // false when no service runs.
  std::function<bool(int64_t root_id)> reconcile_root;
};

class Api {
 public:
  explicit Api(ApiHooks hooks) : hooks_(std::move(hooks)) {}

  EventHub& events() { return events_; }
  DupesState& dupes() { return dupes_; }
  const ApiHooks& hooks() const { return hooks_; }
  void JobsQueued() const {
    if (hooks_.jobs_queued) hooks_.jobs_queued();
  }

 private:
  const ApiHooks hooks_;
  EventHub events_;
  DupesState dupes_;
};

// Registers every route of /api/v1, one Add...Routes per resource file
// (server/routes.h).
void AddApiRoutes(Router& router);

// docs/openapi.json, as this binary serves it.
std::string_view OpenApiDocument();

}  // namespace phodex::server
