#pragma once
// Internal to media/ (the Exiv2 adapter): how each normalised field of
// core/media_metadata.h is read from what Exiv2 found, with the keys in
// order of preference. The order, and every place where phodex
// deliberately differs from exiftool, is documented in
// docs/metadata-accuracy.md ("Photos and RAW"); the corpus test
// (tests/media/image_metadata_test.cc) measures it.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/media_metadata.h"
#include "media/exiv2_values.h"

namespace phodex::media::exiv2 {

// Camera and exposure (media/exiv2_fields.cc).
std::optional<std::string> Make(const TagIndex& tags);
std::optional<std::string> Model(const TagIndex& tags);
// Exif.Photo.LensModel first; then Exiv2's maker-note lens name, cleaned
// up and refused when it contradicts the focal length; then the Canon
// maker-note and XMP lens model strings.
std::optional<std::string> Lens(const TagIndex& tags);
std::optional<double> ExposureTime(const TagIndex& tags);  // seconds
std::optional<double> FNumber(const TagIndex& tags);
std::optional<double> FocalLength(const TagIndex& tags);  // mm
std::optional<int64_t> Iso(const TagIndex& tags);
std::optional<int> Orientation(const TagIndex& tags);  // 1-8

// What people write about a picture (media/exiv2_fields.cc).
std::optional<int> Rating(const TagIndex& tags);  // -1 rejected, 0-5
std::optional<std::string> Label(const TagIndex& tags);
std::vector<std::string> Keywords(const TagIndex& tags);  // deduplicated
std::optional<std::string> Title(const TagIndex& tags);
std::optional<std::string> Description(const TagIndex& tags);

// When the picture was taken, RFC 3339 (media/exiv2_dates.cc).
std::optional<std::string> Taken(const TagIndex& tags);

// Signed decimal degrees and metres (media/exiv2_gps.cc).
std::optional<GpsPosition> Gps(const TagIndex& tags);

// Every Exif, IPTC and XMP tag as one compact JSON object, key -> value
// text (a repeated key -> array); binary blobs left out
// (media/exiv2_tags_json.cc). "" when there are no tags.
std::string TagsJson(const Exiv2::ExifData& exif, const Exiv2::IptcData& iptc,
                     const Exiv2::XmpData& xmp);

}  // namespace phodex::media::exiv2
