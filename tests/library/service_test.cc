// library::Service (the engine of `phodex serve`) on a real temporary tree
// and SQLite catalog, a fake watcher whose events the tests push by hand,
// and a FakeClock stepped by hand: RunOnce never waits (STYLE rule 13).

#include "library/service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>

#include "imaging/renderer.h"
#include "library/roots.h"
#include "scan/root_identity.h"
#include "tests/fakes/fake_watcher.h"
#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using watch::WatchEvent;

// A metadata "pool" that sets a cancel flag on its first read: a
// cancellation in the middle of a piece of work.
class CancellingMetadata final : public media::MetadataReader {
 public:
  explicit CancellingMetadata(jobs::CancelSource& source) : source_(source) {}
  Result<MediaMetadata> Read(const std::string&, MediaKind) override {
    source_.Cancel();
    return MediaMetadata{};
  }

 private:
  jobs::CancelSource& source_;
};

// Every decode gives a thumbnail (and a 2x1 source).
class ThumbRenderer final : public imaging::PixelRenderer {
 public:
  Result<imaging::Rendered> Render(const imaging::RenderRequest& r) override {
    imaging::Rendered out{.source_width = 2, .source_height = 1};
    out.outputs.assign(r.outputs.size(), "thumbnail");
    return out;
  }
};

class ServiceTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    // Files written now were last changed long before the fake "now", so
    // they are settled at the first look (local clocks) unless a test
    // asks for two looks (remote clocks).
    clock_.SetUnixNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     int64_t{3600} * 1'000'000'000);
    std::filesystem::create_directories(dir_ / "lib");
    auto added = AddRoot(*lib_, {dir_ / "lib", "lib"});
    ASSERT_TRUE(added) << added.error().ToString();
    root_ = added->root;
    options_.schedule.seed = 1;
    options_.schedule.jitter = 0;
    options_.thumbs = false;
  }

  // The library over the same parts, with `adjust` applied.
  void Rebuild(const std::function<void(Parts&)>& adjust) {
    Parts parts;
    parts.catalog = &lib_->catalog();
    parts.fs = &lib_->fs();
    parts.clock = &lib_->clock();
    parts.locks = &lib_->locks();
    parts.data = lib_->data();
    parts.config = lib_->config();
    adjust(parts);
    lib_ = std::make_unique<Library>(std::move(parts));
  }

  void StartService() {
    auto s = Service::Start(*lib_, watcher_, options_);
    ASSERT_TRUE(s) << s.error().ToString();
    service_ = std::move(*s);
  }
  // Starts the service and lets its startup reconciliation run.
  void StartAndReconcile() {
    StartService();
    Step(0s);
  }
  // The clock moves on by `d`, then one turn.
  void Step(std::chrono::nanoseconds d,
            jobs::CancelToken cancel = jobs::CancelToken()) {
    clock_.Advance(d);
    ASSERT_TRUE(service_->RunOnce(0ms, cancel));
  }

  // A JPEG at lib/<rel> whose content is `body`.
  void WriteJpeg(const std::string& rel, const std::string& body) {
    Write("lib/" + rel, "\xff\xd8\xff\xe0" + body);
  }
  void Event(WatchEvent::Kind kind, const std::string& dir,
             const std::string& name,
             WatchEvent::Entry entry = WatchEvent::Entry::kFile,
             uint32_t cookie = 0) {
    WatchEvent e;
    e.kind = kind;
    e.root = root_.id;
    e.dir = dir;
    e.name = name;
    e.entry = entry;
    e.cookie = cookie;
    watcher_.Push({std::move(e)});
  }

  std::vector<std::string> Rels(catalog::FileQuery::Presence p =
                                    catalog::FileQuery::Presence::kPresent) {
    catalog::FileQuery q;
    q.presence = p;
    std::vector<std::string> out;
    EXPECT_TRUE(catalog_->ForEachFile(
        q, [&](const catalog::FileRow& r) { out.push_back(r.rel); }));
    return out;
  }
  catalog::FileRow Row(const std::string& rel) {
    catalog::FileQuery q;
    q.presence = catalog::FileQuery::Presence::kAll;
    catalog::FileRow out;
    EXPECT_TRUE(catalog_->ForEachFile(q, [&](const catalog::FileRow& r) {
      if (r.rel == rel) out = r;
    }));
    return out;
  }
  // Operations, oldest first.
  std::vector<catalog::Operation> Ops() {
    auto ops = catalog_->ListOperations(1000);
    EXPECT_TRUE(ops);
    std::vector<catalog::Operation> out = ops ? *ops : decltype(out){};
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> OpTypes() {
    std::vector<std::string> out;
    for (const catalog::Operation& op : Ops()) out.push_back(op.type);
    return out;
  }
  int64_t Added() {
    int64_t n = 0;
    for (const catalog::Operation& op : Ops()) n += op.counts.added;
    return n;
  }

  // Whether the watcher watches `root` now.
  bool Watched(RootId root) {
    for (const watch::RootWatchState& s : watcher_.States()) {
      if (s.root == root) return true;
    }
    return false;
  }

  catalog::Root root_;
  testing::FakeWatcher watcher_;
  ServiceOptions options_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, StartupReconciliationIsRecordedAsStartup) {
  WriteJpeg("a/1.jpg", "one");
  WriteJpeg("2.jpg", "two");
  StartAndReconcile();
  EXPECT_TRUE(Watched(root_.id));
  EXPECT_THAT(Rels(), ElementsAre("2.jpg", "a/1.jpg"));
  const std::vector<catalog::Operation> ops = Ops();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, "startup");
  EXPECT_EQ(ops[0].status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(ops[0].counts.added, 2);

  const ServiceStatus s = service_->Snapshot();
  ASSERT_EQ(s.roots.size(), 1u);
  EXPECT_EQ(s.roots[0].method, watch::WatchMethod::kInotify);
  EXPECT_TRUE(s.roots[0].last_reconcile_ns);
  EXPECT_TRUE(s.roots[0].next_reconcile_ns);
  EXPECT_FALSE(s.roots[0].reconciling);
  EXPECT_TRUE(s.queue.empty());  // no job queue yet

  // Asked for: a "manual" one at the next turn.
  service_->RequestReconcile(root_.id);
  Step(0s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "manual"));
}

