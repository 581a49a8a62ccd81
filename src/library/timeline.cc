#include "library/timeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/time_format.h"

namespace phodex::library {
namespace {

using catalog::TimelinePos;
using nlohmann::ordered_json;

// The longest capture time a key carries: RFC 3339 with nanoseconds and an
// offset is 35 bytes; whatever else a catalog holds is cut into sections
// like anything else, but a key with more is not one phodex made.
constexpr size_t kMaxKeyTaken = 64;

constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int have = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    have += 8;
    while (have >= 6) {
      have -= 6;
      out += kBase64Url[(bits >> have) & 63];
    }
  }
  if (have > 0) out += kBase64Url[(bits << (6 - have)) & 63];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t bits = 0;
  int have = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '-') v = 62;
    else if (c == '_') v = 63;
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out += static_cast<char>((bits >> have) & 0xFF);
    }
  }
  return out;
}

// "d<id>.<length>.<taken>" or "u<id>.<sec>.<nsec>".
void AppendPos(std::string& out, const TimelinePos& p) {
  if (p.undated) {
    out += 'u' + std::to_string(p.id.value) + '.' +
           std::to_string(p.mtime.sec) + '.' + std::to_string(p.mtime.nsec);
  } else {
    out += 'd' + std::to_string(p.id.value) + '.' +
           std::to_string(p.taken.size()) + '.' + p.taken;
  }
}

// Reads a decimal integer from the front of `s`, then `sep` (when not
// '\0'); false when there is none.
bool ReadInt(std::string_view& s, int64_t& v, char sep) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  if (sep == '\0') return true;
  if (s.empty() || s.front() != sep) return false;
  s.remove_prefix(1);
  return true;
}

// A position or an open end ("") from the front of `s`.
bool ReadPos(std::string_view& s, std::optional<TimelinePos>& pos) {
  if (s.empty() || s.front() == '~') return true;
  TimelinePos p;
  const char tag = s.front();
  s.remove_prefix(1);
  int64_t id = 0;
  if (!ReadInt(s, id, '.') || id <= 0) return false;
  p.id = FileId{id};
  if (tag == 'u') {
    p.undated = true;
    int64_t sec = 0, nsec = 0;
    if (!ReadInt(s, sec, '.') || !ReadInt(s, nsec, '\0')) return false;
    if (nsec < 0 || nsec >= 1'000'000'000) return false;
    p.mtime = FileTime{sec, static_cast<int32_t>(nsec)};
  } else if (tag == 'd') {
    int64_t len = 0;
    if (!ReadInt(s, len, '.') || len < 0 ||
        static_cast<size_t>(len) > kMaxKeyTaken ||
        static_cast<size_t>(len) > s.size()) {
      return false;
    }
    p.taken = std::string(s.substr(0, static_cast<size_t>(len)));
    s.remove_prefix(static_cast<size_t>(len));
  } else {
    return false;
  }
  pos = std::move(p);
  return true;
}

std::string PosTime(const TimelinePos& p) {
  return p.undated ? util::Rfc3339Utc(p.mtime.sec, p.mtime.nsec) : p.taken;
}

ordered_json OptJson(const auto& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

int Flags(const catalog::TimelineItem& item, int favorite_rating) {
  int flags = 0;
  if (item.rating && *item.rating >= std::max(favorite_rating, 1)) {
    flags |= kTimelineFavorite;
  }
  if (item.rating && *item.rating == -1) flags |= kTimelineRejected;
  return flags;
}

// The arrays of `items`, one entry each.
ordered_json ItemsToJson(const std::vector<catalog::TimelineItem>& items,
                         int favorite_rating) {
  ordered_json ids = ordered_json::array(), aspect = ordered_json::array(),
               placeholder = ordered_json::array(),
               rating = ordered_json::array(), label = ordered_json::array(),
               flags = ordered_json::array(), kind = ordered_json::array(),
               duration = ordered_json::array(), taken = ordered_json::array();
  for (const catalog::TimelineItem& it : items) {
    ids.push_back(it.pos.id.value);
    aspect.push_back(OptJson(TimelineAspect(it)));
    placeholder.push_back(nullptr);  // the pixel stage's thumbhash, later
    rating.push_back(OptJson(it.rating));
    label.push_back(OptJson(it.label));
    flags.push_back(Flags(it, favorite_rating));
    kind.push_back(MediaKindName(it.kind));
    duration.push_back(OptJson(it.duration));
    taken.push_back(it.pos.undated ? ordered_json(nullptr)
                                   : ordered_json(it.pos.taken));
  }
  return ordered_json{{"id", std::move(ids)},
                      {"aspect", std::move(aspect)},
                      {"placeholder", std::move(placeholder)},
                      {"rating", std::move(rating)},
                      {"label", std::move(label)},
                      {"flags", std::move(flags)},
                      {"kind", std::move(kind)},
                      {"duration", std::move(duration)},
                      {"taken", std::move(taken)}};
}

}  // namespace

std::string TimelineKey(const catalog::TimelineRange& range) {
  std::string raw;
  if (range.from) AppendPos(raw, *range.from);
  raw += '~';
  if (range.to) AppendPos(raw, *range.to);
  return Base64UrlEncode(raw);
}

Result<catalog::TimelineRange> ParseTimelineKey(std::string_view key) {
  auto bad = [] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a timeline section key", "timeline");
  };
  // Two positions of at most ~100 bytes: anything longer is no key.
  if (key.empty() || key.size() > 400) return bad();
  std::optional<std::string> raw = Base64UrlDecode(key);
  if (!raw) return bad();
  std::string_view s = *raw;
  catalog::TimelineRange range;
  if (!ReadPos(s, range.from) || s.empty() || s.front() != '~') return bad();
  s.remove_prefix(1);
  if (!ReadPos(s, range.to) || !s.empty()) return bad();
  return range;
}

