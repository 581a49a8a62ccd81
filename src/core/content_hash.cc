#include "core/content_hash.h"

namespace phodex {

std::string ContentHash::ToBytes() const {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(high >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(low >> (56 - 8 * i));
  }
  return out;
}

std::optional<ContentHash> ContentHash::FromBytes(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  ContentHash h;
  for (int i = 0; i < 8; ++i) {
    h.high = (h.high << 8) | static_cast<unsigned char>(bytes[i]);
    h.low = (h.low << 8) | static_cast<unsigned char>(bytes[8 + i]);
  }
  return h;
}

std::string ContentHash::ToHex() const { return HexOf(ToBytes()); }

std::optional<ContentHash> ContentHash::FromHex(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  std::string bytes(16, '\0');
  for (size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    bytes[i / 2] = static_cast<char>(bytes[i / 2] | (v << (i % 2 ? 0 : 4)));
  }
  return FromBytes(bytes);
}

std::string HexOf(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace phodex