TEST_F(ServiceTest, PhodexOwnFilesAndTheExclusionsAreNotWatched) {
  // A data folder inside the root.
  const std::string lib_real = lib_->fs().RealPath(dir_ / "lib").value();
  std::filesystem::create_directories(lib_real + "/app/data");
  Rebuild([&](Parts& parts) {
    parts.data = DataFolderBeside(lib_real + "/app/data/catalog.db");
    parts.config.scan_exclude = {"*.psd"};
  });
  StartService();
  const watch::WatchOptions o = watcher_.add_root_calls().back().options;
  EXPECT_THAT(o.exclude, ::testing::Contains("*.psd"));
  EXPECT_THAT(o.exclude, ::testing::Contains("app/data"));
  EXPECT_THAT(o.exclude, ::testing::Contains("app/data/catalog.db-wal"));
  EXPECT_FALSE(o.include_hidden);
}

TEST_F(ServiceTest, NewFileIsCataloguedAfterTheDelayAndNotBefore) {
  StartAndReconcile();
  WriteJpeg("a/new.jpg", "new");
  Event(WatchEvent::Kind::kCreated, "", "a", WatchEvent::Entry::kFolder);
  Event(WatchEvent::Kind::kCreated, "a", "new.jpg");
  Step(0s);  // the events are taken in
  Step(1s);
  EXPECT_THAT(Rels(), IsEmpty());
  Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("a/new.jpg"));
  EXPECT_EQ(Ops().back().type, "watch");
  EXPECT_EQ(Ops().back().status, catalog::OperationStatus::kCompleted);
}

// A polled root is a network share: its ctimes are another machine's,
// so a new file there waits for a second look, however old its ctime.
TEST_F(ServiceTest, OnAPolledRootOnlyTwoLooksSettleAFile) {
  watch::RootWatchState polled;
  polled.root = root_.id;
  polled.method = watch::WatchMethod::kPolling;
  polled.reason = "nfs4 is polled";
  watcher_.SetAddRootResult(root_.id, polled);
  StartAndReconcile();
  WriteJpeg("share.jpg", "share");  // its ctime is an hour before the clock
  Event(WatchEvent::Kind::kModified, "", "");
  Step(0s);
  Step(2s);  // due and looked at once: not settled yet
  EXPECT_THAT(Rels(), IsEmpty());
  for (int i = 0; i < 3; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("share.jpg"));
}

