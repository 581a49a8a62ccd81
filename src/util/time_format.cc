#include "util/time_format.h"

#include <cstdio>
#include <ctime>

namespace phodex::util {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kSecPerDay = 86'400;

// Floor division and its non-negative remainder, without the overflow of
// `q * d` for values near the ends of int64.
struct Split {
  int64_t quot;
  int64_t rem;  // 0 <= rem < d
};
Split FloorDiv(int64_t v, int64_t d) {
  Split s{v / d, v % d};
  if (s.rem < 0) {
    s.rem += d;
    --s.quot;
  }
  return s;
}

// The proleptic Gregorian date of a day number (days since 1970-01-01),
// after Howard Hinnant's civil_from_days: exact for every int64 second's
// day, so no gmtime() range limit (and no silent 1900-00-00).
struct Civil {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
Civil CivilFromDays(int64_t days) {
  const int64_t z = days + 719'468;  // days since 0000-03-01
  const int64_t era = FloorDiv(z, 146'097).quot;
  const auto doe = static_cast<unsigned>(z - era * 146'097);  // [0, 146096]
  const unsigned yoe =
      (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
  return {year, month, day};
}

// "YYYY-MM-DDTHH:MM:SS" of `unix_sec` (UTC), the year as the header says.
std::string DateTime(int64_t unix_sec) {
  const Split d = FloorDiv(unix_sec, kSecPerDay);
  const Civil c = CivilFromDays(d.quot);
  const auto tod = static_cast<int>(d.rem);
  const auto year = static_cast<long long>(c.year);
  char buf[64];
  const int n = c.year >= 0 && c.year <= 9999
                    ? std::snprintf(buf, sizeof buf, "%04lld", year)
                    : std::snprintf(buf, sizeof buf, "%+07lld", year);
  std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n),
                "-%02u-%02uT%02d:%02d:%02d", c.month, c.day, tod / 3600,
                tod / 60 % 60, tod % 60);
  return buf;
}

}  // namespace

std::string Rfc3339Utc(int64_t unix_ns) {
  const Split s = FloorDiv(unix_ns, kNsPerSec);
  return Rfc3339Utc(s.quot, static_cast<int32_t>(s.rem));
}

std::string Rfc3339Utc(int64_t unix_sec, int32_t nsec) {
  char frac[24];
  std::snprintf(frac, sizeof frac, ".%09dZ", nsec);
  return DateTime(unix_sec) + frac;
}

std::string Rfc3339Local(int64_t unix_ns) {
  const Split s = FloorDiv(unix_ns, kNsPerSec);
  return Rfc3339Local(s.quot, static_cast<int32_t>(s.rem));
}

std::string Rfc3339Local(int64_t unix_sec, int32_t /*nsec*/) {
  // Only the zone's offset comes from the C library; the date is ours, so
  // that it is right for every year.
  long off = 0;
  const time_t t = static_cast<time_t>(unix_sec);
  struct tm tm {};
  if (localtime_r(&t, &tm) != nullptr) off = tm.tm_gmtoff;
  const char sign = off < 0 ? '-' : '+';
  const long aoff = off < 0 ? -off : off;
  char zone[48];
  std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, aoff / 3600,
                (aoff % 3600) / 60);
  return DateTime(unix_sec + off) + zone;
}

std::string HumanDuration(double seconds) {
  char buf[64];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  } else if (seconds < 3600) {
    const int s = static_cast<int>(seconds);
    std::snprintf(buf, sizeof buf, "%d min %02d s", s / 60, s % 60);
  } else {
    const int m = static_cast<int>(seconds / 60);
    std::snprintf(buf, sizeof buf, "%d h %02d min", m / 60, m % 60);
  }
  return buf;
}

}  // namespace phodex::util
