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
#include "library/rate.h"
#include "library/roots.h"
#include "scan/root_identity.h"
#include "tests/fakes/fake_watcher.h"
#include "watch/watch_filter.h"
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

// The real file system, but the n-th listing (or stat) of one path first
// runs an action: a drive unmounted at that very moment, in the middle of
// a piece of the service's work.
class UnmountingFileSystem final : public os::FileSystem {
 public:
  enum class Look { kList, kStat };
  explicit UnmountingFileSystem(os::FileSystem& real) : real_(real) {}

  void At(Look look, std::string path, int nth, std::function<void()> then) {
    look_ = look;
    path_ = std::move(path);
    left_ = nth;
    then_ = std::move(then);
  }
  bool fired() const { return fired_; }

  Result<std::vector<os::DirEntry>> ListDir(const std::string& dir,
                                            os::Follow follow) override {
    Looked(Look::kList, dir);
    return real_.ListDir(dir, follow);
  }
  Result<FileStat> Stat(const std::string& path, os::Follow follow) override {
    Looked(Look::kStat, path);
    return real_.Stat(path, follow);
  }
  Result<std::unique_ptr<os::RandomAccessFile>> OpenForRead(
      const std::string& path, os::AccessPattern pattern) override {
    return real_.OpenForRead(path, pattern);
  }
  Result<std::string> RealPath(const std::string& path) override {
    return real_.RealPath(path);
  }
  Status MakeDirs(const std::string& path) override {
    return real_.MakeDirs(path);
  }
  Status AtomicWrite(const std::string& path, std::string_view data) override {
    return real_.AtomicWrite(path, data);
  }
  Status WriteCacheFile(const std::string& path,
                        std::string_view data) override {
    return real_.WriteCacheFile(path, data);
  }
  Status RemoveFile(const std::string& path) override {
    return real_.RemoveFile(path);
  }
  Status Link(const std::string& existing, const std::string& link) override {
    return real_.Link(existing, link);
  }
  Status Rename(const std::string& from, const std::string& to,
                os::Replace replace) override {
    return real_.Rename(from, to, replace);
  }
  Result<bool> IsListed(const std::string& path) override {
    return real_.IsListed(path);
  }
  Status ReplaceFile(const std::string& path,
                     const os::EditFn& edit) override {
    return real_.ReplaceFile(path, edit);
  }
  Status CopyFileDurable(const std::string& from, const std::string& to,
                         const std::string& temp) override {
    return real_.CopyFileDurable(from, to, temp);
  }
  Status SyncDir(const std::string& dir) override { return real_.SyncDir(dir); }
  Result<FileSystemIdentity> IdentifyFileSystem(
      const std::string& path) override {
    return real_.IdentifyFileSystem(path);
  }

 private:
  // Single-threaded use: the walk is given one thread by the test.
  void Looked(Look look, const std::string& path) {
    if (then_ == nullptr || look != look_ || path != path_ || --left_ > 0) {
      return;
    }
    std::function<void()> then = std::move(then_);
    then_ = nullptr;
    fired_ = true;
    then();
  }

  os::FileSystem& real_;
  Look look_ = Look::kList;
  std::string path_;
  int left_ = 0;
  std::function<void()> then_;
  bool fired_ = false;
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

  // A queued job: kind, priority, file.
  struct Job {
    std::string kind;
    int priority = 0;
    FileId file;
    bool operator==(const Job&) const = default;
    friend std::ostream& operator<<(std::ostream& os, const Job& j) {
      return os << j.kind << "@" << j.priority << " #" << j.file.value;
    }
  };
  // The queue's jobs, by id.
  std::vector<Job> Jobs() {
    auto jobs = catalog_->ListJobs({});
    EXPECT_TRUE(jobs) << jobs.error().ToString();
    std::vector<Job> out;
    for (const catalog::Job& j : *jobs) {
      out.push_back({j.kind, j.priority, j.file.value_or(FileId{0})});
    }
    return out;
  }

