// GET /api/v1/status (docs/api.md, "Status"): what a dashboard needs in one
// request, `phodex status --json`'s object with the dashboard's fields
// (library::ServerStatusToJson).

#include "library/queries.h"
#include "library/status_output.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/routes.h"
#include "server/server_status.h"

namespace phodex::server {

// The request every status-like answer (status, /metrics) makes: the
// server's figures cache and the running service's own view.
library::ServerStatusRequest ServerStatusRequestFor(Call& call) {
  library::ServerStatusRequest req;
  req.figures = &call.api.figures();
  if (call.api.hooks().service_status) {
    req.service = call.api.hooks().service_status();
  }
  return req;
}

void AddStatusRoutes(Router& r) {
  r.Get("/api/v1/status", [](Call& call) {
    auto status =
        library::GetServerStatus(call.lib, ServerStatusRequestFor(call));
    if (!status) return ProblemFor(status.error());
    return Json(library::ServerStatusToJson(*status));
  });
}

}  // namespace phodex::server