TEST_F(ServiceTest, FileStillBeingWrittenIsCataloguedOnceSettled) {
  options_.settle.clocks = watch::SettleOptions::Clocks::kRemote;
  StartAndReconcile();
  WriteJpeg("video.jpg", "part one");
  Event(WatchEvent::Kind::kCreated, "", "video.jpg");
  Step(0s);
  Step(2s);  // the first look: not settled
  EXPECT_THAT(Rels(), IsEmpty());
  EXPECT_EQ(service_->Snapshot().settling_files, 1);
  WriteJpeg("video.jpg", "part one, part two, and the rest of it");
  Event(WatchEvent::Kind::kModified, "", "video.jpg");
  Step(0s);
  Step(2s);  // changed since
  EXPECT_THAT(Rels(), IsEmpty());
  for (int i = 0; i < 3; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("video.jpg"));
  EXPECT_EQ(Row("video.jpg").size,
            static_cast<int64_t>(std::filesystem::file_size(dir_ /
                                                            "lib/video.jpg")));
  EXPECT_EQ(Added(), 1);
  EXPECT_EQ(service_->Snapshot().settling_files, 0);
}

TEST_F(ServiceTest, KnownFileBeingRewrittenIsLeftAloneUntilSettled) {
  options_.settle.clocks = watch::SettleOptions::Clocks::kRemote;
  WriteJpeg("photo.jpg", "old");
  StartService();
  Step(0s);  // startup: held (a first look)
  for (int i = 0; i < 3; ++i) Step(1s);
  const catalog::FileRow before = Row("photo.jpg");
  ASSERT_TRUE(before.id.value != 0);
  WriteJpeg("photo.jpg", "new and longer content");
  Event(WatchEvent::Kind::kModified, "", "photo.jpg");
  Step(0s);
  Step(2s);
  catalog::FileRow now = Row("photo.jpg");
  EXPECT_EQ(now.size, before.size);
  EXPECT_EQ(now.removed_ns, std::nullopt);
  for (int i = 0; i < 3; ++i) Step(1s);
  now = Row("photo.jpg");
  EXPECT_EQ(now.id, before.id);
  EXPECT_GT(now.size, before.size);
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
}

