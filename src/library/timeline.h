#pragma once
// The timeline: the whole library by capture time, newest first, as
// sections bounded by count, and one section's items as compact parallel
// arrays: enough for a browser to lay out a million photos without
// fetching them all. What GET /api/v1/timeline and
// GET /api/v1/timeline/sections/{key} answer; the JSON is a public format,
// described in docs/api.md ("Timeline") and docs/openapi.json. The order
// and what the timeline holds: catalog/timeline_queries.h.
//
// A section's key is the range of the timeline it covers: from its first
// item (the very start for the first section) to the next section's first
// item (the very end for the last). Sections tile the timeline, so a
// client that lists them, then reads each by key while files are added,
// sees every file that stays exactly once: a file added later falls into
// the range of one key. Keys stay valid, and mean the same range, however
// the catalog changes; a key of an older listing answers its range as it
// is now (its count may have changed).
//
// Thread-compatible (as the catalog passed in).

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "catalog/timeline_queries.h"
#include "core/error.h"

namespace phodex::library {

// Bounds of `size`, the items per section of a listing. The minimum keeps
// a million-file listing at 10,000 sections at most.
inline constexpr size_t kTimelineDefaultSize = 500;
inline constexpr size_t kTimelineMinSize = 100;
inline constexpr size_t kTimelineMaxSize = 5000;
// Bounds of `limit`, the items one section answer holds (default: the
// maximum). A section that has grown past it since it was listed is
// answered in parts: `next` is the key of the rest.
inline constexpr size_t kTimelineMaxItems = 10000;

// The listing: {"size", "total", "sections": [{"key", "count", "first",
// "last", "undated"}]}. kInvalidArgument when `size` is out of bounds.
Result<nlohmann::ordered_json> TimelineSectionsToJson(
    catalog::TimelineQueries& catalog, size_t size);

struct TimelineSectionRequest {
  std::string key;  // from a listing, or `next` of a section answer
  size_t limit = kTimelineMaxItems;
  // [ratings] favorite (library/config.h): a file rated at least this, and
  // at least 1, is a favorite.
  int favorite_rating = 5;
};

// One section: {"key", "count", "next", "items": {"id", "aspect",
// "placeholder", "rating", "label", "flags", "kind", "duration",
// "taken"}}, one array entry per item. kInvalidArgument for a key that is
// not one (malformed, forged beyond parsing) or `limit` out of bounds.
Result<nlohmann::ordered_json> TimelineSectionToJson(
    catalog::TimelineQueries& catalog, const TimelineSectionRequest& request);

// The key of a range, and back (kInvalidArgument when `key` is none).
// Exposed for tests.
std::string TimelineKey(const catalog::TimelineRange& range);
Result<catalog::TimelineRange> ParseTimelineKey(std::string_view key);

// Flags of an item, a bit set.
inline constexpr int kTimelineFavorite = 1;
inline constexpr int kTimelineRejected = 2;

// The aspect ratio (width / height) of `item` as displayed, rounded to 4
// decimals: the pixel stage's size when known, else the metadata's with
// EXIF orientations 5-8 (turned a quarter) swapping width and height;
// null when unknown.
std::optional<double> TimelineAspect(const catalog::TimelineItem& item);

}  // namespace phodex::library
