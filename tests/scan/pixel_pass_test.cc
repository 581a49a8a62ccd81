// The pixel stage over an in-memory tree and a real SQLite catalog, with a
// scripted renderer: what is decoded, what is skipped, what is recorded,
// and how many decodes run at once.

#include "scan/pixel_pass.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "catalog/sqlite/sqlite_catalog.h"
#include "scan/pipeline.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"
#include "tests/scan/scan_world.h"

namespace phodex::scan {
namespace {


// Answers every file with hash = path length, or the scripted error;
// counts calls and the most decodes in flight at once.
class ScriptedRenderer final : public imaging::PixelRenderer {
 public:
  Result<imaging::Rendered> Render(const imaging::RenderRequest& r) override {
    const int now = ++in_flight_;
    {
      std::lock_guard lock(mu_);
      ++calls_[r.path];
      max_in_flight_ = std::max(max_in_flight_, now);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --in_flight_;
    std::lock_guard lock(mu_);
    if (auto it = errors_.find(r.path); it != errors_.end()) {
      return std::unexpected(it->second);
    }
    imaging::Rendered out;
    out.source_width = 400;
    out.source_height = 300;
    out.phash.hash = r.path.size();
    out.quality.sharpness = 123;
    for (const auto& o : r.outputs) out.outputs.push_back(std::string(o.longest_edge, 'x'));
    return out;
  }
  void Fail(const std::string& path, Error e) {
    std::lock_guard lock(mu_);
    errors_.insert_or_assign(path, std::move(e));
  }
  int Calls(const std::string& path) {
    std::lock_guard lock(mu_);
    return calls_[path];
  }
  int TotalCalls() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [p, c] : calls_) n += c;
    return n;
  }
  int max_in_flight() {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }

 private:
  std::atomic<int> in_flight_{0};
  std::mutex mu_;
  std::map<std::string, int> calls_;
  std::map<std::string, Error> errors_;
  int max_in_flight_ = 0;
};

class PixelPassTest : public ScanWorldTest {
 protected:
  void SetUp() override {
    ScanWorldTest::SetUp();
    fs_.AddDir("/data");
  }
  void Scan() {
    ScanOptions opts;
    opts.threads = 2;
    auto roots = cat_->ListRoots();
    for (const catalog::Root& r : *roots) {
      if (r.id == root_.id) root_ = r;
    }
    ScanProgress progress;
    auto r = ScanRoot(*cat_, fs_, os::SystemClock(), root_, "", opts, progress,
                      jobs::CancelToken());
    ASSERT_TRUE(r) << r.error().ToString();
  }
  PixelPassReport Pass(int threads = 2, int64_t budget = int64_t{1} << 30) {
    PixelPassOptions o;
    o.renderer = &renderer_;
    o.cache = &cache_;
    o.threads = threads;
    o.page = 3;  // several pages even for a few files
    o.memory_budget_bytes = budget;
    PixelProgress progress;
    auto r = RunPixelPass(*cat_, fs_, os::SystemClock(), catalog::FileQuery{}, o,
                          progress, nullptr);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : PixelPassReport{};
  }
  std::map<std::string, catalog::FileRow> Rows() {
    std::map<std::string, catalog::FileRow> out;
    (void)cat_->ForEachFile({}, [&](const catalog::FileRow& r) { out[r.rel] = r; });
    return out;
  }

