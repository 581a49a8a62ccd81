#pragma once
// A 128-bit content hash (XXH3-128). Stored as 16 bytes in canonical
// (big-endian) order, shown as 32 lowercase hex digits, as `xxhsum -H2`
// prints it. Value type; thread-compatible.

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace phodex {

struct ContentHash {
  uint64_t high = 0;
  uint64_t low = 0;
  friend bool operator==(const ContentHash&, const ContentHash&) = default;

  // 16 bytes, big-endian high then low.
  std::string ToBytes() const;
  static std::optional<ContentHash> FromBytes(std::string_view bytes);
  std::string ToHex() const;
  // 32 lowercase or uppercase hex digits; nullopt for anything else.
  static std::optional<ContentHash> FromHex(std::string_view hex);
  friend auto operator<=>(const ContentHash&, const ContentHash&) = default;
};

// Lowercase hex of arbitrary bytes (SHA-256 digests).
std::string HexOf(std::string_view bytes);

}  // namespace phodex

// For unordered containers keyed by content. The hash is already uniform.
template <>
struct std::hash<phodex::ContentHash> {
  size_t operator()(const phodex::ContentHash& h) const noexcept {
    return static_cast<size_t>(h.low ^ (h.high * 0x9e3779b97f4a7c15ull));
  }
};
