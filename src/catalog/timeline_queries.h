#pragma once
// The library by capture time, for the API's timeline (docs/api.md,
// "Timeline"): its sections, bounded by count, and the items of a range of
// it. Part of catalog::Catalog (catalog.h).
//
// The timeline holds the present photos, RAWs and videos (no sidecars, no
// other files), newest first, in one total order:
//   1. dated files (their metadata has a capture time): by the capture time
//      as stored (RFC 3339 local time, compared as text: the wall clock the
//      camera recorded, offsets not applied), then by id, both descending;
//   2. then undated files (no metadata read yet, or none with a time): by
//      modification time, then by id, both descending.
// A file's own capture time places it; a date only its XMP sidecar has
// does not (the sidecar still gives its rating and label).
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/media_kind.h"
#include "core/types.h"

namespace phodex::catalog {

// A place in the timeline's order: the sort key of one item.
struct TimelinePos {
  bool undated = false;
  std::string taken;  // dated: the capture time as stored
  FileTime mtime;     // undated: the modification time
  FileId id;
  friend bool operator==(const TimelinePos&, const TimelinePos&) = default;
};

// Whether `a` comes before `b` in the timeline (is newer).
bool TimelineBefore(const TimelinePos& a, const TimelinePos& b);

// `count` consecutive items of the timeline, from `first` (the newest)
// to `last` (the oldest), both included.
struct TimelineSection {
  TimelinePos first;
  TimelinePos last;
  int64_t count = 0;
};

// The items from `from` (included; null: the newest) to `to` (excluded;
// null: through the oldest).
struct TimelineRange {
  std::optional<TimelinePos> from;
  std::optional<TimelinePos> to;
};

// What a browser lays out of one item: stored facts, unmapped.
struct TimelineItem {
  TimelinePos pos;
  MediaKind kind = MediaKind::kPhoto;
  // The metadata's size as stored (before orientation) and orientation.
  std::optional<int64_t> width;
  std::optional<int64_t> height;
  std::optional<int> orientation;
  // The pixel stage's size as displayed (pixel facts of the file's
  // content, without a decode error); null when unknown.
  std::optional<int64_t> pixel_width;
  std::optional<int64_t> pixel_height;
  // The file's, or its XMP sidecar's where that has one (as FileRow's
  // merged metadata).
  std::optional<int> rating;
  std::optional<std::string> label;
  std::optional<double> duration;  // seconds
};

class TimelineQueries {
 public:
  virtual ~TimelineQueries() = default;

  // The whole timeline cut into sections of `size` items (the last dated
  // section and the last undated one may hold fewer); dated sections
  // first, and no section holds both dated and undated items. Empty for
  // an empty timeline.
  // Cost: SQLite keeps the answer per connection until the catalog
  // changes (any commit, by any connection); computing it walks three
  // indexes (docs/catalog.md, "The timeline"), never the tables.
  // REQUIRES: size > 0.
  virtual Result<std::vector<TimelineSection>> ListTimelineSections(
      size_t size) = 0;

  // Up to `limit` items of `range`, in timeline order. A range whose
  // bounds are out of order is empty.
  // REQUIRES: limit > 0.
  virtual Result<std::vector<TimelineItem>> ListTimelineItems(
      const TimelineRange& range, size_t limit) = 0;
};

}  // namespace phodex::catalog
