#pragma once
// Text helpers that know nothing about photos.
// All functions are pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phodex::util {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

// Returns `s` unchanged when it is valid UTF-8; otherwise every byte that is
// not part of a valid sequence becomes "\xNN" and a literal backslash becomes
// "\\". The result is always valid UTF-8, so it can go into JSON and
// terminals. File names are stored byte-exact; this is only for display.
std::string EscapeBytes(std::string_view s);

// ASCII lower-casing (extensions, names); leaves other bytes alone.
std::string AsciiLower(std::string_view s);

// Extension of a file name without the dot, lower-cased; "" if none.
// "IMG_1.CR2" -> "cr2", ".hidden" -> "", "a.tar.gz" -> "gz".
std::string LowerExtension(std::string_view name);

// Shell-style glob match (fnmatch(3) semantics, `*` does not cross '/').
bool GlobMatch(std::string_view pattern, std::string_view text);

// "1,234,567"
std::string GroupThousands(uint64_t n);

// "1.5 GiB", "12 KiB", "17 B"
std::string HumanBytes(uint64_t bytes);

}  // namespace phodex::util