  void StartService() {
    auto s = Service::Start(*lib_, watcher_, options_, hooks_);
    ASSERT_TRUE(s) << s.error().ToString();
    service_ = std::move(*s);
  }
  // Starts the service with its catalog (and so its data folder) at
  // lib/<catalog_rel> and the scan exclusions `exclude`: how it had the
  // root watched.
  testing::FakeWatcher::AddRootCall StartWithCatalogAt(
      const std::string& catalog_rel, std::vector<std::string> exclude = {}) {
    const std::string catalog =
        lib_->fs().RealPath(dir_ / "lib").value() + "/" + catalog_rel;
    std::filesystem::create_directories(
        std::filesystem::path(catalog).parent_path());
    Rebuild([&](Parts& parts) {
      parts.data = DataFolderBeside(catalog);
      parts.config.scan_exclude = std::move(exclude);
    });
    StartService();
    return watcher_.add_root_calls().back();
  }
  // Which of `folders` and then `files` (rels) the watcher leaves out with
  // the options of `call` (watch/watch_filter.h).
  static std::vector<std::string> LeftOut(
      const testing::FakeWatcher::AddRootCall& call,
      const std::vector<std::string>& folders,
      const std::vector<std::string>& files) {
    const watch::WatchFilter filter(call.options, call.path);
    std::vector<std::string> out;
    for (const std::string& rel : folders) {
      const std::string name = std::filesystem::path(rel).filename();
      if (filter.ExcludesFolder(name, rel)) out.push_back(rel);
    }
    for (const std::string& rel : files) {
      const std::string name = std::filesystem::path(rel).filename();
      if (filter.ExcludesFile(name, rel)) out.push_back(rel);
    }
    return out;
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
  ServiceHooks hooks_;
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
  const auto call = StartWithCatalogAt("app/data/catalog.db", {"*.psd"});
  const watch::WatchOptions& o = call.options;
  EXPECT_THAT(o.exclude, ::testing::Contains("*.psd"));
  EXPECT_FALSE(o.include_hidden);
  EXPECT_THAT(
      LeftOut(call, {"app/data", "app/data/thumbs", "2019/data"},
              {"app/data/catalog.db-wal", "2019/x.psd", "2019/x.jpg"}),
      ElementsAre("app/data", "app/data/thumbs", "app/data/catalog.db-wal",
                  "2019/x.psd"));
}

// The catalog at the root's top: its thumbnail cache and files there are
// phodex's own, but a folder or file of the user's with the same name
// deeper in the root is watched.
TEST_F(ServiceTest, PhodexOwnFilesAtTheRootsTopAreExactlyThose) {
  const auto call = StartWithCatalogAt("catalog.db");
  EXPECT_THAT(LeftOut(call, {"thumbs", "2019", "2019/thumbs"},
                      {"catalog.db", "phodex.log", "2019/catalog.db"}),
              ElementsAre("thumbs", "catalog.db", "phodex.log"));
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

// phodex's own writes (docs/serve.md, "Own writes"): `phodex rate`
// records the sidecar it wrote as it writes it, so the watcher's event for
// it finds the file as the catalog has it: no foreign change, no "watch"
// operation. A later foreign edit of the same sidecar is one.
class OwnWritesTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    WriteJpeg("album/a.jpg", "a");
    WriteJpeg("other.jpg", "other");  // a removal is not all of the root
    StartAndReconcile();
  }
  // `phodex rate album/a.jpg --stars N`: writes album/a.jpg.xmp.
  void Rate(int stars) {
    class Sink final : public RateSink {
      void Rated(const RatedFile&) override {}
      void Failed(const Error& e) override { ADD_FAILURE() << e.ToString(); }
    } sink;
    RateRequest request;
    request.paths = {lib_->fs().RealPath(dir_ / "lib/album/a.jpg").value()};
    request.stars = stars;
    auto r = library::Rate(*lib_, request, sink, jobs::CancelToken());
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // The event inotify gives for an atomic write: the temporary renamed
  // over the name (the temporary's own events are filtered out).
  void SidecarEvent() {
    Event(WatchEvent::Kind::kMovedTo, "album", "a.jpg.xmp",
          WatchEvent::Entry::kFile, 9);
  }
  int64_t DiskSize(const std::string& rel) {
    return static_cast<int64_t>(std::filesystem::file_size(dir_ / ("lib/" + rel)));
  }
};

TEST_F(OwnWritesTest, ASidecarPhodexWroteIsNoForeignChange) {
  Rate(4);
  SidecarEvent();
  for (int i = 0; i < 4; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "rate"));
  const catalog::FileRow row = Row("album/a.jpg.xmp");
  EXPECT_TRUE(row.present);
  EXPECT_EQ(row.size, DiskSize("album/a.jpg.xmp"));

