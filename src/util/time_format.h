#pragma once
// Formatting of timestamps. Times inside phodex are int64 nanoseconds since
// the Unix epoch (UTC) for clocks, and seconds plus nanoseconds for file
// times (core/types.h FileTime: any time_t); they are rendered only at the
// edges.
//
// Any int64 seconds can be formatted. Years 0000..9999 have four digits,
// as RFC 3339 wants; a year outside (a file system may hold one, e.g.
// btrfs) is written in ISO 8601's expanded form, a sign and at least six
// digits ("+010000-01-01T00:00:00Z", "-000001-12-31T00:00:00Z"), as
// JavaScript's Date writes and reads it. Years are proleptic Gregorian,
// year 0 is 1 BC.
// Thread-safe.

#include <cstdint>
#include <string>

namespace phodex::util {

// RFC 3339 in UTC with nanoseconds: "2024-05-01T12:34:56.123456789Z".
std::string Rfc3339Utc(int64_t unix_ns);
// The same of `unix_sec` seconds and `nsec` nanoseconds.
// REQUIRES: 0 <= nsec < 1'000'000'000.
std::string Rfc3339Utc(int64_t unix_sec, int32_t nsec);

// RFC 3339 in the local time zone with its offset, seconds precision:
// "2024-05-01T14:34:56+02:00". For human output. A time the C library
// cannot place in the local zone (a year past 2^31) is shown at +00:00.
std::string Rfc3339Local(int64_t unix_ns);
// The same of `unix_sec` seconds and `nsec` nanoseconds (dropped: seconds
// precision). REQUIRES: 0 <= nsec < 1'000'000'000.
std::string Rfc3339Local(int64_t unix_sec, int32_t nsec);

// "1.23 s", "4 min 05 s", "2 h 03 min"
std::string HumanDuration(double seconds);

}  // namespace phodex::util
