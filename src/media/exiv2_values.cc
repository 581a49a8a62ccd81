#include "media/exiv2_values.h"

#include <array>
#include <charconv>
#include <cmath>

#include "util/text.h"

namespace phodex::media::exiv2 {
namespace {

// Windows-1252 0x80-0x9F; 0 marks the five bytes it leaves undefined.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<double> ParsePlain(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

}  // namespace

TagIndex::TagIndex(const Exiv2::ExifData& exif, const Exiv2::IptcData& iptc,
                   const Exiv2::XmpData& xmp)
    : exif_(exif) {
  by_key_.reserve(exif.count() + iptc.size() + xmp.count());
  for (const auto& d : exif) by_key_[d.key()].push_back(&d);
  for (const auto& d : iptc) by_key_[d.key()].push_back(&d);
  for (const auto& d : xmp) by_key_[d.key()].push_back(&d);
}

const Exiv2::Metadatum* TagIndex::Find(std::string_view key) const {
  auto it = by_key_.find(std::string(key));
  return it == by_key_.end() ? nullptr : it->second.front();
}

std::vector<const Exiv2::Metadatum*> TagIndex::FindAll(
    std::string_view key) const {
  auto it = by_key_.find(std::string(key));
  return it == by_key_.end() ? std::vector<const Exiv2::Metadatum*>{}
                             : it->second;
}

std::string ToUtf8(std::string_view s) {
  if (util::IsValidUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0xA0) {
      char16_t cp = kCp1252High[c - 0x80];
      AppendUtf8(out, cp != 0 ? cp : 0xFFFD);
    } else {
      AppendUtf8(out, c);  // Latin-1 0xA0-0xFF are U+00A0-U+00FF
    }
  }
  return out;
}

std::string_view TrimView(std::string_view s) {
  constexpr std::string_view kSpace(" \t\r\n\v\f\0", 7);
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

std::optional<double> ParseNumber(std::string_view s) {
  s = TrimView(s);
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return ParsePlain(s);
  auto num = ParsePlain(TrimView(s.substr(0, slash)));
  auto den = ParsePlain(TrimView(s.substr(slash + 1)));
  if (!num || !den || *den == 0) return std::nullopt;
  return *num / *den;
}

std::optional<std::string> TextOf(const Exiv2::Metadatum& datum) {
  std::string raw;
  if (datum.typeId() == Exiv2::langAlt) {
    const auto* alt = dynamic_cast<const Exiv2::LangAltValue*>(&datum.value());
    if (alt == nullptr || alt->value_.empty()) return std::nullopt;
    auto it = alt->value_.find("x-default");
    raw = it != alt->value_.end() ? it->second : alt->value_.begin()->second;
  } else {
    raw = datum.toString();
  }
  std::string_view trimmed = TrimView(raw);
  if (trimmed.empty()) return std::nullopt;
  return ToUtf8(trimmed);
}

std::optional<double> NumberOf(const Exiv2::Metadatum& datum, long n) {
  if (datum.count() <= n) return std::nullopt;
  return ParseNumber(datum.toString(n));
}

std::optional<std::string> FirstText(const TagIndex& tags,
                                     std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const auto* d = tags.Find(key)) {
      if (auto text = TextOf(*d)) return text;
    }
  }
  return std::nullopt;
}

std::optional<double> FirstNumber(const TagIndex& tags,
                                  std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const auto* d = tags.Find(key)) {
      if (auto number = NumberOf(*d)) return number;
    }
  }
  return std::nullopt;
}

const Exiv2::Exifdatum* EasyFind(EasyAccess find, const Exiv2::ExifData& exif) {
  try {
    auto it = find(exif);
    return it == exif.end() ? nullptr : &*it;
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::optional<std::string> PrintedOf(const Exiv2::Exifdatum& datum,
                                     const Exiv2::ExifData& exif) {
  try {
    std::string printed = datum.print(&exif);
    std::string_view trimmed = TrimView(printed);
    if (trimmed.empty()) return std::nullopt;
    return ToUtf8(trimmed);
  } catch (const std::exception&) {
    return std::nullopt;  // a maker-note printer choking on a damaged value
  }
}

}  // namespace phodex::media::exiv2
