#include "server/route_params.h"

#include <charconv>

namespace phodex::server {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Plain decimal, 1..INT64_MAX.
std::optional<int64_t> PositiveDecimal(std::string_view s) {
  if (s.empty() || s.front() == '0') return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<int64_t> ParseId(std::string_view segment) {
  return PositiveDecimal(segment);
}

Result<size_t> ParseLimit(const Request& request, size_t fallback, size_t max) {
  const std::optional<std::string_view> raw = request.Query("limit");
  if (!raw) return fallback;
  const std::optional<int64_t> v = PositiveDecimal(*raw);
  if (!v || static_cast<uint64_t>(*v) > max) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit must be an integer from 1 to " +
                         std::to_string(max));
  }
  return static_cast<size_t>(*v);
}

std::string EncodeCursor(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size() * 2);
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

Result<std::string> DecodeCursor(std::string_view cursor) {
  constexpr size_t kMaxCursorChars = 16 * 1024;
  if (cursor.size() % 2 != 0 || cursor.size() > kMaxCursorChars) {
    return MakeError(ErrorCode::kInvalidArgument, "not a cursor of this list");
  }
  std::string out;
  out.reserve(cursor.size() / 2);
  for (size_t i = 0; i < cursor.size(); i += 2) {
    const int hi = HexDigit(cursor[i]);
    const int lo = HexDigit(cursor[i + 1]);
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "not a cursor of this list");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace phodex::server
