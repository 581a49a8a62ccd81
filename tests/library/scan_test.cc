#include "library/scan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

// Records what the scan told it, in order.
class RecordingSink final : public ScanSink {
 public:
  void RootAdded(const AddedRoot& added) override {
    events.push_back("added " + added.root.name);
  }
  void RootBusy(const RootScope& target, const Error& why) override {
    events.push_back("busy " + target.root.name);
    busy_code = why.code();
  }
  void RootStarting(const RootScope& target,
                    const scan::ScanProgress& /*progress*/) override {
    events.push_back("start " + target.root.name);
  }
  void RootStopped(const RootScope& target) override {
    events.push_back("stop " + target.root.name);
  }
  void RootScanned(
      const RootScope& target, const scan::ScanReport& report,
      const scan::ScanProgress& /*progress*/,
      const std::vector<catalog::Operation>& /*before*/) override {
    events.push_back("scanned " + target.root.name + " " +
                     std::to_string(report.counts.added));
  }
  std::vector<std::string> events;
  ErrorCode busy_code = ErrorCode::kOk;
};

using ScanPathsTest = LibraryTest;

TEST_F(ScanPathsTest, ScansEachRootAndReportsABusyOne) {
  Write("a/1.jpg", "\xff\xd8\xff one");
  Write("a/sub/2.jpg", "\xff\xd8\xff two");
  Write("b/3.jpg", "\xff\xd8\xff three");
  ScanPathsRequest req;
  req.paths = {dir_ / "a", dir_ / "b"};
  RecordingSink sink;
  auto first = ScanPaths(*lib_, req, sink, jobs::CancelToken());
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->status, ScanStatus::kOk);
  ASSERT_EQ(first->roots.size(), 2u);
  EXPECT_EQ(first->roots[0].status, RootScanStatus::kScanned);
  EXPECT_EQ(first->roots[0].report->counts.added, 2);
  EXPECT_EQ(first->roots[1].report->counts.added, 1);
  EXPECT_EQ(sink.events,
            (std::vector<std::string>{"added a", "added b", "start a",
                                      "stop a", "scanned a 2", "start b",
                                      "stop b", "scanned b 1"}));

  // Another process scans root b: it is skipped as busy, a is scanned.
  auto held = lib_->locks().LockRoot(first->roots[1].target.root.id,
                                     catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);
  RecordingSink again;
  auto second = ScanPaths(*lib_, {}, again, jobs::CancelToken());
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->status, ScanStatus::kBusy);
  ASSERT_EQ(second->roots.size(), 2u);
  EXPECT_EQ(second->roots[0].status, RootScanStatus::kScanned);
  EXPECT_EQ(second->roots[1].status, RootScanStatus::kBusy);
  EXPECT_FALSE(second->roots[1].report);
  EXPECT_EQ(again.busy_code, ErrorCode::kBusy);
}

TEST_F(ScanPathsTest, NothingToScanAndCancelledBeforeTheFirstRoot) {
  RecordingSink sink;
  auto none = ScanPaths(*lib_, {}, sink, jobs::CancelToken());
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, ScanStatus::kNoRoots);

  Write("c/1.jpg", "\xff\xd8\xff one");
  ScanPathsRequest req;
  req.paths = {dir_ / "c"};
  jobs::CancelSource cancel;
  cancel.Cancel();
  auto stopped = ScanPaths(*lib_, req, sink, cancel.token());
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, ScanStatus::kInterrupted);
  EXPECT_TRUE(stopped->roots.empty());
}

TEST_F(ScanPathsTest, FailedAfterRootOutranksBusy) {
  Write("a/1.jpg", "\xff\xd8\xff one");
  Write("b/2.jpg", "\xff\xd8\xff two");
  ASSERT_TRUE(AddRoot(*lib_, {dir_ / "a", ""}));
  auto b = AddRoot(*lib_, {dir_ / "b", ""});
  ASSERT_TRUE(b);
  auto held = lib_->locks().LockRoot(b->root.id, catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);
  ScanPathsRequest req;
  int after = 0;
  req.after_root = [&](const RootScope&) -> Status {
    ++after;
    return MakeError(ErrorCode::kIo, "thumbs failed");
  };
  RecordingSink sink;
  auto r = ScanPaths(*lib_, req, sink, jobs::CancelToken());
  ASSERT_TRUE(r);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(r->status, ScanStatus::kFailed);
}

}  // namespace
}  // namespace phodex::library
