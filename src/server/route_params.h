#pragma once
// Reading the parts of a request every resource reads the same way: ids
// in the path, `limit`, opaque keyset cursors. Thread-safe free functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "server/http_types.h"

namespace phodex::server {

// A row id as a path segment: 1..2^63-1 in plain decimal (no sign, no
// leading zero, no spaces). nullopt for anything else: such a segment
// names no row, and the route answers 404.
std::optional<int64_t> ParseId(std::string_view segment);

// The `limit` query parameter: `fallback` when absent; kInvalidArgument
// when it is not an integer in 1..max.
Result<size_t> ParseLimit(const Request& request, size_t fallback, size_t max);

// A cursor is the last key of a page as lower-case hex: opaque to
// clients, byte-exact for any key. Decode: kInvalidArgument for what no
// page gave (odd length, a non-hex digit, over 8 KiB).
std::string EncodeCursor(std::string_view key);
Result<std::string> DecodeCursor(std::string_view cursor);

}  // namespace phodex::server