TEST_F(ServiceTest, DeleteIsMarkedRemovedOnlyAfterTheHold) {
  WriteJpeg("gone.jpg", "gone");
  WriteJpeg("stays.jpg", "stays");
  StartAndReconcile();
  std::filesystem::remove(dir_ / "lib/gone.jpg");
  Event(WatchEvent::Kind::kRemoved, "", "gone.jpg");
  Step(0s);
  Step(2s);
  Step(5s);
  EXPECT_THAT(Rels(), ElementsAre("gone.jpg", "stays.jpg"));
  Step(3s);
  EXPECT_THAT(Rels(), ElementsAre("stays.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved),
              ElementsAre("gone.jpg"));
}

TEST_F(ServiceTest, EditorSaveKeepsTheId) {
  WriteJpeg("photo.jpg", "before the edit");
  StartAndReconcile();
  const catalog::FileRow before = Row("photo.jpg");
  // Written beside, then renamed over the original.
  WriteJpeg("photo.jpg.tmp", "after the edit, longer");
  Event(WatchEvent::Kind::kCreated, "", "photo.jpg.tmp");
  Event(WatchEvent::Kind::kModified, "", "photo.jpg.tmp");
  std::filesystem::rename(dir_ / "lib/photo.jpg.tmp", dir_ / "lib/photo.jpg");
  Event(WatchEvent::Kind::kMovedFrom, "", "photo.jpg.tmp",
        WatchEvent::Entry::kFile, 5);
  Event(WatchEvent::Kind::kMovedTo, "", "photo.jpg", WatchEvent::Entry::kFile,
        5);
  for (int i = 0; i < 12; ++i) Step(1s);
  const catalog::FileRow after = Row("photo.jpg");
  EXPECT_EQ(after.id, before.id);
  EXPECT_GT(after.size, before.size);
  EXPECT_THAT(Rels(), ElementsAre("photo.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
}

TEST_F(ServiceTest, FolderRenameKeepsIds) {
  WriteJpeg("trip/1.jpg", "one");
  WriteJpeg("trip/2.jpg", "two");
  WriteJpeg("other.jpg", "other");
  StartAndReconcile();
  const FileId one = Row("trip/1.jpg").id;
  const FileId two = Row("trip/2.jpg").id;
  std::filesystem::rename(dir_ / "lib/trip", dir_ / "lib/Trip 2026");
  Event(WatchEvent::Kind::kMovedFrom, "", "trip", WatchEvent::Entry::kFolder,
        9);
  Event(WatchEvent::Kind::kMovedTo, "", "Trip 2026",
        WatchEvent::Entry::kFolder, 9);
  for (int i = 0; i < 12; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("Trip 2026/1.jpg", "Trip 2026/2.jpg",
                                  "other.jpg"));
  EXPECT_EQ(Row("Trip 2026/1.jpg").id, one);
  EXPECT_EQ(Row("Trip 2026/2.jpg").id, two);
}

// ... at once: an overflow's rescan does not wait the aggregation delay
// (only the schedule's backoff, for overflows that keep coming).
TEST_F(ServiceTest, OverflowLeadsToAReconciliationOfTypeOverflow) {
  StartAndReconcile();
  WriteJpeg("missed.jpg", "an event the kernel dropped");
  WatchEvent e;
  e.kind = WatchEvent::Kind::kOverflow;
  e.root = root_.id;
  watcher_.Push({e});
  Step(0s);
  EXPECT_THAT(Rels(), ElementsAre("missed.jpg"));
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "overflow"));
}

// A look that changed nothing leaves no "watch" operation: a folder whose
// only file is still being written, an empty new folder, a folder as the
// catalog has it. The look that adds the file is recorded.
TEST_F(ServiceTest, WatchWorkThatChangedNothingLeavesNoOperation) {
  options_.settle.clocks = watch::SettleOptions::Clocks::kRemote;
  WriteJpeg("old.jpg", "old");
  StartService();
  Step(0s);  // startup: held (a first look)
  for (int i = 0; i < 3; ++i) Step(1s);
  ASSERT_THAT(Rels(), ElementsAre("old.jpg"));
  const size_t before = Ops().size();
  WriteJpeg("video.jpg", "part one");
  Event(WatchEvent::Kind::kCreated, "", "video.jpg");
  std::filesystem::create_directories(dir_ / "lib/empty");
  Event(WatchEvent::Kind::kCreated, "", "empty", WatchEvent::Entry::kFolder);
  Step(0s);
  Step(2s);  // the first look: held; the new folder: empty
  EXPECT_THAT(Rels(), ElementsAre("old.jpg"));
  EXPECT_EQ(Ops().size(), before);
  for (int i = 0; i < 3; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("old.jpg", "video.jpg"));
  ASSERT_EQ(Ops().size(), before + 1);
  EXPECT_EQ(Ops().back().type, "watch");
  EXPECT_EQ(Ops().back().counts.added, 1);
}

// Finished jobs do not pile up: completed and cancelled ones older than
// the retention are deleted at start and about hourly; failed ones, and
// what waits, stay.
TEST_F(ServiceTest, OldFinishedJobsArePrunedHourly) {
  constexpr int64_t kDayNs = int64_t{86'400} * 1'000'000'000;
  catalog::JobQueue& q = lib_->catalog();
  // A job of `kind` that ended `age_ns` before the clock's now, as
  // `outcome` (nullopt: cancelled).
  auto job = [&](const std::string& kind, int64_t age_ns,
                 std::optional<catalog::JobOutcome::Kind> outcome) {
    const int64_t at = clock_.NowUnixNs() - age_ns;
    ASSERT_TRUE(q.EnqueueJobs({{.kind = kind}}, at));
    if (!outcome) {
      ASSERT_TRUE(q.CancelJobs({.kind = kind}, at));
      return;
    }
    auto claimed = q.ClaimJobs(
        {.kind = kind, .max_jobs = 1, .owner = "t", .now_ns = at,
         .lease_ns = kDayNs});
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);
    ASSERT_TRUE(q.FinishJobs(
        {{.lease = {(*claimed)[0].id, (*claimed)[0].lease_token},
          .kind = *outcome}},
        at));
  };
  using K = catalog::JobOutcome::Kind;
  job("old-done", 8 * kDayNs, K::kCompleted);
  job("old-cancelled", 8 * kDayNs, std::nullopt);
  job("old-failed", 8 * kDayNs, K::kFailed);
  job("new-done", 7 * kDayNs - 1800 * int64_t{1'000'000'000}, K::kCompleted);
  ASSERT_TRUE(q.EnqueueJobs({{.kind = "waiting"}}, clock_.NowUnixNs() -
                                                       30 * kDayNs));
  auto kinds = [&] {
    std::vector<std::string> out;
    const auto jobs = q.ListJobs({});
    EXPECT_TRUE(jobs);
    for (const catalog::Job& j : jobs.value_or(std::vector<catalog::Job>{})) {
      out.push_back(j.kind);
    }
    return out;
  };
  StartAndReconcile();
  EXPECT_THAT(kinds(), ElementsAre("old-failed", "new-done", "waiting"));
  Step(30min);  // not yet looked at again
  EXPECT_THAT(kinds(), ElementsAre("old-failed", "new-done", "waiting"));
  Step(31min);
  EXPECT_THAT(kinds(), ElementsAre("old-failed", "waiting"));
  // The status counts only what waits or runs.
  Step(1s);
  const ServiceStatus s = service_->Snapshot();
  ASSERT_EQ(s.queue.size(), 1u);
  EXPECT_EQ(s.queue[0].kind, "waiting");
}

TEST_F(ServiceTest, OfflineRootMarksNothingRemovedAndIsReconciledWhenBack) {
  options_.offline_check = 10s;
  WriteJpeg("a.jpg", "a");
  WriteJpeg("b.jpg", "b");
  StartAndReconcile();
  // The drive goes: its marker with it (as an empty mount point would be).
  const std::filesystem::path marker =
      dir_ / ("lib/" + std::string(scan::kRootMarkerName));
  const std::filesystem::path aside = dir_ / "marker-aside";
  std::filesystem::rename(marker, aside);
  std::filesystem::rename(dir_ / "lib/a.jpg", dir_ / "a-aside.jpg");
  Event(WatchEvent::Kind::kRemoved, "", "a.jpg");
  for (int i = 0; i < 12; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg", "b.jpg"));
  EXPECT_FALSE(Watched(root_.id));
  ServiceStatus s = service_->Snapshot();
  ASSERT_EQ(s.roots.size(), 1u);
  EXPECT_EQ(s.roots[0].method, watch::WatchMethod::kOffline);
  EXPECT_FALSE(s.roots[0].next_reconcile_ns);
  EXPECT_THAT(OpTypes(), ElementsAre("startup"));

  // Back, without a.jpg: reconciled by itself, and only now is a.jpg gone.
  std::filesystem::rename(aside, marker);
  for (int i = 0; i < 11; ++i) Step(1s);
  EXPECT_TRUE(Watched(root_.id));
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "drive-returned"));
  EXPECT_THAT(Rels(), ElementsAre("b.jpg"));
  s = service_->Snapshot();
  EXPECT_EQ(s.roots[0].method, watch::WatchMethod::kInotify);
}

TEST_F(ServiceTest, ABusyRootWaitsForTheOtherScan) {
  StartAndReconcile();
  auto held = locks_.LockRoot(root_.id, catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);  // a `phodex scan` of the root
  WriteJpeg("new.jpg", "new");
  Event(WatchEvent::Kind::kCreated, "", "new.jpg");
  Step(0s);
  for (int i = 0; i < 4; ++i) Step(1s);
  EXPECT_THAT(Rels(), IsEmpty());
  held->reset();
  for (int i = 0; i < 6; ++i) Step(1s);
  EXPECT_THAT(Rels(), ElementsAre("new.jpg"));
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "watch"));
}

