// GET /api/v1/timeline (the sections) and GET
// /api/v1/timeline/sections/{key} (one section's items): library/timeline.h
// and docs/api.md, "Timeline". Unknown query parameters are ignored, as on
// every route.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "library/library.h"
#include "library/timeline.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

// The query parameter `name` as a count: `fallback` when absent, null
// when it is not a decimal number that fits (negative, "abc", 2^64).
std::optional<size_t> CountParam(const Request& req, std::string_view name,
                                 size_t fallback) {
  std::optional<std::string_view> v = req.Query(name);
  if (!v) return fallback;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || v->empty()) {
    return std::nullopt;
  }
  return static_cast<size_t>(n);
}

Response Answer(Result<nlohmann::ordered_json> r) {
  return r ? Json(*r) : ProblemFor(r.error());
}

}  // namespace

void AddTimelineRoutes(Router& r) {
  r.Get("/api/v1/timeline", [](Call& call) {
    std::optional<size_t> size =
        CountParam(call.request, "size", library::kTimelineDefaultSize);
    if (!size) return BadRequest("size must be a number");
    return Answer(library::TimelineSectionsToJson(call.lib.catalog(), *size));
  });
  r.Get("/api/v1/timeline/sections/{key}", [](Call& call) {
    library::TimelineSectionRequest req;
    req.key = std::string(call.request.Param("key"));
    std::optional<size_t> limit =
        CountParam(call.request, "limit", library::kTimelineMaxItems);
    if (!limit) return BadRequest("limit must be a number");
    req.limit = *limit;
    req.favorite_rating = call.lib.config().favorite_rating;
    return Answer(library::TimelineSectionToJson(call.lib.catalog(), req));
  });
}

}  // namespace phodex::server
