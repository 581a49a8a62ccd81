#include "library/operation_output.h"

#include <gtest/gtest.h>

namespace phodex::library {
namespace {

std::vector<catalog::Operation> OpsOfTypes(
    std::initializer_list<const char*> types) {
  std::vector<catalog::Operation> ops;
  for (const char* t : types) ops.emplace_back().type = t;
  return ops;
}

TEST(OperationTypeWidth, ShortTypesKeepTheOldColumn) {
  EXPECT_EQ(OperationTypeWidth({}), 6);
  EXPECT_EQ(OperationTypeWidth(OpsOfTypes({"scan", "thumbs", "watch"})), 6);
}

TEST(OperationTypeWidth, FitsTheLongestType) {
  EXPECT_EQ(OperationTypeWidth(OpsOfTypes({"scan", "startup"})), 7);
  EXPECT_EQ(OperationTypeWidth(OpsOfTypes({"scheduled", "overflow"})), 9);
  EXPECT_EQ(OperationTypeWidth(OpsOfTypes({"scan", "drive-returned"})), 14);
}

}  // namespace
}  // namespace phodex::library