// A folder's work retried after a busy root does not drop what the
// watcher told meanwhile about the root's other folders.
TEST_F(ServiceTest, ARetriedFolderKeepsTheRootsOtherPendingEvents) {
  StartAndReconcile();
  auto held = locks_.LockRoot(root_.id, catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);
  WriteJpeg("new.jpg", "new");
  Event(WatchEvent::Kind::kCreated, "", "new.jpg");
  Step(0s);
  for (int i = 0; i < 6; ++i) Step(1s);  // tried while busy: retried later
  EXPECT_THAT(Rels(), IsEmpty());
  held->reset();
  std::filesystem::create_directories(dir_ / "lib/sub");
  WriteJpeg("sub/other.jpg", "other");
  Event(WatchEvent::Kind::kCreated, "sub", "other.jpg");
  for (int i = 0; i < 8; ++i) Step(1s);
  EXPECT_THAT(Rels(), ::testing::UnorderedElementsAre("new.jpg",
                                                      "sub/other.jpg"));
}

TEST_F(ServiceTest, RootAddedWhileServingIsWatchedOnReload) {
  StartAndReconcile();
  std::filesystem::create_directories(dir_ / "more");
  Write("more/x.jpg", "\xff\xd8\xff\xe0 more");
  auto added = AddRoot(*lib_, {dir_ / "more", "more"});
  ASSERT_TRUE(added) << added.error().ToString();
  options_.aggregation.delay = 1s;
  service_->Reload(options_);
  Step(0s);
  EXPECT_TRUE(Watched(added->root.id));
  EXPECT_THAT(Rels(), ElementsAre("x.jpg"));
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "startup"));
  EXPECT_EQ(service_->Snapshot().roots.size(), 2u);
  // The new delay applies.
  WriteJpeg("y.jpg", "y");
  Event(WatchEvent::Kind::kCreated, "", "y.jpg");
  Step(0s);
  Step(1s);
  EXPECT_THAT(Rels(), ::testing::UnorderedElementsAre("x.jpg", "y.jpg"));
}