  // Written again by phodex (now in place of the old one): still its own.
  Rate(2);
  SidecarEvent();
  for (int i = 0; i < 4; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "rate", "rate"));

  // Edited by someone else: a foreign change, applied.
  Write("lib/album/a.jpg.xmp",
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'>edited by hand</x:xmpmeta>");
  Event(WatchEvent::Kind::kModified, "album", "a.jpg.xmp");
  for (int i = 0; i < 4; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "rate", "rate", "watch"));
  EXPECT_EQ(Ops().back().counts.updated, 1);
  EXPECT_EQ(Row("album/a.jpg.xmp").size, DiskSize("album/a.jpg.xmp"));
}

// The work came due while the rate still held the root: retried later,
// it still knows which entry to look at, and finds phodex's write.
TEST_F(OwnWritesTest, AWorkRetriedAfterTheWriteStillSeesItAsOwn) {
  auto held = locks_.LockRoot(root_.id, catalog::Locks::Wait::kNo);
  ASSERT_TRUE(held);
  SidecarEvent();
  for (int i = 0; i < 3; ++i) Step(1s);  // due, root busy: retried in 5 s
  held->reset();
  Rate(5);
  for (int i = 0; i < 8; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "rate"));
}

// Own writes beside a foreign change: the folder is applied, and the
// sidecar phodex wrote is not read again.
TEST_F(OwnWritesTest, AForeignChangeBesideAnOwnWriteIsApplied) {
  Rate(3);
  SidecarEvent();
  WriteJpeg("album/b.jpg", "b");
  Event(WatchEvent::Kind::kCreated, "album", "b.jpg");
  for (int i = 0; i < 4; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "rate", "watch"));
  EXPECT_EQ(Ops().back().counts.added, 1);
  EXPECT_EQ(Ops().back().counts.updated, 0);
  EXPECT_THAT(Rels(), ElementsAre("album/a.jpg", "album/a.jpg.xmp",
                                  "album/b.jpg", "other.jpg"));
}

// Entries the catalog does not hold and that are not there to hold (a
// temporary that came and went, a file the scan does not catalog) change
// nothing; a cataloged file that is gone does.
TEST_F(OwnWritesTest, OnlyEntriesThatDifferFromTheCatalogAreApplied) {
  Write("lib/album/notes.txt", "not a photo");
  Event(WatchEvent::Kind::kCreated, "album", "notes.txt");
  Event(WatchEvent::Kind::kCreated, "album", "IMG_9.jpg.part");
  Event(WatchEvent::Kind::kRemoved, "album", "IMG_9.jpg.part");
  for (int i = 0; i < 12; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup"));
  std::filesystem::remove(dir_ / "lib/album/a.jpg");
  Event(WatchEvent::Kind::kRemoved, "album", "a.jpg");
  for (int i = 0; i < 12; ++i) Step(1s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "watch"));
  EXPECT_THAT(Rels(), ElementsAre("other.jpg"));
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

// A root whose drive is missing when the service starts, then comes back:
// its first reconciliation is recorded as its drive's return.
TEST_F(ServiceTest, ARootOfflineAtStartIsReconciledAsDriveReturned) {
  options_.offline_check = 10s;
  WriteJpeg("a.jpg", "a");
  const std::filesystem::path marker =
      dir_ / ("lib/" + std::string(scan::kRootMarkerName));
  const std::filesystem::path aside = dir_ / "marker-aside";
  std::filesystem::rename(marker, aside);
  StartService();
  Step(0s);
  EXPECT_FALSE(Watched(root_.id));
  EXPECT_EQ(service_->Snapshot().roots.at(0).method,
            watch::WatchMethod::kOffline);
  EXPECT_THAT(OpTypes(), IsEmpty());

  std::filesystem::rename(aside, marker);
  for (int i = 0; i < 11; ++i) Step(1s);
  EXPECT_TRUE(Watched(root_.id));
  EXPECT_THAT(OpTypes(), ElementsAre("drive-returned"));
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));
}

