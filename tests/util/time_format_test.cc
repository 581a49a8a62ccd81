#include "util/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

namespace phodex::util {
namespace {

TEST(TimeFormat, Rfc3339UtcKeepsNanoseconds) {
  EXPECT_EQ(Rfc3339Utc(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339Utc(1'714'566'896'123'456'789),
            "2024-05-01T12:34:56.123456789Z");
  // Before the epoch (old scans of film negatives have odd mtimes).
  EXPECT_EQ(Rfc3339Utc(-1), "1969-12-31T23:59:59.999999999Z");
}

// File times as seconds + nanoseconds: every year a file system holds.
TEST(TimeFormat, Rfc3339UtcOfSecondsCoversEveryYear) {
  struct Case {
    int64_t sec;
    int32_t nsec;
    const char* want;
  };
  for (const Case& c : {
           Case{0, 0, "1970-01-01T00:00:00.000000000Z"},
           Case{1'714'566'896, 123'456'789, "2024-05-01T12:34:56.123456789Z"},
           // Past int64 nanoseconds (2262-04-11): ext4 holds up to 2446.
           Case{15'031'569'600, 5, "2446-05-01T12:00:00.000000005Z"},
           Case{16'985'659'135, 999'999'999, "2508-04-03T06:38:55.999999999Z"},
           // Before int64 nanoseconds (1677-09-21) and before the epoch.
           Case{-3'453'926'400, 0, "1860-07-20T00:00:00.000000000Z"},
           Case{-2'208'988'800, 0, "1900-01-01T00:00:00.000000000Z"},
           Case{-1, 500'000'000, "1969-12-31T23:59:59.500000000Z"},
           Case{-62'135'596'800, 0, "0001-01-01T00:00:00.000000000Z"},
           // Leap days, also in a year divisible by 400 and not by 100.
           Case{951'782'400, 0, "2000-02-29T00:00:00.000000000Z"},
           Case{4'107'542'400, 0, "2100-03-01T00:00:00.000000000Z"},
           // Four digits to 9999; the expanded form beyond.
           Case{253'402'300'799, 0, "9999-12-31T23:59:59.000000000Z"},
           Case{253'402'300'800, 0, "+010000-01-01T00:00:00.000000000Z"},
           Case{-62'167'219'200, 0, "0000-01-01T00:00:00.000000000Z"},
           Case{-62'167'219'201, 0, "-000001-12-31T23:59:59.000000000Z"},
       }) {
    EXPECT_EQ(Rfc3339Utc(c.sec, c.nsec), c.want) << c.sec;
  }
}

TEST(TimeFormat, TheEndsOfInt64SecondsFormatWithoutOverflow) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(Rfc3339Utc(max, 999'999'999),
            "+292277026596-12-04T15:30:07.999999999Z");
  EXPECT_EQ(Rfc3339Utc(min, 0), "-292277022657-01-27T08:29:52.000000000Z");
  EXPECT_EQ(Rfc3339Local(max, 0).substr(0, 13), "+292277026596");
  // The ends of int64 nanoseconds still format as before.
  EXPECT_EQ(Rfc3339Utc(max), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(Rfc3339Utc(min), "1677-09-21T00:12:43.145224192Z");
}

// Sets TZ for the test's scope.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

TEST(TimeFormat, Rfc3339LocalShowsTheZoneForEveryYear) {
  ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(Rfc3339Local(1'714'566'896, 0), "2024-05-01T14:34:56+02:00");
  EXPECT_EQ(Rfc3339Local(1'714'566'896'123'456'789),
            "2024-05-01T14:34:56+02:00");
  EXPECT_EQ(Rfc3339Local(15'031'569'600, 5), "2446-05-01T14:00:00+02:00");
  EXPECT_EQ(Rfc3339Local(-2'208'988'800, 0), "1900-01-01T01:00:00+01:00");
  ScopedTz west("EST5");
  EXPECT_EQ(Rfc3339Local(0, 0), "1969-12-31T19:00:00-05:00");
}

}  // namespace
}  // namespace phodex::util
