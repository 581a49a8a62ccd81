// Every tag Exiv2 read, as one JSON object for the catalog's tags column:
// {"Exif.Image.Make": "Canon", "Iptc.Application2.Keywords": ["a", "b"]}.
// Values are Exiv2's stored form as text (rationals stay "1/250"), trimmed
// and converted to UTF-8. Binary values over kMaxBinaryBytes (maker-note
// blobs, ICC profiles, embedded XMP/IPTC packets, strip offsets) and text
// over kMaxTextBytes are left out, and so are tags Exiv2 has no name for:
// they are not metadata a person reads and they would dominate the
// catalog's size.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "media/exiv2_fields.h"

namespace phodex::media::exiv2 {
namespace {

constexpr long kMaxBinaryBytes = 256;
constexpr size_t kMaxTextBytes = 64 * 1024;

bool IsText(Exiv2::TypeId type) {
  switch (type) {
    case Exiv2::asciiString:
    case Exiv2::string:
    case Exiv2::date:
    case Exiv2::time:
    case Exiv2::comment:
    case Exiv2::xmpText:
    case Exiv2::xmpAlt:
    case Exiv2::xmpBag:
    case Exiv2::xmpSeq:
    case Exiv2::langAlt:
      return true;
    default:
      return false;
  }
}

std::optional<std::string> JsonValue(const Exiv2::Metadatum& datum) {
  try {
    if (!IsText(datum.typeId()) && datum.size() > kMaxBinaryBytes)
      return std::nullopt;
    std::string text = datum.toString();
    if (text.size() > kMaxTextBytes) return std::nullopt;
    return ToUtf8(TrimView(text));
  } catch (const std::exception&) {
    return std::nullopt;  // a value Exiv2 cannot render is left out
  }
}

// Tags Exiv2 has no name for ("Exif.Sony2010e.0x000c"): undecoded maker
// note cells, thousands per file on some cameras (6,454 on a Sony NEX-3N
// JPEG, 210 KB of JSON), which nobody can read. exiftool leaves unknown
// tags out too unless asked (-u).
bool IsUnnamed(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot != std::string::npos && key.compare(dot + 1, 2, "0x") == 0;
}

template <typename Container>
void AddAll(const Container& data, nlohmann::json& out) {
  for (const auto& datum : data) {
    std::string key = datum.key();
    if (IsUnnamed(key)) continue;
    auto value = JsonValue(datum);
    if (!value) continue;
    nlohmann::json& slot = out[std::move(key)];
    if (slot.is_null()) {
      slot = std::move(*value);
    } else if (slot.is_array()) {
      slot.push_back(std::move(*value));
    } else {
      slot = nlohmann::json::array({std::move(slot), std::move(*value)});
    }
  }
}

}  // namespace

std::string TagsJson(const Exiv2::ExifData& exif, const Exiv2::IptcData& iptc,
                     const Exiv2::XmpData& xmp) {
  nlohmann::json out = nlohmann::json::object();
  AddAll(exif, out);
  AddAll(iptc, out);
  AddAll(xmp, out);
  if (out.empty()) return "";
  // ToUtf8 already made every value valid; `replace` is the safety net for
  // keys (Exiv2 builds them from tag tables, so they are ASCII).
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace phodex::media::exiv2
