#include "util/time_format.h"

#include <gtest/gtest.h>

namespace phodex::util {
namespace {

TEST(TimeFormat, Rfc3339UtcKeepsNanoseconds) {
  EXPECT_EQ(Rfc3339Utc(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339Utc(1'714'566'896'123'456'789),
            "2024-05-01T12:34:56.123456789Z");
  // Before the epoch (old scans of film negatives have odd mtimes).
  EXPECT_EQ(Rfc3339Utc(-1), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace phodex::util
