// `phodex serve`'s per-file jobs (library/service_jobs.h) on a real SQLite
// catalog with three connections (the test's, the runner's queue and its
// reader), the real file system and clock, and an in-process renderer:
// what is queued, that each file's work is done once and recorded, and
// the queue's failure rules. Waits are bounded polls.

#include "library/service_jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "imaging/renderer.h"
#include "imaging/thumbnail_cache.h"
#include "library/rate_jobs.h"
#include "library/thumbs.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/stage.h"
#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using namespace std::chrono_literals;

// Renders every file as a 2x1 image, but fails those named "bad" as
// corrupt and those named "flaky" as a crashed decoder would; counts.
class CountingRenderer final : public imaging::PixelRenderer {
 public:
  explicit CountingRenderer(std::atomic<int>& renders) : renders_(renders) {}
  Result<imaging::Rendered> Render(const imaging::RenderRequest& r) override {
    ++renders_;
    if (r.path.find("bad") != std::string::npos) {
      return MakeError(ErrorCode::kContentFault, "not a JPEG after all",
                       "decode", r.path);
    }
    if (r.path.find("flaky") != std::string::npos) {
      return MakeError(ErrorCode::kInternal, "decoder crashed", "decode",
                       r.path);
    }
    imaging::Rendered out{.source_width = 2, .source_height = 1};
    out.outputs.assign(r.outputs.size(), "thumbnail");
    return out;
  }

 private:
  std::atomic<int>& renders_;
};

// Reads a width of 7 from every file, but fails "bad" as corrupt and
// "flaky" as a crashed parser would; counts.
class CountingMetadata final : public media::MetadataReader {
 public:
  explicit CountingMetadata(std::atomic<int>& reads) : reads_(reads) {}
  Result<MediaMetadata> Read(const std::string& path, MediaKind) override {
    ++reads_;
    if (path.find("bad") != std::string::npos) {
      return MakeError(ErrorCode::kContentFault, "truncated EXIF", "read metadata",
                       path);
    }
    if (path.find("flaky") != std::string::npos) {
      return MakeError(ErrorCode::kInternal, "parser crashed", "read metadata",
                       path);
    }
    MediaMetadata m;
    m.width = 7;
    return m;
  }

 private:
  std::atomic<int>& reads_;
};

class FileJobsTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    WriteJpeg("a.jpg", "a");
    WriteJpeg("b.jpg", "b");
    OpenAndScan();
    // The runner's library: the real clock (the supervisor flushes and
    // sleeps by it) and the counting renderer.
    Parts parts;
    parts.catalog = catalog_.get();
    parts.fs = fs_.get();
    parts.clock = &os::SystemClock();
    parts.locks = &locks_;
    parts.data = data_;
    parts.config = lib_->config();
    parts.config.pixel_workers = 2;
    parts.config.metadata = true;
    parts.workers.pixels = [this](const Config&) {
      return Result<std::unique_ptr<imaging::PixelRenderer>>(
          std::make_unique<CountingRenderer>(renders_));
    };
    parts.workers.metadata = [this](const Config&) {
      return Result<std::unique_ptr<media::MetadataReader>>(
          std::make_unique<CountingMetadata>(reads_));
    };
    runner_lib_ = std::make_unique<Library>(std::move(parts));
    thumbs_key_ = OpenThumbnailCache(*runner_lib_)->settings_key();
  }
  void TearDown() override {
    if (jobs_) {
      EXPECT_TRUE(jobs_->Stop());
    }
  }

  QueuedFileJobs Queue(bool metadata = false) {
    QueueFileJobsRequest req;
    req.thumbs_key = thumbs_key_;
    req.metadata = metadata;
    auto q = QueueFileJobs(*catalog_, os::SystemClock(), req);
    EXPECT_TRUE(q) << q.error().ToString();
    return q ? *q : QueuedFileJobs{};
  }
  std::unique_ptr<catalog::Catalog> Connection() {
    auto c = catalog::OpenSqliteCatalog(CatalogPath(), {});
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  void StartJobs() {
    FileJobsOptions o;
    o.owner = os::HostName() + ":" + std::to_string(os::CurrentPid());
    o.supervisor.flush_interval = 10ms;
    o.supervisor.idle_poll = 20ms;
    o.supervisor.backoff.initial = 20ms;
    o.supervisor.backoff.max = 100ms;
    o.supervisor.seed = 1;
    o.metadata_parallel = 2;
    auto j = FileJobs::Start(*runner_lib_, Connection(), Connection(), o);
    ASSERT_TRUE(j) << j.error().ToString();
    jobs_ = std::move(*j);
  }
  std::vector<catalog::Job> Jobs(std::optional<catalog::JobState> state = {}) {
    auto jobs = catalog_->ListJobs({.state = state});
    EXPECT_TRUE(jobs) << jobs.error().ToString();
    return jobs ? *jobs : std::vector<catalog::Job>{};
  }
  void ExpectEveryJobDoneAtItsFirstAttempt() {
    for (const catalog::Job& j : Jobs()) {
      EXPECT_EQ(j.state, catalog::JobState::kCompleted) << j.kind;
      EXPECT_EQ(j.attempts, 1) << j.kind;
    }
  }
  // Waits (bounded) until no job is waiting or running.
  bool Drained() {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      bool busy = false;
      for (const catalog::Job& j : Jobs()) {
        busy |= j.state == catalog::JobState::kAvailable ||
                j.state == catalog::JobState::kRunning ||
                j.state == catalog::JobState::kRetryable;
      }
      if (!busy) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  catalog::FileRow File(const std::string& rel) {
    auto row = catalog_->FindFile(root_id(), rel);
    EXPECT_TRUE(row && row->has_value()) << rel;
    return row && *row ? **row : catalog::FileRow{};
  }
  RootId root_id() {
    auto roots = catalog_->ListRoots();
    return roots && !roots->empty() ? roots->front().id : RootId{0};
  }

  // The content stages' version each file was last processed by.
  std::map<std::string, int> ContentVersions() {
    std::map<std::string, int> out;
    EXPECT_TRUE(catalog_->ForEachKnownFile(root_id(), "", [&](catalog::KnownFile&& k) {
      out[k.rel] = k.content_version;
    }));
    return out;
  }

  std::atomic<int> renders_{0};
  std::atomic<int> reads_{0};
  std::unique_ptr<Library> runner_lib_;
  std::string thumbs_key_;
  std::unique_ptr<FileJobs> jobs_;
};

TEST(FileJobVersion, DiffersWithSizeAndMtimeAndIsNeverZero) {
  const FileTime t{100, 5};
  EXPECT_EQ(FileJobVersion(10, t), FileJobVersion(10, t));
  EXPECT_NE(FileJobVersion(10, t), FileJobVersion(11, t));
  EXPECT_NE(FileJobVersion(10, t), FileJobVersion(10, FileTime{100, 6}));
  EXPECT_NE(FileJobVersion(10, t), FileJobVersion(10, FileTime{101, 5}));
  EXPECT_GT(FileJobVersion(0, FileTime{}), 0);
}

TEST_F(FileJobsTest, QueuedFilesGetThumbnailsAndHashesOnce) {
  const QueuedFileJobs q = Queue();
  EXPECT_EQ(q.files, 2);
  EXPECT_EQ(q.added, 2);  // a pixels job each (it hashes first)
  // Queued twice in the same state: nothing more.
  EXPECT_EQ(Queue().added, 0);
  StartJobs();
  ASSERT_TRUE(Drained());
  EXPECT_EQ(renders_.load(), 2);
  ExpectEveryJobDoneAtItsFirstAttempt();
  for (const char* rel : {"a.jpg", "b.jpg"}) {
    const catalog::FileRow row = File(rel);
    ASSERT_TRUE(row.hash.has_value()) << rel;
    ASSERT_TRUE(row.pixels.has_value()) << rel;
    EXPECT_EQ(row.pixels->thumbs_key, thumbs_key_) << rel;
    EXPECT_EQ(row.pixels->width, 2) << rel;
  }
  // Done: the catalog says so, nothing is queued again.
  EXPECT_EQ(Queue().added, 0);
}

TEST_F(FileJobsTest, ACorruptFileFailsAtOnceWithItsReasonAndIsNotQueuedAgain) {
  WriteJpeg("bad.jpg", "bad");
  Rescan();
  Queue();
  StartJobs();
  ASSERT_TRUE(Drained());
  const std::vector<catalog::Job> failed = Jobs(catalog::JobState::kFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind, kPixelsJob);
  EXPECT_EQ(failed[0].attempts, 1);
  EXPECT_NE(failed[0].last_error.find("not a JPEG after all"),
            std::string::npos)
      << failed[0].last_error;
  // Recorded for its content: its unchanged state is not queued again.
  const catalog::FileRow bad = File("bad.jpg");
  ASSERT_TRUE(bad.pixels.has_value());
  EXPECT_TRUE(bad.pixels->error.has_value());
  EXPECT_EQ(Queue().added, 0);
}

TEST_F(FileJobsTest, APassingFailureIsRetriedWithBackoff) {
  WriteJpeg("flaky.jpg", "flaky");
  Rescan();
  Queue();
  StartJobs();
  // Retried until its attempts are spent (5), then failed with the
  // reason; never recorded as the content's fault.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::vector<catalog::Job> failed;
  while (failed.empty() && std::chrono::steady_clock::now() < deadline) {
    failed = Jobs(catalog::JobState::kFailed);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].attempts, failed[0].max_attempts);
  EXPECT_NE(failed[0].last_error.find("decoder crashed"), std::string::npos);
  EXPECT_FALSE(File("flaky.jpg").pixels.has_value());
}

