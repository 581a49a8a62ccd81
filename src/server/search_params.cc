#include "server/search_params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "util/text.h"

namespace phodex::server {
namespace {

using library::SearchQuery;

constexpr size_t kMaxTextBytes = 1000;
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxFolderBytes = 4096;

Status Bad(std::string_view key, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(key) + ": " + std::string(why), "search");
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<int64_t> Integer(std::string_view key, std::string_view v, int64_t lo,
                        int64_t hi) {
  int64_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < lo ||
      n > hi) {
    return std::unexpected(
        Bad(key, "an integer from " + std::to_string(lo) + " to " +
                     std::to_string(hi))
            .error());
  }
  return n;
}

Result<double> Number(std::string_view key, std::string_view v) {
  double d = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() ||
      !std::isfinite(d) || d < 0 || d > 1e6) {
    return std::unexpected(Bad(key, "a number from 0 to 1000000").error());
  }
  return d;
}

Result<bool> Boolean(std::string_view key, std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  return std::unexpected(Bad(key, "true or false").error());
}

Result<std::string> Name(std::string_view key, std::string_view v) {
  if (v.empty() || v.size() > kMaxNameBytes || HasControl(v) ||
      !util::IsValidUtf8(v)) {
    return std::unexpected(
        Bad(key, "1 to 256 bytes of UTF-8 text without control characters")
            .error());
  }
  return std::string(v);
}

bool Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  return std::all_of(s.begin() + at, s.begin() + at + n,
                     [](char c) { return c >= '0' && c <= '9'; });
}

