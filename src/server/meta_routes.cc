// GET /api/v1/openapi.json (the contract, docs/openapi.json, embedded at
// build time) and GET /api/v1/health. Both open: they tell nothing about
// the library.

#include <cstddef>
#include <string>

#include "server/api.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {

extern const char kOpenApiDocument[];
extern const size_t kOpenApiDocument_size;

std::string_view OpenApiDocument() {
  return std::string_view(kOpenApiDocument, kOpenApiDocument_size);
}

void AddMetaRoutes(Router& r) {
  r.Add(
      Method::kGet, "/api/v1/openapi.json",
      [](Call&) {
        Response res;
        res.content_type = "application/json";
        res.body = std::string(OpenApiDocument());
        return res;
      },
      /*open=*/true);
  r.Add(
      Method::kGet, "/api/v1/health",
      [](Call& call) {
        return Json({{"ok", true}, {"version", call.api.hooks().version}});
      },
      /*open=*/true);
}

}  // namespace phodex::server