TEST_F(ServiceTest, CancellationLeavesTheOperationInterrupted) {
  WriteJpeg("1.jpg", "one");
  WriteJpeg("2.jpg", "two");
  jobs::CancelSource cancel;
  Rebuild([&](Parts& parts) {
    parts.config.metadata = true;
    parts.config.threads = 1;
    parts.workers.metadata = [&](const Config&) {
      return Result<std::unique_ptr<media::MetadataReader>>(
          std::make_unique<CancellingMetadata>(cancel));
    };
  });
  StartService();
  Step(0s, cancel.token());
  const std::vector<catalog::Operation> ops = Ops();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, "startup");
  EXPECT_EQ(ops[0].status, catalog::OperationStatus::kInterrupted);
}

TEST_F(ServiceTest, NewAndChangedFilesGetThumbnails) {
  Rebuild([](Parts& parts) {
    parts.workers.pixels = [](const Config&) {
      return Result<std::unique_ptr<imaging::PixelRenderer>>(
          std::make_unique<ThumbRenderer>());
    };
  });
  options_.thumbs = true;
  WriteJpeg("a.jpg", "a");
  StartAndReconcile();
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "thumbs"));
  WriteJpeg("b.jpg", "b");
  Event(WatchEvent::Kind::kCreated, "", "b.jpg");
  Step(0s);
  Step(2s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "thumbs", "watch", "thumbs"));
  // Nothing new: no pixel stage.
  service_->RequestReconcile(root_.id);
  Step(0s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "thumbs", "watch", "thumbs",
                                     "manual"));
}

TEST(ServiceOptionsFor, ReadsTheServeSection) {
  Config config;
  config.serve_delay_s = 0.5;
  config.serve_delete_hold_s = 20;
  config.serve_settle_s = 3;
  config.serve_folder_storm = 10;
  config.serve_root_storm = 40;
  config.serve_reconcile_interval_s = 600;
  config.serve_polled_interval_s = 7200;
  config.serve_poll_interval_s = 60;
  config.serve_thumbs = false;
  config.serve_job_retention_days = 2;
  const ServiceOptions o = ServiceOptionsFor(config);
  EXPECT_EQ(o.aggregation.delay, 500ms);
  EXPECT_EQ(o.aggregation.delete_hold, 20s);
  EXPECT_EQ(o.aggregation.folder_storm, 10);
  EXPECT_EQ(o.aggregation.root_storm, 40);
  EXPECT_EQ(o.settle.settle, 3s);
  EXPECT_EQ(o.schedule.local_interval, 600s);
  EXPECT_EQ(o.schedule.polled_interval, 7200s);
  EXPECT_EQ(o.poll_interval, 60s);
  EXPECT_FALSE(o.thumbs);
  EXPECT_EQ(o.job_retention, 48h);
  const ServiceOptions d = ServiceOptionsFor(Config{});
  EXPECT_EQ(d.aggregation.delay, 2s);
  EXPECT_EQ(d.aggregation.delete_hold, 10s);
  EXPECT_EQ(d.schedule.local_interval, 1h);
  EXPECT_TRUE(d.thumbs);
  EXPECT_EQ(d.job_retention, std::chrono::days(7));
}

}  // namespace
}  // namespace phodex::library