int Two(std::string_view s, size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// "YYYY-MM-DD", or with "THH:MM", ":SS", ".fraction", and "Z" or "+HH:MM"
// (the offset dropped: capture times are the camera's wall clock).
Result<std::string> CaptureTime(std::string_view key, std::string_view v) {
  auto bad = [&] {
    return std::unexpected(
        Bad(key, "a date (2021-02-13) or a time (2021-02-13T19:29:01)")
            .error());
  };
  if (!Digits(v, 0, 4) || v.size() < 10 || v[4] != '-' || !Digits(v, 5, 2) ||
      v[7] != '-' || !Digits(v, 8, 2)) {
    return bad();
  }
  const int month = Two(v, 5), day = Two(v, 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return bad();
  if (v.size() == 10) return std::string(v);
  if ((v[10] != 'T' && v[10] != 't') || !Digits(v, 11, 2) || v.size() < 16 ||
      v[13] != ':' || !Digits(v, 14, 2) || Two(v, 11) > 23 ||
      Two(v, 14) > 59) {
    return bad();
  }
  size_t end = 16;
  if (end < v.size() && v[end] == ':') {
    if (!Digits(v, end + 1, 2) || Two(v, end + 1) > 60) return bad();
    end += 3;
    if (end < v.size() && v[end] == '.') {
      size_t f = end + 1;
      while (f < v.size() && v[f] >= '0' && v[f] <= '9') ++f;
      if (f == end + 1 || f - end > 10) return bad();
      end = f;
    }
  }
  std::string out(v.substr(0, end));
  out[10] = 'T';
  const std::string_view zone = v.substr(end);
  if (zone.empty() || zone == "Z" || zone == "z") return out;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
      Digits(zone, 1, 2) && zone[3] == ':' && Digits(zone, 4, 2)) {
    return out;
  }
  return bad();
}

// "a/b" from "a/b", "/a/b/": segments neither empty, "." nor "..".
Result<std::string> Folder(std::string_view key, std::string_view v) {
  if (v.size() > kMaxFolderBytes || HasControl(v)) {
    return std::unexpected(
        Bad(key, "a folder of the root, at most 4096 bytes").error());
  }
  if (v.starts_with('/')) v.remove_prefix(1);
  if (v.ends_with('/')) v.remove_suffix(1);
  size_t i = 0;
  while (!v.empty() && i <= v.size()) {
    const size_t j = std::min(v.find('/', i), v.size());
    const std::string_view seg = v.substr(i, j - i);
    if (seg.empty() || seg == "." || seg == "..") {
      return std::unexpected(
          Bad(key, "a folder of the root (\"2021/paris\"): no empty, "
                   "\".\" or \"..\" parts")
              .error());
    }
    i = j + 1;
  }
  return std::string(v);
}

using Setter = std::function<Status(SearchQuery&, std::string_view key,
                                    std::string_view value)>;

template <typename T, typename Parse>
Setter Set(std::optional<T> SearchQuery::*field, Parse parse) {
  return [field, parse](SearchQuery& q, std::string_view key,
                        std::string_view v) -> Status {
    PHODEX_ASSIGN_OR_RETURN(auto value, parse(key, v));
    q.*field = static_cast<T>(value);
    return {};
  };
}

Setter Int(std::optional<int64_t> SearchQuery::*field) {
  return Set(field, [](std::string_view k, std::string_view v) {
    return Integer(k, v, 0, 1'000'000'000);
  });
}

// Every key of a query, and how its value is read.
const std::map<std::string, Setter, std::less<>>& Keys() {
  static const auto* keys = new std::map<std::string, Setter, std::less<>>{
      {"from", Set(&SearchQuery::from, CaptureTime)},
      {"to", Set(&SearchQuery::to, CaptureTime)},
      {"make", Set(&SearchQuery::make, Name)},
      {"model", Set(&SearchQuery::model, Name)},
      {"lens", Set(&SearchQuery::lens, Name)},
      {"label", Set(&SearchQuery::label, Name)},
      {"focal_min", Set(&SearchQuery::focal_min, Number)},
      {"focal_max", Set(&SearchQuery::focal_max, Number)},
      {"aperture_min", Set(&SearchQuery::aperture_min, Number)},
      {"aperture_max", Set(&SearchQuery::aperture_max, Number)},
      {"iso_min", Int(&SearchQuery::iso_min)},
      {"iso_max", Int(&SearchQuery::iso_max)},
      {"rating_min",
       Set(&SearchQuery::rating_min,
           [](std::string_view k, std::string_view v) {
             return Integer(k, v, 0, 5);
           })},
      {"rejected", Set(&SearchQuery::rejected, Boolean)},
      {"favorite", Set(&SearchQuery::favorite, Boolean)},
      {"pair", Set(&SearchQuery::pair, Boolean)},
      {"gps", Set(&SearchQuery::gps, Boolean)},
      {"kind",
       [](SearchQuery& q, std::string_view k, std::string_view v) -> Status {
         if (v != "photo" && v != "raw" && v != "video") {
           return Bad(k, "photo, raw or video");
         }
         q.kind = ParseMediaKind(v);
         return {};
       }},
      {"root",
       [](SearchQuery& q, std::string_view k, std::string_view v) -> Status {
         PHODEX_ASSIGN_OR_RETURN(
             int64_t id,
             Integer(k, v, 1, std::numeric_limits<int64_t>::max()));
         q.root = RootId{id};
         return {};
       }},
      {"folder",
       [](SearchQuery& q, std::string_view k, std::string_view v) -> Status {
         PHODEX_ASSIGN_OR_RETURN(q.folder, Folder(k, v));
         return {};
       }},
      {"q",
       [](SearchQuery& q, std::string_view k, std::string_view v) -> Status {
         if (v.size() > kMaxTextBytes || !util::IsValidUtf8(v) ||
             HasControl(v)) {
           return Bad(k, "at most 1000 bytes of UTF-8 text");
         }
         q.text = std::string(v);
         return {};
       }},
  };
  return *keys;
}

// What holds between keys.
Status CheckTogether(const SearchQuery& q) {
  if (!q.folder.empty() && !q.root) {
    return Bad("folder", "needs root (a folder is inside one root)");
  }
  auto ordered = [](const auto& lo, const auto& hi) {
    return !lo || !hi || *lo <= *hi;
  };
  if (!ordered(q.focal_min, q.focal_max)) return Bad("focal_min", "above focal_max");
  if (!ordered(q.iso_min, q.iso_max)) return Bad("iso_min", "above iso_max");
  if (!ordered(q.aperture_min, q.aperture_max)) {
    return Bad("aperture_min", "above aperture_max");
  }
  // `to` is inclusive at its precision (library::SearchQuery).
  if (q.from && q.to && *q.from >= *q.to + "~") return Bad("from", "after to");
  return {};
}

// Sets one key once; `seen` catches a repeated key.
Status SetKey(SearchQuery& q, std::set<std::string, std::less<>>& seen,
              std::string_view key, std::string_view value) {
  const auto it = Keys().find(key);
  if (it == Keys().end()) {
    return Bad(util::EscapeBytes(key.substr(0, 64)), "not a search key");
  }
  if (!seen.emplace(key).second) return Bad(key, "given twice");
  return it->second(q, key, value);
}

}  // namespace

Result<SearchQuery> ParseSearchQuery(
    const Request& request, std::initializer_list<std::string_view> also) {
  SearchQuery q;
  std::set<std::string, std::less<>> seen;
  for (const auto& [key, value] : request.query) {
    if (std::find(also.begin(), also.end(), key) != also.end()) continue;
    PHODEX_TRY(SetKey(q, seen, key, value));
  }
  PHODEX_TRY(CheckTogether(q));
  return q;
}

Result<SearchQuery> ParseSearchQueryJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return std::unexpected(Bad("query", "a JSON object").error());
  }
  SearchQuery q;
  std::set<std::string, std::less<>> seen;
  for (const auto& [key, value] : j.items()) {
    std::string text;
    if (value.is_null()) {
      continue;
    } else if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_boolean() || value.is_number()) {
      text = value.dump();
    } else {
      return std::unexpected(
          Bad(util::EscapeBytes(std::string_view(key).substr(0, 64)),
              "a string, number or boolean")
              .error());
    }
    PHODEX_TRY(SetKey(q, seen, key, text));
  }
  PHODEX_TRY(CheckTogether(q));
  return q;
}

}  // namespace phodex::server
