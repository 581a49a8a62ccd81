#pragma once
// What phodex knows about a photo, RAW or video beyond its bytes: the
// normalised fields every photo tool agrees on (exiftool as the reference),
// plus every other tag as one JSON document. Filled in by the metadata
// extractors (media/metadata_extractor.h), stored by the catalog, printed
// by `ls --json` and `show --json`. The field names and units are a public
// format: docs/cli.md ("File fields") and docs/metadata-accuracy.md.
//
// Plain value type; thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phodex {

struct GpsPosition {
  double lat = 0;  // signed decimal degrees, north positive
  double lon = 0;  // signed decimal degrees, east positive
  std::optional<double> alt;  // metres, negative below sea level
  friend bool operator==(const GpsPosition&, const GpsPosition&) = default;
};

struct MediaMetadata {
  std::string mime;  // "image/jpeg", "video/quicktime", ... ("" unknown)
  // Pixels as stored (before orientation is applied), as exiftool's
  // File:ImageWidth/ImageHeight.
  std::optional<int64_t> width;
  std::optional<int64_t> height;
  std::optional<int> orientation;  // EXIF 1-8
  // When the picture was taken, RFC 3339 local time: "2021-02-13T19:29:01",
  // with fractional seconds when the file has them ("...:01.25") and the
  // UTC offset when the file tells it ("...:01+01:00"), never guessed.
  std::optional<std::string> taken;
  std::optional<std::string> make;
  std::optional<std::string> model;
  std::optional<std::string> lens;
  std::optional<double> exposure_time;  // seconds
  std::optional<double> f_number;
  std::optional<int64_t> iso;
  std::optional<double> focal_length;  // mm
  std::optional<GpsPosition> gps;
  std::optional<int> rating;  // -1 rejected, 0-5
  std::optional<std::string> label;
  std::vector<std::string> keywords;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<double> duration;  // seconds (video)
  std::optional<std::string> codec;  // video codec ("h264", ...)
  // Every tag the extractor read, as one JSON object ({"Exif.Image.Make":
  // "Canon", ...}); "" when nothing was read.
  std::string tags_json;

  friend bool operator==(const MediaMetadata&,
                         const MediaMetadata&) = default;
};

// Merges what an XMP sidecar says into the metadata of the file it
// describes: the sidecar wins for rating, label, keywords, title and
// description wherever it has a value, as Lightroom and darktable expect;
// everything else stays the file's (a sidecar's dates or GPS fill gaps
// only). tags_json is left alone.
void MergeSidecar(MediaMetadata& media, const MediaMetadata& sidecar);

}  // namespace phodex
