#include "media/exiv2_fields.h"

#include <cctype>
#include <cmath>
#include <utility>

#include "util/text.h"

namespace phodex::media::exiv2 {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "34.0 mm" -> 34, "F3.6" -> 3.6: the first number in Exiv2's printed form.
std::optional<double> LeadingNumber(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size() && !IsDigit(s[begin])) ++begin;
  size_t end = begin;
  while (end < s.size() && (IsDigit(s[end]) || s[end] == '.')) ++end;
  return ParseNumber(s.substr(begin, end - begin));
}

// "0 200" -> 200: Nikon maker notes print ISO as two numbers, the second
// is the ISO.
std::optional<double> LastNumber(std::string_view s) {
  size_t end = s.find_last_not_of(' ');
  if (end == std::string_view::npos) return std::nullopt;
  size_t begin = s.find_last_of(' ', end);
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  return ParseNumber(s.substr(begin, end - begin + 1));
}

// What Exiv2 and cameras write when they do not know the lens: "n/a",
// "(0)" (an unknown maker code), "Unknown ...", "----", "0".
bool IsLensPlaceholder(std::string_view name) {
  std::string lower = util::AsciiLower(name);
  if (lower == "n/a" || lower == "none" || lower.starts_with("unknown"))
    return true;
  if (lower.starts_with("(") && lower.ends_with(")")) return true;
  for (char c : lower) {
    if (std::isalpha(static_cast<unsigned char>(c)) || (IsDigit(c) && c != '0'))
      return false;
  }
  return true;
}

// The focal range a lens name states ("17-50mm", "400mm", "6.0-72.0mm"),
// as {short end, long end}; nullopt when the name states none.
std::optional<std::pair<double, double>> NamedFocalRange(std::string_view n) {
  for (size_t mm = n.find("mm"); mm != std::string_view::npos;
       mm = n.find("mm", mm + 2)) {
    size_t end = mm;
    while (end > 0 && n[end - 1] == ' ') --end;
    size_t begin = end;
    while (begin > 0 && (IsDigit(n[begin - 1]) || n[begin - 1] == '.')) --begin;
    auto longest = ParseNumber(n.substr(begin, end - begin));
    if (!longest) continue;
    if (begin == 0 || n[begin - 1] != '-') return std::pair{*longest, *longest};
    size_t low_end = begin - 1;
    size_t low_begin = low_end;
    while (low_begin > 0 &&
           (IsDigit(n[low_begin - 1]) || n[low_begin - 1] == '.'))
      --low_begin;
    auto shortest = ParseNumber(n.substr(low_begin, low_end - low_begin));
    return std::pair{shortest.value_or(*longest), *longest};
  }
  return std::nullopt;
}

// Exiv2 0.27 resolves some maker lens codes to the wrong lens (Pentax and
// Canon codes are shared by several lenses). A name whose focal range
// cannot have taken the picture is refused; twice the long end leaves room
// for a teleconverter.
bool FitsFocalLength(std::string_view name, std::optional<double> focal) {
  auto range = NamedFocalRange(name);
  if (!range || !focal || *focal <= 0) return true;
  return *focal >= range->first / 1.1 && *focal <= range->second * 2.1;
}

// Exiv2's lens name from the maker notes, made to read as exiftool's.
std::optional<std::string> MakerNoteLensName(const TagIndex& tags) {
  const auto* found = EasyFind(&Exiv2::lensName, tags.exif());
  if (found == nullptr) return std::nullopt;
  auto name = PrintedOf(*found, tags.exif());
  if (!name || IsLensPlaceholder(*name)) return std::nullopt;
  // Exiv2 prefixes Nikon's own lenses with the brand; exiftool does not.
  if (found->groupName().starts_with("NikonLd") && name->starts_with("Nikon "))
    name->erase(0, 6);
  // Exiv2's table orders Sigma's suffixes differently from Sigma and exiftool.
  if (size_t at = name->find("DC OS Macro HSM"); at != std::string::npos)
    name->replace(at, 15, "DC Macro OS HSM");
  if (!FitsFocalLength(*name, FocalLength(tags))) return std::nullopt;
  return name;
}

std::optional<std::string> UsableLens(std::optional<std::string> name) {
  if (name && IsLensPlaceholder(*name)) return std::nullopt;
  return name;
}

}  // namespace

std::optional<std::string> Make(const TagIndex& tags) {
  return FirstText(
      tags, {"Exif.Image.Make", "Exif.PanasonicRaw.Make", "Xmp.tiff.Make"});
}

std::optional<std::string> Model(const TagIndex& tags) {
  return FirstText(
      tags, {"Exif.Image.Model", "Exif.PanasonicRaw.Model", "Xmp.tiff.Model"});
}

std::optional<std::string> Lens(const TagIndex& tags) {
  if (auto model = UsableLens(
          FirstText(tags, {"Exif.Photo.LensModel", "Xmp.exifEX.LensModel"})))
    return model;
  if (auto name = MakerNoteLensName(tags)) return name;
  return UsableLens(FirstText(tags, {"Exif.Canon.LensModel", "Xmp.aux.Lens"}));
}

std::optional<double> ExposureTime(const TagIndex& tags) {
  auto seconds =
      FirstNumber(tags, {"Exif.Photo.ExposureTime", "Exif.Image.ExposureTime",
                         "Xmp.exif.ExposureTime"});
  if (seconds && *seconds < 0) return std::nullopt;
  return seconds;
}

