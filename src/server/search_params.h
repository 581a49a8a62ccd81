#pragma once
// A search query (library::SearchQuery) from what a client sends: the
// query parameters of GET /api/v1/search (and /search/count), or the JSON
// object a bulk action takes as {"query": {...}}, with the same keys
// (docs/api.md, "Search"). One parser for both, so every route that takes
// a query reads it the same way. Thread-safe free functions.
//
// Strict: an unknown key, a repeated one, or a value out of its range is
// kInvalidArgument (400), never ignored: a typo in a bulk action's query
// must not widen it to the whole library.

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string_view>

#include "core/error.h"
#include "library/search.h"
#include "server/http_types.h"

namespace phodex::server {

// The query's keys from `request`'s query parameters. `also`: other
// parameters the route reads itself ("cursor", "limit"), let through.
Result<library::SearchQuery> ParseSearchQuery(
    const Request& request, std::initializer_list<std::string_view> also = {});

// The same from a JSON object: numbers and booleans as JSON values or as
// the strings the parameters use; null is an absent key.
Result<library::SearchQuery> ParseSearchQueryJson(const nlohmann::json& j);

}  // namespace phodex::server
