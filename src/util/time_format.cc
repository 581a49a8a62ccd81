#include "util/time_format.h"

#include <cstdio>
#include <ctime>

namespace phodex::util {
namespace {

struct Split {
  time_t secs;
  int64_t nanos;
};

Split SplitNs(int64_t unix_ns) {
  int64_t secs = unix_ns / 1'000'000'000;
  int64_t nanos = unix_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  return {static_cast<time_t>(secs), nanos};
}

}  // namespace

std::string Rfc3339Utc(int64_t unix_ns) {
  const Split s = SplitNs(unix_ns);
  struct tm tm {};
  gmtime_r(&s.secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(s.nanos));
  return buf;
}

std::string Rfc3339Local(int64_t unix_ns) {
  const Split s = SplitNs(unix_ns);
  struct tm tm {};
  localtime_r(&s.secs, &tm);
  const long off = tm.tm_gmtoff;
  const char sign = off < 0 ? '-' : '+';
  const long aoff = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, sign, aoff / 3600, (aoff % 3600) / 60);
  return buf;
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
