#include "app/exit_status.h"

#include <gtest/gtest.h>

namespace phodex::app {
namespace {

// docs/cli.md, "Exit statuses": what each error code ends a command with.
TEST(ExitStatus, EachErrorCodeHasItsStatus) {
  const std::pair<ErrorCode, int> table[] = {
      {ErrorCode::kBusy, 3},          {ErrorCode::kCorrupt, 6},
      {ErrorCode::kCancelled, 130},   {ErrorCode::kNotFound, 1},
      {ErrorCode::kPermissionDenied, 1}, {ErrorCode::kAlreadyExists, 1},
      {ErrorCode::kInvalidArgument, 1},  {ErrorCode::kIo, 1},
      {ErrorCode::kUnsupported, 1},   {ErrorCode::kTimedOut, 1},
      {ErrorCode::kInternal, 1},
  };
  for (const auto& [code, status] : table) {
    EXPECT_EQ(ExitStatusFor(Error(code, "x")), status)
        << static_cast<int>(code);
  }
}

}  // namespace
}  // namespace phodex::app
