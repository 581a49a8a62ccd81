#include "server/api.h"

#include "server/routes.h"

namespace phodex::server {

void AddApiRoutes(Router& router) {
  AddMetaRoutes(router);
  AddStatusRoutes(router);
  AddOperationRoutes(router);
  AddJobRoutes(router);
  AddMetricsRoutes(router);
}

}  // namespace phodex::server
