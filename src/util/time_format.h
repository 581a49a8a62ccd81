#pragma once
// Formatting of timestamps. Times inside phodex are int64 nanoseconds since
// the Unix epoch (UTC); they are rendered only at the edges.
// Thread-safe.

#include <cstdint>
#include <string>

namespace phodex::util {

// RFC 3339 in UTC with nanoseconds: "2024-05-01T12:34:56.123456789Z".
std::string Rfc3339Utc(int64_t unix_ns);

// RFC 3339 in the local time zone with its offset, seconds precision:
// "2024-05-01T14:34:56+02:00". For human output.
std::string Rfc3339Local(int64_t unix_ns);

// "1.23 s", "4 min 05 s", "2 h 03 min"
std::string HumanDuration(double seconds);

}  // namespace phodex::util