std::optional<double> TimelineAspect(const catalog::TimelineItem& item) {
  int64_t w = 0, h = 0;
  if (item.pixel_width && item.pixel_height) {
    w = *item.pixel_width;
    h = *item.pixel_height;
  } else if (item.width && item.height) {
    w = *item.width;
    h = *item.height;
    if (item.orientation && *item.orientation >= 5 && *item.orientation <= 8) {
      std::swap(w, h);
    }
  }
  if (w <= 0 || h <= 0) return std::nullopt;
  return std::round(static_cast<double>(w) / static_cast<double>(h) * 1e4) /
         1e4;
}

Result<ordered_json> TimelineSectionsToJson(catalog::TimelineQueries& catalog,
                                            size_t size) {
  if (size < kTimelineMinSize || size > kTimelineMaxSize) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "size must be " + std::to_string(kTimelineMinSize) +
                         " to " + std::to_string(kTimelineMaxSize),
                     "timeline");
  }
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::TimelineSection> sections,
                          catalog.ListTimelineSections(size));
  ordered_json list = ordered_json::array();
  int64_t total = 0;
  for (size_t i = 0; i < sections.size(); ++i) {
    const catalog::TimelineSection& s = sections[i];
    // The first section starts at the very start, the last ends at the
    // very end: files added before or after fall into them.
    catalog::TimelineRange range;
    if (i > 0) range.from = s.first;
    if (i + 1 < sections.size()) range.to = sections[i + 1].first;
    total += s.count;
    list.push_back(ordered_json{{"key", TimelineKey(range)},
                                {"count", s.count},
                                {"first", PosTime(s.first)},
                                {"last", PosTime(s.last)},
                                {"undated", s.first.undated}});
  }
  return ordered_json{
      {"size", size}, {"total", total}, {"sections", std::move(list)}};
}

Result<ordered_json> TimelineSectionToJson(
    catalog::TimelineQueries& catalog, const TimelineSectionRequest& req) {
  if (req.limit < 1 || req.limit > kTimelineMaxItems) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "limit must be 1 to " + std::to_string(kTimelineMaxItems),
                     "timeline");
  }
  PHODEX_ASSIGN_OR_RETURN(catalog::TimelineRange range,
                          ParseTimelineKey(req.key));
  // One more than asked tells whether the range holds more.
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::TimelineItem> items,
                          catalog.ListTimelineItems(range, req.limit + 1));
  ordered_json next = nullptr;
  if (items.size() > req.limit) {
    next = TimelineKey(catalog::TimelineRange{items[req.limit].pos, range.to});
    items.resize(req.limit);
  }
  return ordered_json{{"key", req.key},
                      {"count", items.size()},
                      {"next", std::move(next)},
                      {"items", ItemsToJson(items, req.favorite_rating)}};
}

}  // namespace phodex::library