// The drive is unmounted in the middle of a piece of work, after the
// service checked that it was there: what that work then sees (an empty
// mount point, folders that are gone) marks nothing removed; the root goes
// offline and is reconciled when its drive returns. The removal limit is
// off, so that only the root's identity stands between an unmounted drive
// and its files.
class ServiceUnmountTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    options_.offline_check = 10s;
    Rebuild([&](Parts& parts) {
      parts.fs = &unmounting_;
      parts.config.max_removed_fraction = 1;
      parts.config.threads = 1;
    });
    WriteJpeg("a.jpg", "a");
    WriteJpeg("sub/b.jpg", "b");
    for (const char* name : {"c", "d", "e"}) {
      WriteJpeg(std::string("more/") + name + ".jpg", name);
    }
    StartAndReconcile();
    ASSERT_THAT(Rels(), ElementsAre("a.jpg", "more/c.jpg", "more/d.jpg",
                                    "more/e.jpg", "sub/b.jpg"));
  }
  // Everything on the "drive" (the marker too) moves out of the root's
  // folder: an empty mount point is left.
  void Unmount() { MoveAll(dir_ / "lib", dir_ / "unmounted"); }
  void Mount() { MoveAll(dir_ / "unmounted", dir_ / "lib"); }
  std::string RootFolder(const std::string& rel) const {
    return os::JoinPath(root_.path, rel);
  }
  // After the unmount: nothing removed, the root offline; after the
  // mount: a drive-returned reconciliation.
  void ExpectOfflineThenReconciledWhenBack() {
    ASSERT_TRUE(unmounting_.fired());
    EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
    EXPECT_EQ(Rels().size(), 5u);
    EXPECT_EQ(service_->Snapshot().roots.at(0).method,
              watch::WatchMethod::kOffline);
    EXPECT_FALSE(Watched(root_.id));
    Mount();
    for (int i = 0; i < 11; ++i) Step(1s);
    EXPECT_EQ(OpTypes().back(), "drive-returned");
    EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
    EXPECT_TRUE(Watched(root_.id));
  }

  UnmountingFileSystem unmounting_{*fs_};

 private:
  static void MoveAll(const std::filesystem::path& from,
                      const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    for (const auto& e : std::filesystem::directory_iterator(from)) {
      std::filesystem::rename(e.path(), to / e.path().filename());
    }
  }
};

TEST_F(ServiceUnmountTest, DuringAFolderWorkNothingIsMarkedRemoved) {
  WriteJpeg("new.jpg", "new");
  Event(WatchEvent::Kind::kCreated, "", "new.jpg");
  // The folder work's listing of the root's top folder finds the empty
  // mount point.
  unmounting_.At(UnmountingFileSystem::Look::kList, root_.path, 1,
         [&] { Unmount(); });
  Step(0s);
  Step(2s);
  ExpectOfflineThenReconciledWhenBack();
  EXPECT_EQ(Rels().size(), 6u);  // new.jpg, by the drive-returned one
}

TEST_F(ServiceUnmountTest, DuringASubTreeWorkNothingIsMarkedRemoved) {
  Event(WatchEvent::Kind::kCreated, "", "sub", WatchEvent::Entry::kFolder);
  // The sub-tree is gone when the work looks at it.
  unmounting_.At(UnmountingFileSystem::Look::kStat, RootFolder("sub"), 1,
         [&] { Unmount(); });
  Step(0s);
  Step(2s);
  ExpectOfflineThenReconciledWhenBack();
}

TEST_F(ServiceUnmountTest, DuringAReconciliationNothingIsMarkedRemoved) {
  service_->RequestReconcile(root_.id);
  // The first listing is the scan's "is it empty?" look; the walk's own
  // listing of the top folder finds the empty mount point.
  unmounting_.At(UnmountingFileSystem::Look::kList, root_.path, 2,
         [&] { Unmount(); });
  Step(0s);
  ExpectOfflineThenReconciledWhenBack();
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "manual", "drive-returned"));
  const catalog::Operation manual = Ops()[1];
  EXPECT_EQ(manual.status, catalog::OperationStatus::kFailed);
  EXPECT_THAT(manual.error, ::testing::HasSubstr("went offline during"));
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

