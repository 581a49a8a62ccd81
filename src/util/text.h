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

// For text shown to a person on a terminal (plain `ls`, `show`, `status`,
// summaries): EscapeBytes, and every control character too, each of its
// bytes as "\xNN": C0 (tab and newline included), DEL and C1
// (U+0080..U+009F). A file name or an EXIF text then cannot move the
// cursor, retitle or clear the terminal, or forge a line of output.
// Machine-readable output uses EscapeBytes (JSON escapes controls itself).
std::string EscapeForTerminal(std::string_view s);

// For text composed of parts that may or may not have been escaped (an
// error message, a value of the JSON `show` prints as text): control
// characters (newlines only with kEscape) and bytes that are not UTF-8
// become "\xNN"; everything else, backslashes included, is left as it
// is. The last safeguard before a terminal.
enum class Newline { kKeep, kEscape };
std::string EscapeControls(std::string_view s,
                           Newline newline = Newline::kKeep);

// ASCII lower-casing (extensions, names); leaves other bytes alone.
std::string AsciiLower(std::string_view s);

// Extension of a file name without the dot, lower-cased; "" if none.
// "IMG_1.CR2" -> "cr2", ".hidden" -> "", "a.tar.gz" -> "gz".
std::string LowerExtension(std::string_view name);

// Shell-style glob match (fnmatch(3) semantics, `*` does not cross '/').
bool GlobMatch(std::string_view pattern, std::string_view text);
// `text` with GlobMatch's special characters escaped: a glob that matches
// exactly `text`.
std::string GlobEscape(std::string_view text);

// "1,234,567"
std::string GroupThousands(uint64_t n);

// "1.5 GiB", "12 KiB", "17 B"
std::string HumanBytes(uint64_t bytes);

}  // namespace phodex::util
