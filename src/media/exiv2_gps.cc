// Where a picture was taken: Exif.GPSInfo (degrees, minutes, seconds as
// rationals, with N/S, E/W and above/below-sea-level references), else the
// XMP copy (exif:GPSLatitude "54,59.38N"), as signed decimal degrees and
// metres. A rational with a zero denominator (cameras without a fix write
// 0/0) makes the coordinate absent, never 0.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "media/exiv2_fields.h"

namespace phodex::media::exiv2 {
namespace {

bool InRange(double degrees, double limit) {
  return std::isfinite(degrees) && std::fabs(degrees) <= limit;
}

bool IsNegativeRef(const TagIndex& tags, const char* key, char negative) {
  auto ref = FirstText(tags, {key});
  return ref &&
         std::toupper(static_cast<unsigned char>(ref->front())) == negative;
}

// Exif: up to three rationals, degrees + minutes/60 + seconds/3600.
std::optional<double> ExifCoordinate(const TagIndex& tags, const char* key,
                                     const char* ref_key, char negative,
                                     double limit) {
  const auto* d = tags.Find(key);
  if (d == nullptr || d->count() < 1) return std::nullopt;
  double degrees = 0;
  double scale = 1;
  for (long i = 0; i < std::min(d->count(), 3L); ++i, scale *= 60) {
    auto part = NumberOf(*d, i);
    if (!part) return std::nullopt;
    degrees += *part / scale;
  }
  if (IsNegativeRef(tags, ref_key, negative)) degrees = -degrees;
  if (!InRange(degrees, limit)) return std::nullopt;
  return degrees;
}

// XMP: "DDD,MM,SSk" or "DDD,MM.mmk", k one of N S E W.
std::optional<double> XmpCoordinate(const TagIndex& tags, const char* key,
                                    double limit) {
  auto text = FirstText(tags, {key});
  if (!text || text->size() < 2) return std::nullopt;
  char ref =
      static_cast<char>(std::toupper(static_cast<unsigned char>(text->back())));
  std::string body = text->substr(0, text->size() - 1);
  double degrees = 0;
  double scale = 1;
  size_t begin = 0;
  for (int part = 0; part < 3 && begin <= body.size(); ++part, scale *= 60) {
    size_t comma = body.find(',', begin);
    size_t end = comma == std::string::npos ? body.size() : comma;
    auto value = ParseNumber(std::string_view(body).substr(begin, end - begin));
    if (!value) return std::nullopt;
    degrees += *value / scale;
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  if (ref == 'S' || ref == 'W') {
    degrees = -degrees;
  } else if (ref != 'N' && ref != 'E') {
    return std::nullopt;
  }
  if (!InRange(degrees, limit)) return std::nullopt;
  return degrees;
}

std::optional<double> Altitude(const TagIndex& tags, const char* key,
                               const char* ref_key) {
  auto metres = FirstNumber(tags, {key});
  if (!metres) return std::nullopt;
  auto below = FirstNumber(tags, {ref_key});
  return below && *below == 1 ? -*metres : *metres;
}

}  // namespace

std::optional<GpsPosition> Gps(const TagIndex& tags) {
  auto lat = ExifCoordinate(tags, "Exif.GPSInfo.GPSLatitude",
                            "Exif.GPSInfo.GPSLatitudeRef", 'S', 90);
  auto lon = ExifCoordinate(tags, "Exif.GPSInfo.GPSLongitude",
                            "Exif.GPSInfo.GPSLongitudeRef", 'W', 180);
  if (lat && lon) {
    return GpsPosition{*lat, *lon,
                       Altitude(tags, "Exif.GPSInfo.GPSAltitude",
                                "Exif.GPSInfo.GPSAltitudeRef")};
  }
  lat = XmpCoordinate(tags, "Xmp.exif.GPSLatitude", 90);
  lon = XmpCoordinate(tags, "Xmp.exif.GPSLongitude", 180);
  if (lat && lon) {
    return GpsPosition{
        *lat, *lon,
        Altitude(tags, "Xmp.exif.GPSAltitude", "Xmp.exif.GPSAltitudeRef")};
  }
  return std::nullopt;
}

}  // namespace phodex::media::exiv2
