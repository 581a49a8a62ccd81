// GET /api/v1/search and GET /api/v1/search/count (docs/api.md,
// "Search"): the query from the parameters (server/search_params.h), one
// library call (library/search.h), the files' JSON of the CLI.

#include <charconv>
#include <string>

#include "library/search.h"
#include "library/thumbs.h"
#include "server/problem.h"
#include "server/routes.h"
#include "server/search_params.h"

namespace phodex::server {
namespace {

// `limit`: 1..kSearchMaxLimit, kSearchDefaultLimit when absent.
Result<size_t> Limit(const Request& req) {
  const auto v = req.Query("limit");
  if (!v) return library::kSearchDefaultLimit;
  size_t n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc() || p != v->data() + v->size() ||
      n == 0 || n > library::kSearchMaxLimit) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit: an integer from 1 to " +
                         std::to_string(library::kSearchMaxLimit),
                     "search");
  }
  return n;
}

Response SearchFiles(Call& call) {
  const Request& req = call.request;
  if (req.QueryAll("cursor").size() > 1 || req.QueryAll("limit").size() > 1) {
    return BadRequest("cursor and limit: once each");
  }
  auto query = ParseSearchQuery(req, {"cursor", "limit"});
  if (!query) return ProblemFor(query.error());
  auto limit = Limit(req);
  if (!limit) return ProblemFor(limit.error());
  auto result = library::Search(call.lib, *query,
                                req.Query("cursor").value_or(""), *limit);
  if (!result) return ProblemFor(result.error());
  return Json(library::SearchResultToJson(
      *result, library::OpenThumbnailCache(call.lib)->settings_key()));
}

Response CountFiles(Call& call) {
  auto query = ParseSearchQuery(call.request);
  if (!query) return ProblemFor(query.error());
  auto n = library::CountMatches(call.lib, *query);
  if (!n) return ProblemFor(n.error());
  return Json({{"count", *n}});
}

}  // namespace

void AddSearchRoutes(Router& r) {
  r.Get("/api/v1/search", SearchFiles);
  r.Get("/api/v1/search/count", CountFiles);
}

}  // namespace phodex::server