TEST_F(ServiceTest, NewAndChangedFilesAreQueuedForThumbnailsAndHashes) {
  Rebuild([](Parts& parts) {
    parts.workers.pixels = [](const Config&) {
      return Result<std::unique_ptr<imaging::PixelRenderer>>(
          std::make_unique<ThumbRenderer>());
    };
  });
  options_.thumbs = true;
  int wakes = 0;
  hooks_.jobs_queued = [&] { ++wakes; };
  WriteJpeg("a.jpg", "a");
  StartAndReconcile();
  // The engine decodes nothing itself: the startup reconciliation queues
  // a thumbnail job and a background full hash for the new file.
  EXPECT_THAT(OpTypes(), ElementsAre("startup"));
  const FileId a = Row("a.jpg").id;
  // (The pixels job hashes the file first: no full_hash job of its own.)
  EXPECT_THAT(Jobs(), ElementsAre(Job{"pixels", catalog::JobPriority::kReconcile, a}));
  EXPECT_EQ(wakes, 1);
  WriteJpeg("b.jpg", "b");
  Event(WatchEvent::Kind::kCreated, "", "b.jpg");
  Step(0s);
  Step(2s);
  EXPECT_THAT(OpTypes(), ElementsAre("startup", "watch"));
  const FileId b = Row("b.jpg").id;
  // What the watcher brings runs before what a reconciliation found.
  EXPECT_THAT(Jobs(), ElementsAre(Job{"pixels", catalog::JobPriority::kReconcile, a},
                                  Job{"pixels", catalog::JobPriority::kWatch, b}));
  EXPECT_EQ(wakes, 2);
  // Nothing new: a manual reconciliation queues nothing twice.
  service_->RequestReconcile(root_.id);
  Step(0s);
  EXPECT_EQ(Jobs().size(), 2u);
  EXPECT_EQ(wakes, 2);
  // A changed file is a new state: new jobs.
  WriteJpeg("b.jpg", "b, edited");
  Event(WatchEvent::Kind::kModified, "", "b.jpg");
  Step(0s);
  Step(2s);
  EXPECT_EQ(Jobs().size(), 3u);
  EXPECT_EQ(wakes, 3);
}

TEST_F(ServiceTest, WithMetadataJobsTheEngineQueuesMetadataInsteadOfReadingIt) {
  int reads = 0;
  class Counting final : public media::MetadataReader {
   public:
    explicit Counting(int& n) : n_(n) {}
    Result<MediaMetadata> Read(const std::string&, MediaKind) override {
      ++n_;
      return MediaMetadata{};
    }

   private:
    int& n_;
  };
  Rebuild([&](Parts& parts) {
    parts.config.metadata = true;
    parts.workers.metadata = [&](const Config&) {
      return Result<std::unique_ptr<media::MetadataReader>>(
          std::make_unique<Counting>(reads));
    };
  });
  hooks_.metadata_jobs = true;
  WriteJpeg("a.jpg", "a");
  StartAndReconcile();
  // Catalogued with its quick hash at once; its metadata is a job.
  EXPECT_EQ(reads, 0);
  EXPECT_TRUE(Row("a.jpg").quick_hash.has_value());
  const FileId a = Row("a.jpg").id;
  EXPECT_THAT(Jobs(), ElementsAre(Job{"metadata", catalog::JobPriority::kReconcile, a},
                                  Job{"full_hash", catalog::JobPriority::kBackground, a}));
}

TEST_F(ServiceTest, WithoutThumbnailsOnlyFullHashesAreQueued) {
  WriteJpeg("a.jpg", "a");
  StartAndReconcile();
  EXPECT_THAT(Jobs(), ElementsAre(Job{"full_hash", catalog::JobPriority::kBackground,
                                      Row("a.jpg").id}));
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
  config.serve_offline_check_s = 0.5;
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
  EXPECT_EQ(o.offline_check, 500ms);
  EXPECT_FALSE(o.thumbs);
  EXPECT_EQ(o.job_retention, 48h);
  const ServiceOptions d = ServiceOptionsFor(Config{});
  EXPECT_EQ(d.aggregation.delay, 2s);
  EXPECT_EQ(d.aggregation.delete_hold, 10s);
  EXPECT_EQ(d.schedule.local_interval, 1h);
  EXPECT_EQ(d.offline_check, 10s);
  EXPECT_TRUE(d.thumbs);
  EXPECT_EQ(d.job_retention, std::chrono::days(7));
}

}  // namespace
}  // namespace phodex::library
