#include "server/route_params.h"

#include <charconv>

namespace phodex::server {

std::optional<int64_t> ParseId(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.front() == '0') {
    return std::nullopt;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v <= 0) {
    return std::nullopt;
  }
  return v;
}

std::string EncodeOpaqueCursor(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * raw.size());
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

std::optional<std::string> DecodeOpaqueCursor(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0 || text.size() > 16384) {
    return std::nullopt;
  }
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Result<std::string> DecodeCursor(std::string_view cursor) {
  auto raw = DecodeOpaqueCursor(cursor);
  if (!raw) {
    return MakeError(ErrorCode::kInvalidArgument, "not a cursor of this list");
  }
  return *raw;
}

bool IsSafeRel(std::string_view rel) {
  if (rel.empty()) return true;
  if (rel.front() == '/' || rel.back() == '/') return false;
  if (rel.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string_view::npos) end = rel.size();
    const std::string_view seg = rel.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

std::optional<MediaKind> ParseMediaKindParam(std::string_view text) {
  return ParseMediaKind(text);
}

}  // namespace phodex::server