TEST_F(FileJobsTest, AFileChangedSinceItWasQueuedIsLeftToItsNewState) {
  Queue();
  WriteJpeg("a.jpg", "a, edited since");  // not yet seen by a scan
  StartJobs();
  ASSERT_TRUE(Drained());
  // b was decoded; a's job found the catalog's a no longer the queued one
  // (the scan that sees the change queues its new state), or the disk's
  // a no longer the catalog's: nothing decoded or recorded for it.
  EXPECT_EQ(renders_.load(), 1);
  EXPECT_FALSE(File("a.jpg").pixels.has_value());
  Rescan();
  EXPECT_EQ(Queue().added, 1);  // its new state: pixels
}

TEST_F(FileJobsTest, JobsHeldByADeadProcessAreGivenBackAtStart) {
  Queue();
  // A `serve` of this host that was killed holding both pixels jobs, with
  // leases good for an hour.
  auto claimed = catalog_->ClaimJobs(
      {.kind = kPixelsJob,
       .max_jobs = 2,
       .owner = os::HostName() + ":999999999/pixels",
       .now_ns = os::SystemClock().NowUnixNs(),
       .lease_ns = int64_t{3600} * 1'000'000'000});
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 2u);
  StartJobs();
  ASSERT_TRUE(Drained());
  EXPECT_EQ(renders_.load(), 2);
  // The dead process's claim is not counted against the file.
  ExpectEveryJobDoneAtItsFirstAttempt();
}

TEST_F(FileJobsTest, FilesCataloguedWithoutMetadataGetItFromJobs) {
  WriteJpeg("bad.jpg", "bad");
  Rescan();  // the fixture's scan reads no metadata
  EXPECT_EQ(ContentVersions()["a.jpg"], scan::kContentStagesVersionNoMetadata);
  const QueuedFileJobs q = Queue(/*metadata=*/true);
  EXPECT_EQ(q.added, 6);  // metadata and pixels for each of 3
  StartJobs();
  ASSERT_TRUE(Drained());
  EXPECT_EQ(reads_.load(), 3);
  for (const char* rel : {"a.jpg", "b.jpg"}) {
    const catalog::FileRow row = File(rel);
    ASSERT_TRUE(row.metadata.has_value()) << rel;
    EXPECT_EQ(row.metadata->width, 7) << rel;
    EXPECT_EQ(ContentVersions()[rel], scan::kContentStagesVersion) << rel;
  }
  // The corrupt one: failed at once with its reason, recorded for the
  // file as a scan records it, and not queued again while unchanged.
  const catalog::FileRow bad = File("bad.jpg");
  EXPECT_FALSE(bad.metadata.has_value());
  EXPECT_NE(bad.last_error.find("truncated EXIF"), std::string::npos)
      << bad.last_error;
  EXPECT_EQ(ContentVersions()["bad.jpg"], scan::kContentStagesVersion);
  bool failed_metadata = false;
  for (const catalog::Job& j : Jobs(catalog::JobState::kFailed)) {
    if (j.kind != kMetadataJob) continue;
    failed_metadata = true;
    EXPECT_EQ(j.attempts, 1);
    EXPECT_NE(j.last_error.find("truncated EXIF"), std::string::npos);
  }
  EXPECT_TRUE(failed_metadata);
  EXPECT_EQ(Queue(/*metadata=*/true).added, 0);
  // A file that changed after its metadata was queued keeps none of it
  // (the metadata is stored only for the state it was read from).
}

TEST_F(FileJobsTest, RateJobsAreRunByTheRunnerWhileTheRequestWaits) {
  StartJobs();
  auto request = ParseRateFilesRequest(
      "{\"ids\": [" + std::to_string(File("a.jpg").id.value) + ", " +
      std::to_string(File("b.jpg").id.value) +
      "], \"label\": \"Green\", \"pick\": true}");
  ASSERT_TRUE(request) << request.error().ToString();
  RateFilesOptions options;
  options.wake = [this] { jobs_->Wake(); };
  auto r = RateFiles(*runner_lib_, *request, options);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->done);
  ASSERT_EQ(r->files.size(), 2u);
  for (const RateFileOutcome& f : r->files) {
    EXPECT_EQ(f.state, RateFileOutcome::State::kDone) << f.error;
    EXPECT_TRUE(f.written.ends_with(".jpg.xmp")) << f.written;
    EXPECT_TRUE(f.sidecar_created);
  }
  for (const catalog::Job& j : Jobs()) {
    if (j.kind != kRateJob) continue;
    EXPECT_EQ(j.state, catalog::JobState::kCompleted);
    EXPECT_EQ(j.priority, catalog::JobPriority::kInteractive);
    EXPECT_EQ(j.attempts, 1);
  }
}

