#include "core/types.h"

#include <gtest/gtest.h>

namespace phodex {
namespace {

TEST(FileTime, IsNormalisedAndOrderedChronologically) {
  EXPECT_EQ(FileTime::FromNanos(-1), (FileTime{-1, 999'999'999}));
  EXPECT_EQ(FileTime::FromNanos(1'500'000'000), (FileTime{1, 500'000'000}));
  EXPECT_EQ(FileTime::FromParts(5, -1), (FileTime{4, 999'999'999}));
  EXPECT_EQ(FileTime::FromParts(5, 2'000'000'001), (FileTime{7, 1}));
  EXPECT_LT((FileTime{-1, 999'999'999}), (FileTime{0, 0}));
  EXPECT_LT((FileTime{9'223'372'036, 854'775'807}),  // int64 ns's last
            (FileTime{15'031'569'600, 0}));
  EXPECT_LT((FileTime{15'031'569'600, 0}), (FileTime{15'031'569'600, 1}));
}

}  // namespace
}  // namespace phodex