  ScriptedRenderer renderer_;
  imaging::ThumbnailCache cache_{
      fs_, "/data/thumbs",
      {{"thumb", {256, imaging::ImageFormat::kWebp, 80}},
       {"preview", {1600, imaging::ImageFormat::kWebp, 80}}}};
};

TEST_F(PixelPassTest, DecodesEachFileOnceAndRecordsWhatItLearnt) {
  for (int i = 0; i < 7; ++i) {
    fs_.AddFile("/lib/p" + std::to_string(i) + ".jpg", kJpeg + std::to_string(i), 1);
  }
  Scan();
  PixelPassReport r = Pass();
  EXPECT_EQ(r.candidates, 7);
  EXPECT_EQ(r.rendered, 7);
  EXPECT_EQ(r.hashed, 7);  // the scan hashed quickly only
  EXPECT_EQ(renderer_.TotalCalls(), 7);
  for (const auto& [rel, row] : Rows()) {
    ASSERT_TRUE(row.hash) << rel;
    ASSERT_TRUE(row.pixels) << rel;
    EXPECT_EQ(row.pixels->phash, ("/lib/" + rel).size());
    EXPECT_EQ(row.pixels->thumbs_key, cache_.settings_key());
    EXPECT_EQ(row.pixels->thumb_bytes, 256 + 1600);
    EXPECT_TRUE(cache_.HasAll(*row.hash)) << rel;
  }
  // Everything is up to date now: nothing is decoded again.
  PixelPassReport again = Pass();
  EXPECT_EQ(again.rendered, 0);
  EXPECT_EQ(again.up_to_date, 7);
  EXPECT_EQ(renderer_.TotalCalls(), 7);
}

TEST_F(PixelPassTest, CopiesShareOneDecodeAndALostCacheFileIsMadeAgain) {
  fs_.AddFile("/lib/a.jpg", kJpeg, 1);
  fs_.AddFile("/lib/copy.jpg", kJpeg, 1);
  Scan();
  PixelPassReport r = Pass();
  EXPECT_EQ(r.rendered, 1);
  EXPECT_EQ(r.up_to_date, 1);
  const auto rows = Rows();
  ASSERT_TRUE(rows.at("copy.jpg").pixels);
  EXPECT_EQ(rows.at("copy.jpg").pixels->phash, rows.at("a.jpg").pixels->phash);

  ASSERT_TRUE(fs_.RemoveFile(cache_.PathFor(*rows.at("a.jpg").hash, 1)));
  PixelPassReport rebuilt = Pass();
  EXPECT_EQ(rebuilt.rendered, 1);
  EXPECT_TRUE(cache_.HasAll(*rows.at("a.jpg").hash));
}

TEST_F(PixelPassTest, ContentErrorsAreRecordedAndNotRetriedOthersAre) {
  fs_.AddFile("/lib/bad.jpg", kJpeg + "bad", 1);
  fs_.AddFile("/lib/locked.jpg", kJpeg + "locked", 1);
  fs_.AddFile("/lib/good.jpg", kJpeg + "good", 1);
  Scan();
  renderer_.Fail("/lib/bad.jpg", Error(ErrorCode::kContentFault, "not a JPEG",
                                       "decode", "/lib/bad.jpg"));
  renderer_.Fail("/lib/locked.jpg", Error(ErrorCode::kPermissionDenied,
                                          "denied", "open", "/lib/locked.jpg"));
  PixelPassReport r = Pass();
  EXPECT_EQ(r.errors, 2);
  EXPECT_EQ(r.rendered, 1);
  ASSERT_EQ(r.first_errors.size(), 2u);
  auto rows = Rows();
  ASSERT_TRUE(rows.at("bad.jpg").pixels);
  EXPECT_EQ(rows.at("bad.jpg").pixels->error, "not a JPEG");
  EXPECT_FALSE(rows.at("locked.jpg").pixels);  // nothing recorded

  PixelPassReport again = Pass();
  EXPECT_EQ(renderer_.Calls("/lib/bad.jpg"), 1);     // a fact of its content
  EXPECT_EQ(renderer_.Calls("/lib/locked.jpg"), 2);  // tried again
  EXPECT_EQ(again.errors, 1);
}

// A decoder that timed out on a busy machine, or crashed once, or ran out
// of memory: nothing is recorded, and the next pass decodes the file.
TEST_F(PixelPassTest, PassingFailuresAreRetriedByTheNextPass) {
  fs_.AddFile("/lib/slow.jpg", kJpeg + "slow", 1);
  fs_.AddFile("/lib/oom.jpg", kJpeg + "oom", 1);
  Scan();
  renderer_.Fail("/lib/slow.jpg",
                 Error(ErrorCode::kTimedOut, "decoder gave no answer",
                       "decode", "/lib/slow.jpg"));
  renderer_.Fail("/lib/oom.jpg", Error(ErrorCode::kInternal,
                                       "decoder ran out of memory", "decode",
                                       "/lib/oom.jpg"));
  PixelPassReport r = Pass();
  EXPECT_EQ(r.errors, 2);
  auto rows = Rows();
  EXPECT_FALSE(rows.at("slow.jpg").pixels);  // not done
  EXPECT_FALSE(rows.at("oom.jpg").pixels);
  PixelPassReport again = Pass();
  EXPECT_EQ(renderer_.Calls("/lib/slow.jpg"), 2);
  EXPECT_EQ(renderer_.Calls("/lib/oom.jpg"), 2);
}

TEST_F(PixelPassTest, FilesChangedSinceTheScanAreLeftToTheNextScan) {
  fs_.AddFile("/lib/a.jpg", kJpeg, 1);
  Scan();
  fs_.AddFile("/lib/a.jpg", kJpeg + "edited", 2);
  PixelPassReport r = Pass();
  EXPECT_EQ(r.skipped_changed, 1);
  EXPECT_EQ(renderer_.TotalCalls(), 0);
}

TEST_F(PixelPassTest, TheMemoryBudgetLimitsDecodesInFlight) {
  for (int i = 0; i < 6; ++i) {
    fs_.AddFile("/lib/r" + std::to_string(i) + ".dng", "raw" + std::to_string(i), 1);
  }
  Scan();
  // Unknown size: 24 MP, 144 MB each for a RAW; the budget holds one.
  Pass(/*threads=*/4, /*budget=*/int64_t{200} << 20);
  EXPECT_EQ(renderer_.TotalCalls(), 6);
  EXPECT_EQ(renderer_.max_in_flight(), 1);
}

TEST_F(PixelPassTest, WorkersBeyondTheCoresAllDecode) {
  for (int i = 0; i < 12; ++i) {
    fs_.AddFile("/lib/p" + std::to_string(i) + ".jpg", kJpeg + std::to_string(i), 1);
  }
  Scan();
  Pass(/*threads=*/6);
  EXPECT_GT(renderer_.max_in_flight(), 2);  // this machine has 2 cores
}

TEST(EstimateDecodeBytes, FollowsKindAndSize) {
  catalog::PixelCandidate c;
  c.pixels = 50'000'000;
  c.kind = MediaKind::kRaw;
  c.rel = "a.NEF";
  EXPECT_EQ(EstimateDecodeBytes(c), 300'000'000);
  c.kind = MediaKind::kPhoto;
  c.rel = "a.JPG";
  EXPECT_EQ(EstimateDecodeBytes(c), 50'000'000);
  c.rel = "a.heic";
  EXPECT_EQ(EstimateDecodeBytes(c), 700'000'000);
  c.pixels = 0;
  c.rel = "a.png";
  EXPECT_EQ(EstimateDecodeBytes(c), 96'000'000);
}

}  // namespace
}  // namespace phodex::scan
