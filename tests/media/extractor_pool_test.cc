// The isolation of metadata parsers: real worker processes (the phodex
// binary in worker mode), with the test-only fault hook making a worker
// crash or hang on demand.

#include "media/extractor_pool.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "media/metadata_worker.h"
#include "util/sanitizers.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::media {
namespace {

namespace fs = std::filesystem;
using testing::CorpusDir;

class ExtractorPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("PHODEX_WORKER_FAULTS_FOR_TESTING", "1", 1);
    jpeg_ = CorpusDir() + "/metadata/files/exiftool/Canon.jpg";
    ASSERT_TRUE(fs::exists(jpeg_)) << "corpus missing: " << jpeg_;
  }
  void TearDown() override { ::unsetenv("PHODEX_WORKER_FAULTS_FOR_TESTING"); }

  std::unique_ptr<ExtractorPool> Pool(int workers,
                                      std::chrono::milliseconds timeout) {
    ExtractorPoolOptions o;
    o.worker_argv = {PHODEX_BINARY, "__metadata-worker"};
    o.workers = workers;
    o.timeout = timeout;
    auto pool = ExtractorPool::Create(o);
    EXPECT_TRUE(pool);
    return std::move(*pool);
  }

  // A copy of a real JPEG under `name`, so only the name triggers faults.
  std::string Copy(const std::string& name) {
    const fs::path p = dir_ / name;
    fs::copy_file(jpeg_, p);
    return p.string();
  }

  testing::TempDir dir_;
  std::string jpeg_;
};

TEST_F(ExtractorPoolTest, ReadsMetadataThroughAWorker) {
  auto pool = Pool(1, std::chrono::seconds(10));
  auto m = pool->Read(jpeg_, MediaKind::kPhoto);
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->make, "Canon");
  EXPECT_EQ(m->mime, "image/jpeg");
  EXPECT_FALSE(m->tags_json.empty());
  EXPECT_EQ(pool->stats().started, 1);
}

TEST_F(ExtractorPoolTest, AMissingWorkerProgramIsAClearError) {
  ExtractorPoolOptions o;
  o.worker_argv = {"/nonexistent/phodex", "__metadata-worker"};
  auto pool = ExtractorPool::Create(o);
  ASSERT_TRUE(pool);  // workers start with the first file
  auto r = (*pool)->Read(jpeg_, MediaKind::kPhoto);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(ExtractorPoolTest, SameResultAsInProcess) {
  auto pool = Pool(1, std::chrono::seconds(10));
  InProcessMetadataReader direct;
  auto a = pool->Read(jpeg_, MediaKind::kPhoto);
  auto b = direct.Read(jpeg_, MediaKind::kPhoto);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST_F(ExtractorPoolTest, ACrashCostsOneFileAndTheNextGetsAFreshWorker) {
  auto pool = Pool(1, std::chrono::seconds(10));
  auto crashed = pool->Read(Copy("a-crash-worker.jpg"), MediaKind::kPhoto);
  ASSERT_FALSE(crashed);
  // It crashed on the file twice: the file's fault (os/worker_pool.h).
  EXPECT_EQ(crashed.error().code(), ErrorCode::kContentFault);
  EXPECT_NE(crashed.error().message().find("crashed"), std::string::npos);
  // ASan and TSan turn SIGSEGV into an exit with their report.
#if !PHODEX_ASAN_BUILD && !PHODEX_TSAN_BUILD
  EXPECT_NE(crashed.error().message().find("signal 11"), std::string::npos);
#endif
  auto next = pool->Read(jpeg_, MediaKind::kPhoto);
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->make, "Canon");
  EXPECT_EQ(pool->stats().crashes, 2);  // the first try, and the second
  EXPECT_EQ(pool->stats().started, 3);
}

TEST_F(ExtractorPoolTest, AHangIsStoppedAtTheTimeLimit) {
  auto pool = Pool(1, std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  auto hung = pool->Read(Copy("b-hang-worker.jpg"), MediaKind::kPhoto);
  ASSERT_FALSE(hung);
  // It hung twice, in two fresh workers: the file's fault.
  EXPECT_EQ(hung.error().code(), ErrorCode::kContentFault);
  EXPECT_NE(hung.error().message().find("no answer"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto next = pool->Read(jpeg_, MediaKind::kPhoto);
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(pool->stats().timeouts, 2);
}

TEST_F(ExtractorPoolTest, ParserErrorsComeBackWithTheirCode) {
  auto pool = Pool(1, std::chrono::seconds(10));
  auto missing = pool->Read(dir_ / "nope.jpg",
                            MediaKind::kPhoto);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  const fs::path junk = dir_ / "junk.jpg";
  std::ofstream(junk) << "this is not a jpeg";
  auto corrupt = pool->Read(junk.string(), MediaKind::kPhoto);
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kContentFault);
  EXPECT_EQ(pool->stats().crashes, 0);
  EXPECT_EQ(pool->stats().started, 1);  // errors do not cost the worker
}

TEST_F(ExtractorPoolTest, ManyThreadsShareTheWorkers) {
  auto pool = Pool(2, std::chrono::seconds(10));
  const std::string crash = Copy("c-crash-worker.jpg");
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const bool bad = t == 0 && i % 10 == 5;
        auto r = pool->Read(bad ? crash : jpeg_, MediaKind::kPhoto);
        (r && r->make == "Canon" ? ok : failed).fetch_add(1);
        if (!r && !bad) ADD_FAILURE() << r.error().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 98);
  EXPECT_EQ(failed.load(), 2);
  EXPECT_EQ(pool->stats().crashes, 4);  // each bad file is tried twice
}

// A photo that became a FIFO after the walk: Exiv2 and libavformat open
// by name, and open(2) of a FIFO waits for a writer. The worker refuses it
// at once with the reason, instead of hanging until the time limit.
TEST_F(ExtractorPoolTest, AFifoIsRefusedAtOnceNotAtTheTimeLimit) {
  auto pool = Pool(1, std::chrono::seconds(15));
  for (const char* name : {"a.jpg", "a.mp4"}) {
    const std::string fifo = dir_ / name;
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    auto m = pool->Read(fifo, std::string(name).ends_with(".jpg")
                                  ? MediaKind::kPhoto
                                  : MediaKind::kVideo);
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument)
        << m.error().ToString();
    EXPECT_NE(m.error().ToString().find("not a regular file (a FIFO)"),
              std::string::npos)
        << m.error().ToString();
  }
  EXPECT_EQ(pool->stats().timeouts, 0);
}

}  // namespace
}  // namespace phodex::media
