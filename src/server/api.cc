#include "server/api.h"

#include "server/routes.h"

namespace phodex::server {

void AddApiRoutes(Router& router) {
  AddMetaRoutes(router);
  AddDupesRoutes(router);
}

}  // namespace phodex::server