std::optional<double> FNumber(const TagIndex& tags) {
  auto f = FirstNumber(
      tags, {"Exif.Photo.FNumber", "Exif.Image.FNumber", "Xmp.exif.FNumber"});
  if (f && *f < 0) return std::nullopt;
  return f;
}

std::optional<double> FocalLength(const TagIndex& tags) {
  if (auto mm =
          FirstNumber(tags, {"Exif.Photo.FocalLength", "Exif.Image.FocalLength",
                             "Xmp.exif.FocalLength"}))
    return *mm >= 0 ? mm : std::nullopt;
  // Maker notes (CRW, some Canon and Nikon bodies).
  const auto* found = EasyFind(&Exiv2::focalLength, tags.exif());
  if (found == nullptr) return std::nullopt;
  if (found->key() == "Exif.Canon.FocalLength") {
    // In 1/FocalUnits mm, the units being CanonCs.Lens[2]; Exiv2's printed
    // form rounds to 0.1 mm.
    auto raw = NumberOf(*found, 1);
    const auto* lens = tags.Find("Exif.CanonCs.Lens");
    auto units = lens ? NumberOf(*lens, 2) : std::nullopt;
    if (raw && units && *units > 0) return *raw / *units;
  }
  auto printed = PrintedOf(*found, tags.exif());
  return printed ? LeadingNumber(*printed) : std::nullopt;
}

std::optional<int64_t> Iso(const TagIndex& tags) {
  // The common case without Exiv2's easy access, which scans the whole Exif
  // list for each of its keys (thousands of maker-note entries on some
  // cameras): a usable Exif ISO is also what isoSpeed() would return first.
  if (const auto* d = tags.Find("Exif.Photo.ISOSpeedRatings")) {
    auto value = NumberOf(*d);
    if (value && *value > 0 && *value < 65535) return std::llround(*value);
  }
  std::optional<double> iso;
  if (const auto* found = EasyFind(&Exiv2::isoSpeed, tags.exif())) {
    std::string key = found->key();
    if (key == "Exif.Photo.ISOSpeedRatings" ||
        key == "Exif.Image.ISOSpeedRatings") {
      iso = NumberOf(*found);
    } else if (auto printed = PrintedOf(*found, tags.exif())) {
      // Maker notes store ISO encoded (Canon PowerShot 128 means ISO 50);
      // the printed value is the decoded one.
      iso = LastNumber(*printed);
    }
  }
  // Exiv2 skips an Exif ISO of 0 to look in the maker notes; with nothing
  // there, 0 is what the file says (and what exiftool reports).
  if (!iso) {
    iso = FirstNumber(
        tags, {"Xmp.exif.ISOSpeedRatings", "Xmp.exifEX.PhotographicSensitivity",
               "Exif.Photo.ISOSpeedRatings"});
  }
  if (!iso || *iso < 0) return std::nullopt;
  return std::llround(*iso);
}

std::optional<int> Orientation(const TagIndex& tags) {
  for (const char* key :
       {"Exif.Image.Orientation", "Exif.PanasonicRaw.Orientation",
        "Xmp.tiff.Orientation"}) {
    const auto* d = tags.Find(key);
    auto value = d ? NumberOf(*d) : std::nullopt;
    if (value && *value >= 1 && *value <= 8 && *value == std::floor(*value))
      return static_cast<int>(*value);
  }
  return std::nullopt;
}

std::optional<int> Rating(const TagIndex& tags) {
  // Phase One writes Rating into the Exif IFD, where Exiv2 has no name for
  // it; Fujifilm X bodies rate in camera into the maker notes only.
  for (const char* key : {"Xmp.xmp.Rating", "Exif.Image.Rating",
                          "Exif.Photo.0x4746", "Exif.Fujifilm.Rating"}) {
    const auto* d = tags.Find(key);
    auto value = d ? NumberOf(*d) : std::nullopt;
    if (value && *value >= -1 && *value <= 5)
      return static_cast<int>(std::lround(*value));
  }
  return std::nullopt;
}

std::optional<std::string> Label(const TagIndex& tags) {
  return FirstText(tags, {"Xmp.xmp.Label"});
}

std::vector<std::string> Keywords(const TagIndex& tags) {
  std::vector<std::string> items;
  auto add = [&items](std::string_view raw) {
    std::string_view trimmed = TrimView(raw);
    if (trimmed.empty()) return;
    std::string item = ToUtf8(trimmed);
    for (const auto& seen : items) {
      if (seen == item) return;
    }
    items.push_back(std::move(item));
  };
  if (const auto* subject = tags.Find("Xmp.dc.subject")) {
    auto type = subject->typeId();
    if (type == Exiv2::xmpBag || type == Exiv2::xmpSeq ||
        type == Exiv2::xmpAlt) {
      for (long i = 0; i < subject->count(); ++i) add(subject->toString(i));
    } else {
      add(subject->toString());
    }
  }
  if (items.empty()) {
    for (const auto* d : tags.FindAll("Iptc.Application2.Keywords"))
      add(d->toString());
  }
  return items;
}

std::optional<std::string> Title(const TagIndex& tags) {
  return FirstText(tags, {"Xmp.dc.title", "Iptc.Application2.ObjectName"});
}

std::optional<std::string> Description(const TagIndex& tags) {
  return FirstText(tags, {"Xmp.dc.description", "Iptc.Application2.Caption",
                          "Exif.Image.ImageDescription"});
}

}  // namespace phodex::media::exiv2
