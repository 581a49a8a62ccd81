#pragma once
// Internal to media/ (the Exiv2 adapter): one file's Exif, IPTC and XMP as
// Exiv2 read them, indexed by key, and the small readers every field
// mapping (media/exiv2_fields.h) is built from. Text comes back trimmed and
// valid UTF-8; numbers come back as doubles from the stored rationals, never
// from Exiv2's printed (rounded) form unless a caller asks for that.
//
// TagIndex borrows the containers it indexes: they must outlive it. A
// TagIndex is immutable after construction, so concurrent readers are safe;
// the free functions are pure and thread-safe.

#include <exiv2/exiv2.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace phodex::media::exiv2 {

class TagIndex {
 public:
  TagIndex(const Exiv2::ExifData& exif, const Exiv2::IptcData& iptc,
           const Exiv2::XmpData& xmp);

  // The first datum with `key` ("Exif.Image.Make", "Iptc.Application2.
  // Keywords", "Xmp.dc.subject"), or nullptr.
  const Exiv2::Metadatum* Find(std::string_view key) const;
  // Every datum with `key`, in file order (IPTC repeats a key per keyword).
  std::vector<const Exiv2::Metadatum*> FindAll(std::string_view key) const;

  // For Exiv2's easy-access functions (isoSpeed, lensName, ...), which
  // search the maker notes, and for printing values that need context.
  const Exiv2::ExifData& exif() const { return exif_; }

 private:
  const Exiv2::ExifData& exif_;
  std::unordered_map<std::string, std::vector<const Exiv2::Metadatum*>> by_key_;
};

// Legacy 8-bit text (EXIF ASCII and IPTC without a UTF-8 marker are often
// Latin-1 or Windows-1252) as UTF-8: valid UTF-8 is returned unchanged,
// anything else is read as Windows-1252, as exiftool does.
std::string ToUtf8(std::string_view s);

// Strips ASCII whitespace (and NULs) at both ends.
std::string_view TrimView(std::string_view s);

// "1/250", "-3/2", "4.5", "  80 " -> the number; nullopt for "", "0/0",
// "x", "1/0" and anything with trailing text.
std::optional<double> ParseNumber(std::string_view s);

// The datum as text: trimmed, UTF-8, nullopt when blank. An XMP language
// alternative gives its "x-default" entry (else the first); an array gives
// its items joined by ", ".
std::optional<std::string> TextOf(const Exiv2::Metadatum& datum);

// Component `n` of the datum as a number (a rational is divided exactly,
// and a zero denominator is no number); nullopt when absent or not numeric.
std::optional<double> NumberOf(const Exiv2::Metadatum& datum, long n = 0);

// The first of `keys` that is present and usable, in order of preference.
std::optional<std::string> FirstText(const TagIndex& tags,
                                     std::initializer_list<const char*> keys);
std::optional<double> FirstNumber(const TagIndex& tags,
                                  std::initializer_list<const char*> keys);

// Runs one of Exiv2's easy-access finders (Exiv2::isoSpeed, lensName,
// focalLength), which also search the maker notes; nullptr when it finds
// nothing or throws on a damaged value.
using EasyAccess = Exiv2::ExifData::const_iterator (*)(const Exiv2::ExifData&);
const Exiv2::Exifdatum* EasyFind(EasyAccess find, const Exiv2::ExifData& exif);

// Exiv2's printed form of a datum found by an easy-access function
// ("34.0 mm", "F3.6", "200"); nullopt when printing fails or is blank.
std::optional<std::string> PrintedOf(const Exiv2::Exifdatum& datum,
                                     const Exiv2::ExifData& exif);

}  // namespace phodex::media::exiv2
