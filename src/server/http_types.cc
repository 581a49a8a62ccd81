#include "server/http_types.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace phodex::server {
namespace {

constexpr std::array<std::pair<Method, const char*>, 7> kMethods{{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kOptions, "OPTIONS"},
}};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Find(const Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

const char* MethodName(Method m) {
  for (const auto& [method, name] : kMethods) {
    if (method == m) return name;
  }
  return "OTHER";
}

Method MethodFromName(std::string_view name) {
  for (const auto& [method, n] : kMethods) {
    if (name == n) return method;
  }
  return Method::kOther;
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::QueryAll(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : query) {
    if (k == name) out.emplace_back(v);
  }
  return out;
}

std::string_view Request::Header(std::string_view name) const {
  return Find(headers, name);
}

std::string_view Request::Param(std::string_view name) const {
  return Find(params, name);
}

bool PercentDecode(std::string_view s, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Status ParseTarget(std::string_view target, std::string& path, Pairs& query) {
  path.clear();
  query.clear();
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument,
                 "the request target must be an absolute path");
  }
  const size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  if (!PercentDecode(raw_path, false, path)) {
    return MakeError(ErrorCode::kInvalidArgument, "bad percent escape in the path");
  }
  auto bad_char = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
  };
  if (bad_char(path) || path.find('\\') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                 "control characters or backslashes in the path");
  }
  // "." and ".." segments (after decoding, so %2e%2e counts) and "//".
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view seg(path.data() + start, end - start);
    if (seg == "." || seg == "..") {
      return MakeError(ErrorCode::kInvalidArgument, "dot segments in the path");
    }
    if (seg.empty() && end != path.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "empty segment in the path");
    }
    start = end + 1;
  }
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view()
                                         : rest.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    std::string key, value;
    if (!PercentDecode(part.substr(0, eq), true, key) ||
        (eq != std::string_view::npos &&
         !PercentDecode(part.substr(eq + 1), true, value))) {
      return MakeError(ErrorCode::kInvalidArgument,
                   "bad percent escape in the query");
    }
    if (bad_char(key) || value.find('\0') != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                   "control characters in the query");
    }
    query.emplace_back(std::move(key), std::move(value));
  }
  return {};
}

}  // namespace phodex::server
