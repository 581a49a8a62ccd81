#pragma once
// The query parameters of the paged lists of operations and jobs (docs/
// api.md, "Paging"): `limit` with a default and a maximum, and an opaque
// `cursor` naming the last row of the page before (today the row's id in
// decimal: clients must not build or read it). Both strict: anything
// else is 400, never clamped or ignored. Thread-safe free functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "server/http_types.h"

namespace phodex::server {

// A positive 63-bit id as a path segment or a JSON-free text ("42"): only
// ASCII digits, no sign, no leading zero, 1 .. 2^63-1. kInvalidArgument
// otherwise, naming `what`.
Result<int64_t> ParseId(std::string_view text, std::string_view what);

// ?limit=N: `def` when absent; kInvalidArgument unless 1 <= N <= max.
Result<int64_t> ParseLimit(const Request& request, int64_t def, int64_t max);

// ?cursor=: nullopt when absent or empty (the first page); kInvalidArgument
// when it is not one this server gave.
Result<std::optional<int64_t>> ParseCursor(const Request& request);
// The cursor after a page ending with row `id`.
std::string CursorAfter(int64_t id);

// A page's items: the CLI's mappings give nlohmann::json (library/
// operation_output.h, job_output.h), the answers are ordered_json.
nlohmann::ordered_json Items(const std::vector<nlohmann::json>& items);

// A page as the API answers it: {`field`: [each of `rows` through `to_json`],
// "next": the cursor after row `next`, or null on the last page}.
template <typename Row, typename ToJson>
nlohmann::ordered_json PageJson(const char* field, const std::vector<Row>& rows,
                                ToJson to_json, std::optional<int64_t> next) {
  std::vector<nlohmann::json> items;
  items.reserve(rows.size());
  for (const Row& row : rows) items.push_back(to_json(row));
  return {{field, Items(items)},
          {"next", next ? nlohmann::ordered_json(CursorAfter(*next))
                        : nlohmann::ordered_json(nullptr)}};
}

}  // namespace phodex::server