TEST_F(FileJobsTest, MetadataOfAFileChangedSinceItsJobWasQueuedIsNotStored) {
  Queue(/*metadata=*/true);
  WriteJpeg("a.jpg", "a, changed and rescanned");
  Rescan();
  StartJobs();
  ASSERT_TRUE(Drained());
  // a's first job found another state and did nothing; its new state's
  // job is queued by the next pass.
  EXPECT_FALSE(File("a.jpg").metadata.has_value());
  EXPECT_TRUE(File("b.jpg").metadata.has_value());
  EXPECT_EQ(Queue(/*metadata=*/true).added, 2);  // a: metadata, pixels
}

TEST(ReleaseJobsOfDeadProcesses, KeepsLiveAndForeignHoldersLeases) {
  testing::TempDir dir;
  auto cat = catalog::OpenSqliteCatalog(dir / "c.db", {});
  ASSERT_TRUE(cat);
  catalog::Catalog& c = **cat;
  const int64_t now = os::SystemClock().NowUnixNs();
  std::vector<catalog::JobSpec> specs(3, catalog::JobSpec{.kind = "k"});
  ASSERT_TRUE(c.EnqueueJobs(specs, now));
  const std::string host = os::HostName();
  for (const std::string& owner :
       {host + ":" + std::to_string(os::CurrentPid()) + "/k",  // alive
        std::string("another-host:999999999/k"),               // not ours
        host + ":999999999/k"}) {                              // dead
    auto claimed = c.ClaimJobs({.kind = "k",
                                .max_jobs = 1,
                                .owner = owner,
                                .now_ns = now,
                                .lease_ns = int64_t{3600} * 1'000'000'000});
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);
  }
  auto released = ReleaseJobsOfDeadProcesses(c, host, now);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, 1);
  auto running = c.ListJobs({.state = catalog::JobState::kRunning});
  ASSERT_TRUE(running);
  EXPECT_EQ(running->size(), 2u);
}

}  // namespace
}  // namespace phodex::library
