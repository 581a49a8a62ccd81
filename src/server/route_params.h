#pragma once
// Parsing what routes take, the same way everywhere: ids, limits, cursors,
// folder rels. Thread-safe free functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/media_kind.h"
#include "server/http_types.h"

namespace phodex::server {

// A catalog id: plain decimal, 1..2^63-1, no sign, no leading zero ("0",
// "-1", "1e3", "abc", "007" and overflows are not ids: such a segment
// names no row, and the route answers 404).
std::optional<int64_t> ParseId(std::string_view text);

// The `limit` query parameter: ParseLimit in server/paging.h.

// A cursor is opaque to clients: its bytes as lower-case hex. Decoding
// fails on anything else (the route then answers 400).
std::string EncodeOpaqueCursor(std::string_view raw);
std::optional<std::string> DecodeOpaqueCursor(std::string_view text);
// The same, decoding with a problem's message: kInvalidArgument "not a
// cursor of this list".
inline std::string EncodeCursor(std::string_view key) {
  return EncodeOpaqueCursor(key);
}
Result<std::string> DecodeCursor(std::string_view cursor);

// A folder or file inside a root as the catalog stores it: relative, no
// "." or ".." segment, no empty segment, no NUL. "" (the root) is safe.
bool IsSafeRel(std::string_view rel);

// "photo", "raw", "video", "sidecar", "other".
std::optional<MediaKind> ParseMediaKindParam(std::string_view text);

}  // namespace phodex::server
