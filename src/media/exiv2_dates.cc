// When a picture was taken, as RFC 3339 local time with the fractional
// seconds and UTC offset the file states (never guessed). Sources, in
// order (the same as exiftool's DateTimeOriginal and its composites):
//   1. Exif.Photo.DateTimeOriginal, then Exif.Image.DateTimeOriginal
//      (LightZone and some converters keep Exif tags in IFD0), with
//      Exif.Photo.SubSecTimeOriginal and Exif.Photo.OffsetTimeOriginal
//      (else OffsetTime); CRW dates arrive here too, Exiv2 maps them;
//   2. Xmp.exif.DateTimeOriginal, then Xmp.photoshop.DateCreated;
//   3. Iptc.Application2.DateCreated + TimeCreated.
// A date without a time of day is not a moment and is skipped.

#include <string>
#include <string_view>

#include "media/exiv2_fields.h"

namespace phodex::media::exiv2 {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// "2006:10:29", "2006-10-29" or "20061029" -> "2006-10-29".
std::optional<std::string> ParseDate(std::string_view s) {
  std::string digits;
  if (s.size() == 10 &&
      (s[4] == ':' || s[4] == '-' || s[4] == '/' || s[4] == '.') &&
      s[7] == s[4]) {
    digits = std::string(s.substr(0, 4)) + std::string(s.substr(5, 2)) +
             std::string(s.substr(8, 2));
  } else if (s.size() == 8) {
    digits = std::string(s);
  }
  if (!AllDigits(digits)) return std::nullopt;
  int month = ToInt(digits.substr(4, 2));
  int day = ToInt(digits.substr(6, 2));
  if (ToInt(digits.substr(0, 4)) == 0 || month < 1 || month > 12 || day < 1 ||
      day > 31)
    return std::nullopt;
  return digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" +
         digits.substr(6, 2);
}

// "+05:00", "-0500" or "Z" -> "+05:00"; nullopt when malformed.
std::optional<std::string> ParseZone(std::string_view s) {
  if (s == "Z") return "+00:00";
  if (s.size() < 5 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  std::string_view hh = s.substr(1, 2);
  std::string_view mm = s.size() == 6 && s[3] == ':' ? s.substr(4, 2)
                        : s.size() == 5              ? s.substr(3, 2)
                                                     : std::string_view();
  if (!AllDigits(hh) || mm.size() != 2 || !AllDigits(mm) || ToInt(hh) > 14 ||
      ToInt(mm) > 59)
    return std::nullopt;
  return std::string(1, s[0]) + std::string(hh) + ":" + std::string(mm);
}

struct Clock {
  std::string hms;       // "06:27:51"
  std::string fraction;  // ".054" or ""
  std::string zone;      // "-05:00" or ""
};

// "06:27:51", "06:27", "062751", each optionally followed by ".fff" and a
// zone ("Z", "+05:00", "-0500").
std::optional<Clock> ParseClock(std::string_view s) {
  std::string digits;
  size_t i = 0;
  while (i < s.size() && digits.size() < 6) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits += s[i];
    } else if (s[i] != ':') {
      break;
    }
    ++i;
  }
  if (digits.size() == 4) digits += "00";  // XMP allows hh:mm
  if (digits.size() != 6) return std::nullopt;
  if (ToInt(digits.substr(0, 2)) > 23 || ToInt(digits.substr(2, 2)) > 59 ||
      ToInt(digits.substr(4, 2)) > 60)
    return std::nullopt;
  Clock clock;
  clock.hms = digits.substr(0, 2) + ":" + digits.substr(2, 2) + ":" +
              digits.substr(4, 2);
  if (i < s.size() && s[i] == '.') {
    size_t end = i + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    if (end > i + 1) clock.fraction = std::string(s.substr(i, end - i));
    i = end;
  }
  if (i < s.size()) {
    auto zone = ParseZone(s.substr(i));
    if (!zone) return std::nullopt;
    clock.zone = *zone;
  }
  return clock;
}

// Exif "YYYY:MM:DD HH:MM:SS" -> "YYYY-MM-DDTHH:MM:SS"; all-zero and blank
// dates ("0000:00:00 00:00:00", "    :  :  ") are no date.
std::optional<std::string> ExifDateTime(const TagIndex& tags, const char* key) {
  auto text = FirstText(tags, {key});
  if (!text || text->size() < 19) return std::nullopt;
  std::string_view s(*text);
  if (s[10] != ' ' && s[10] != 'T') return std::nullopt;
  auto date = ParseDate(s.substr(0, 10));
  auto clock = ParseClock(s.substr(11, 8));
  if (!date || !clock) return std::nullopt;
  return *date + "T" + clock->hms;
}

std::optional<std::string> FromExif(const TagIndex& tags) {
  auto base = ExifDateTime(tags, "Exif.Photo.DateTimeOriginal");
  if (!base) base = ExifDateTime(tags, "Exif.Image.DateTimeOriginal");
  if (!base) return std::nullopt;
  std::string taken = *base;
  if (auto subsec = FirstText(tags, {"Exif.Photo.SubSecTimeOriginal"});
      subsec && AllDigits(*subsec))
    taken += "." + *subsec;
  for (const char* key :
       {"Exif.Photo.OffsetTimeOriginal", "Exif.Photo.OffsetTime"}) {
    auto text = FirstText(tags, {key});
    if (auto zone = text ? ParseZone(*text) : std::nullopt) {
      taken += *zone;
      break;
    }
  }
  return taken;
}

// XMP dates are ISO 8601: "2005-08-03T18:59:18-04:00", "...18:59:18.06Z".
std::optional<std::string> FromXmp(const TagIndex& tags) {
  for (const char* key :
       {"Xmp.exif.DateTimeOriginal", "Xmp.photoshop.DateCreated"}) {
    auto text = FirstText(tags, {key});
    if (!text) continue;
    // Some writers use a space (or Exif's colons) where ISO 8601 has 'T'.
    size_t t = text->find_first_of("T ", 8);
    if (t == std::string::npos) continue;  // a day, not a moment
    auto date = ParseDate(std::string_view(*text).substr(0, t));
    auto clock = ParseClock(std::string_view(*text).substr(t + 1));
    if (date && clock)
      return *date + "T" + clock->hms + clock->fraction + clock->zone;
  }
  return std::nullopt;
}

// IPTC keeps the day and the time apart. Exiv2 0.27 reads a time stored
// without a zone ("165100") as "+00:00", so a zero offset cannot be told
// from no offset and is left out rather than guessed.
std::optional<std::string> FromIptc(const TagIndex& tags) {
  auto day = FirstText(tags, {"Iptc.Application2.DateCreated"});
  auto time = FirstText(tags, {"Iptc.Application2.TimeCreated"});
  if (!day || !time) return std::nullopt;
  auto date = ParseDate(*day);
  auto clock = ParseClock(*time);
  if (!date || !clock) return std::nullopt;
  std::string zone = clock->zone == "+00:00" ? "" : clock->zone;
  return *date + "T" + clock->hms + clock->fraction + zone;
}

}  // namespace

std::optional<std::string> Taken(const TagIndex& tags) {
  if (auto taken = FromExif(tags)) return taken;
  if (auto taken = FromXmp(tags)) return taken;
  return FromIptc(tags);
}

}  // namespace phodex::media::exiv2
