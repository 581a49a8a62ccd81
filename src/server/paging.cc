#include "server/paging.h"

#include <limits>

namespace phodex::server {

Result<int64_t> ParseId(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + " must be a positive integer below 2^63");
  };
  if (text.empty() || text.size() > 19 || text.front() == '0') return bad();
  int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return bad();
    const int digit = c - '0';
    if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return bad();
    v = v * 10 + digit;
  }
  return v;
}

Result<int64_t> ParseLimit(const Request& request, int64_t def, int64_t max) {
  const std::optional<std::string_view> text = request.Query("limit");
  if (!text) return def;
  auto v = ParseId(*text, "limit");
  if (!v || *v > max) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit must be between 1 and " + std::to_string(max));
  }
  return *v;
}

Result<std::optional<int64_t>> ParseCursor(const Request& request) {
  const std::optional<std::string_view> text = request.Query("cursor");
  if (!text || text->empty()) return std::optional<int64_t>();
  auto v = ParseId(*text, "cursor");
  if (!v) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a cursor this server gave");
  }
  return std::optional<int64_t>(*v);
}

std::string CursorAfter(int64_t id) { return std::to_string(id); }

nlohmann::ordered_json Items(const std::vector<nlohmann::json>& items) {
  // One conversion of the whole array: nlohmann has no direct one.
  return nlohmann::ordered_json::parse(nlohmann::json(items).dump());
}

}  // namespace phodex::server
