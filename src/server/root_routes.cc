// /api/v1/roots: list (with each root's state from the running service),
// add, remove, scan now (docs/api.md, "Roots"). The rules are
// library/roots.h's, the same as `phodex root add` and `root rm`.

#include <nlohmann/json.hpp>

#include "library/root_states.h"
#include "library/roots.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/route_params.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

using Obj = nlohmann::ordered_json;

std::optional<Obj> ServiceStatus(const Api& api) {
  if (!api.hooks().service_status) return std::nullopt;
  return api.hooks().service_status();
}

Response List(Call& call) {
  auto roots = library::ListRootStates(call.lib, call.api.folders(),
                                      ServiceStatus(call.api));
  if (!roots) return ProblemFor(roots.error());
  Obj out = Obj::array();
  for (const library::RootState& r : *roots) {
    out.push_back(library::RootStateToJson(r));
  }
  return Json(Obj{{"roots", std::move(out)}});
}

// {"path": absolute folder, "name": optional}. Other fields are ignored.
Result<library::AddRootRequest> ParseAdd(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  auto bad = [](const char* why) {
    return MakeError(ErrorCode::kInvalidArgument, why);
  };
  if (j.is_discarded() || !j.is_object()) {
    return bad("the body must be a JSON object");
  }
  library::AddRootRequest req;
  const auto path = j.find("path");
  if (path == j.end() || !path->is_string()) {
    return bad("\"path\" (a string) is required");
  }
  req.path = path->get<std::string>();
  // The server's working folder means nothing to a client.
  if (req.path.empty() || req.path.front() != '/') {
    return bad("\"path\" must be an absolute path");
  }
  if (req.path.find('\0') != std::string::npos) {
    return bad("\"path\" holds a NUL");
  }
  if (const auto name = j.find("name"); name != j.end() && !name->is_null()) {
    if (!name->is_string()) return bad("\"name\" must be a string");
    req.name = name->get<std::string>();
  }
  return req;
}

Response Add(Call& call) {
  auto req = ParseAdd(call.request.body);
  if (!req) return ProblemFor(req.error());
  auto added = library::AddRoot(call.lib, *req);
  if (!added) return ProblemFor(added.error());
  library::RootListing listing;
  listing.stats.root = added->root;
  Obj j = library::RootStateToJson(library::StateOf(listing, nullptr));
  j["identity_note"] = added->identity_note.empty()
                           ? Obj(nullptr)
                           : Obj(added->identity_note);
  return Json(j, 201);
}

Response Remove(Call& call) {
  const std::optional<int64_t> id = ParseId(call.request.Param("id"));
  if (!id) return NotFound("no such root");
  auto root = library::RemoveRootById(call.lib, *id);
  if (!root) return ProblemFor(root.error());
  return Json(Obj{{"id", root->id.value},
                   {"name", root->name},
                   {"removed", true}});
}

Response Scan(Call& call) {
  const std::optional<int64_t> id = ParseId(call.request.Param("id"));
  if (!id) return NotFound("no such root");
  auto root = library::FindRootById(call.lib, *id);
  if (!root) return ProblemFor(root.error());
  const auto& reconcile = call.api.hooks().reconcile_root;
  if (!reconcile || !reconcile(*id)) {
    return Problem(503, "no-service", "No service runs",
                   "a scan is asked of the running `phodex serve`; none runs")
        .With("Retry-After", "5");
  }
  return Json(Obj{{"id", *id}, {"requested", true}}, 202);
}

}  // namespace

void AddRootRoutes(Router& r) {
  r.Get("/api/v1/roots", List);
  r.Post("/api/v1/roots", Add);
  r.Delete("/api/v1/roots/{id}", Remove);
  r.Post("/api/v1/roots/{id}/scan", Scan);
}

}  // namespace phodex::server
