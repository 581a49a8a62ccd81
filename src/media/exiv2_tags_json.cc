// Every tag Exiv2 read, as one JSON object for the catalog's tags column:
// {"Exif.Image.Make": "Canon", "Iptc.Application2.Keywords": ["a", "b"]}.
// Values are Exiv2's stored form as text (rationals stay "1/250"), trimmed
// and converted to UTF-8. Binary values over kMaxBinaryBytes (maker-note
// blobs, ICC profiles, embedded XMP/IPTC packets, strip offsets) and text
// over kMaxTextBytes are left out, and so are tags Exiv2 has no name for:
// they are not metadata a person reads and they would dominate the
// catalog's size.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "media/exiv2_fields.h"
#include "util/text.h"

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

// Tags in the order the JSON object lists them (sorted by key, as before),
// with every value of a repeated key.
using Collected = std::unordered_map<std::string, std::vector<std::string>>;

template <typename Container>
void AddAll(const Container& data, Collected& out) {
  for (const auto& datum : data) {
    std::string key = datum.key();
    // XMP property names come from the file; JSON keys must be UTF-8.
    if (IsUnnamed(key) || !util::IsValidUtf8(key)) continue;
    auto value = JsonValue(datum);
    if (!value) continue;
    out[std::move(key)].push_back(std::move(*value));
  }
}

// A JSON string. The text is valid UTF-8 already (ToUtf8; keys are ASCII
// from Exiv2's tables), so only quotes, backslashes and control characters
// need escaping. Written by hand rather than through a nlohmann tree: the
// tree cost 12% of a file's extraction (perf, docs/performance.md).
void AppendString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace

std::string TagsJson(const Exiv2::ExifData& exif, const Exiv2::IptcData& iptc,
                     const Exiv2::XmpData& xmp) {
  Collected tags;
  AddAll(exif, tags);
  AddAll(iptc, tags);
  AddAll(xmp, tags);
  if (tags.empty()) return "";
  std::vector<std::pair<const std::string*, const std::vector<std::string>*>>
      sorted;
  sorted.reserve(tags.size());
  for (const auto& [key, values] : tags) sorted.emplace_back(&key, &values);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::string out = "{";
  for (const auto& [key, values] : sorted) {
    if (out.size() > 1) out += ',';
    AppendString(out, *key);
    out += ':';
    if (values->size() == 1) {
      AppendString(out, values->front());
      continue;
    }
    out += '[';
    for (size_t i = 0; i < values->size(); ++i) {
      if (i > 0) out += ',';
      AppendString(out, (*values)[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace phodex::media::exiv2
