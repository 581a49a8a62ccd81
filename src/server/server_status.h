#pragma once
// What GET /api/v1/status and GET /metrics both ask of the library: the
// server's figures cache (library/catalog_figures.h) and the running
// service's own view (ApiHooks::service_status). Thread-safe.

#include "library/queries.h"
#include "server/router.h"

namespace phodex::server {

library::ServerStatusRequest ServerStatusRequestFor(Call& call);

}  // namespace phodex::server
