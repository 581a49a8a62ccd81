#pragma once
// The API's shared state in one process (`phodex serve`): what every
// handler may reach besides its own Library. Built by app/ with the hooks
// into the running service; the routes only call these.
// Thread-safe.

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth.h"
#include "library/catalog_figures.h"
#include "library/folders.h"
#include "server/dupes_state.h"
#include "server/event_hub.h"
#include "server/metrics.h"
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
  // How long a route that queued interactive jobs (ratings) waits for them
  // before it answers 202 with Retry-After; tests shorten it.
  std::chrono::milliseconds interactive_wait{10000};
};

class Api {
 public:
  explicit Api(ApiHooks hooks) : hooks_(std::move(hooks)) {}

  EventHub& events() { return events_; }
  Auth& auth() { return auth_; }
  // What /metrics counts as requests are answered (server/metrics.h).
  Metrics& metrics() { return metrics_; }
  // The catalog-wide figures of /status, /jobs and /metrics, read at most
  // every few seconds (library/catalog_figures.h).
  library::FiguresCache& figures() { return figures_; }
  // The folder trees every request thread shares (library/folders.h).
  library::FolderCache& folders() { return folders_; }
  DupesState& dupes() { return dupes_; }
  const ApiHooks& hooks() const { return hooks_; }
  void JobsQueued() const {
    if (hooks_.jobs_queued) hooks_.jobs_queued();
  }

 private:
  const ApiHooks hooks_;
  EventHub events_;
  Auth auth_;
  Metrics metrics_;
  library::FiguresCache figures_;
  library::FolderCache folders_;
  DupesState dupes_;
};

// Registers every route of /api/v1, one Add...Routes per resource file
// (server/routes.h).
void AddApiRoutes(Router& router);

// Steady seconds, the clock of sessions (Auth).
int64_t SteadyNowSeconds();

// docs/openapi.json, as this binary serves it.
std::string_view OpenApiDocument();

}  // namespace phodex::server
