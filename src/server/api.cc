#include "server/api.h"

#include <chrono>

#include "server/routes.h"

namespace phodex::server {

void AddApiRoutes(Router& router) {
  AddMetaRoutes(router);
  AddAuthRoutes(router);
  AddFileRoutes(router);
  AddEventRoutes(router);
  AddSearchRoutes(router);
  AddStatusRoutes(router);
  AddOperationRoutes(router);
  AddJobRoutes(router);
  AddMetricsRoutes(router);
  AddTimelineRoutes(router);
  AddRootRoutes(router);
  AddFolderRoutes(router);
  AddRatingRoutes(router);
  AddDupesRoutes(router);
}

int64_t SteadyNowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace phodex::server
