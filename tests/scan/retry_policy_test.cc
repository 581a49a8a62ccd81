// The one retry policy of the scan, the pixel pass and rating.

#include "scan/retry_policy.h"

#include <gtest/gtest.h>

namespace phodex::scan {
namespace {

TEST(RetryPolicy, ContentFaultsAreDoneEverythingElseIsRetried) {
  struct Case {
    ErrorCode code;
    bool done;
  };
  const Case cases[] = {
      {ErrorCode::kContentFault, true},  // corrupt, truncated, mislabelled
      {ErrorCode::kUnsupported, true},   // no decoder reads the format
      {ErrorCode::kInternal, false},     // crashed once, out of memory
      {ErrorCode::kTimedOut, false},     // a busy machine
      {ErrorCode::kCorrupt, false},      // a malformed worker reply
      {ErrorCode::kIo, false},
      {ErrorCode::kPermissionDenied, false},
      {ErrorCode::kBusy, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RecordAsDone(Error(c.code, "x", "read metadata", "/a.jpg")),
              c.done)
        << ErrorCodeName(c.code);
  }
}

}  // namespace
}  // namespace phodex::scan
