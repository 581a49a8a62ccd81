// GET /api/v1/events: the live events as a text/event-stream (server/
// event_hub.h). A client that reconnects sends Last-Event-ID (EventSource
// does) or ?after=ID and gets what it missed, or a "reset" event when that
// is no longer kept; a new client starts from now.

#include "server/api.h"
#include "server/problem.h"
#include "server/route_params.h"
#include "server/routes.h"

namespace phodex::server {

void AddEventRoutes(Router& r) {
  r.Get("/api/v1/events", [](Call& call) {
    int64_t after = call.api.events().last_id();
    std::string_view given = call.request.Header("last-event-id");
    if (given.empty()) given = call.request.Query("after").value_or("");
    if (!given.empty()) {
      if (given == "0") {
        after = 0;
      } else if (auto id = ParseId(given)) {
        after = *id;
      } else {
        return BadRequest("Last-Event-ID: an event id");
      }
    }
    Response res;
    res.events_after = after;
    return res;
  });
}

}  // namespace phodex::server
