#include "library/thumbs.h"
#include "library/similar.h"

#include <gtest/gtest.h>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

// Every decode fails as a corrupt file's would.
class CorruptRenderer final : public imaging::PixelRenderer {
 public:
  Result<imaging::Rendered> Render(const imaging::RenderRequest&) override {
    return MakeError(ErrorCode::kCorrupt, "not an image");
  }
};

// Every photo looks alike: a.jpg's perceptual hash is 0, every other's
// one bit away; turned, nothing is alike.
class AlikeRenderer final : public imaging::PixelRenderer {
 public:
  Result<imaging::Rendered> Render(const imaging::RenderRequest& r) override {
    imaging::Rendered out;
    out.source_width = 4;
    out.source_height = 3;
    out.phash.hash = r.path.ends_with("/a.jpg") ? 0 : 1;
    out.phash.rotated = {~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}};
    out.outputs.assign(r.outputs.size(), "thumbnail bytes");
    return out;
  }
};

class RecordingSink final : public ThumbsSink {
 public:
  void StageStarting(const std::string& where,
                     const scan::PixelProgress&) override {
    started.push_back(where);
  }
  void StageDone(const std::string&, const PixelStageResult& r) override {
    done.push_back(r);
  }
  void StageFailed(const std::string&, const Error& e) override {
    failed.push_back(e.ToString());
  }
  std::vector<std::string> started;
  std::vector<PixelStageResult> done;
  std::vector<std::string> failed;
};

class ThumbsTest : public LibraryTest {
 protected:
  void SetUp() override {
    LibraryTest::SetUp();
    WriteJpeg("a.jpg", "a");
    WriteJpeg("b.jpg", "b");
    OpenAndScan();
  }
  void UseRenderer(std::function<Result<std::unique_ptr<imaging::PixelRenderer>>(
                       const Config&)> f) {
    Parts parts;
    parts.catalog = &lib_->catalog();
    parts.fs = &lib_->fs();
    parts.clock = &clock_;
    parts.locks = &lib_->locks();
    parts.data = lib_->data();
    parts.workers.pixels = std::move(f);
    lib_ = std::make_unique<Library>(std::move(parts));
  }
  RecordingSink sink_;
};

TEST_F(ThumbsTest, AStageWhereEveryFileFailsEndsItsOperationFailed) {
  UseRenderer([](const Config&) {
    return Result<std::unique_ptr<imaging::PixelRenderer>>(
        std::make_unique<CorruptRenderer>());
  });
  auto r = Thumbs(*lib_, {}, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stages_failed, 1);
  EXPECT_FALSE(r->interrupted);
  ASSERT_EQ(sink_.started, std::vector<std::string>{"all roots"});
  ASSERT_EQ(sink_.done.size(), 1u);
  EXPECT_EQ(sink_.done[0].report.candidates, 2);
  EXPECT_EQ(sink_.done[0].report.errors, 2);
  EXPECT_TRUE(sink_.done[0].all_failed);
  const catalog::Operation op = Operations().front();
  EXPECT_EQ(op.id, sink_.done[0].op);
  EXPECT_EQ(op.type, "thumbs");
  EXPECT_EQ(op.status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(op.error, "every file failed");
}

TEST_F(ThumbsTest, DecodersThatCannotStartFailTheStageAndBeginNoOperation) {
  UseRenderer([](const Config&) -> Result<std::unique_ptr<imaging::PixelRenderer>> {
    return MakeError(ErrorCode::kNotFound, "no decoder module");
  });
  const size_t before = Operations().size();
  ThumbsRequest request;
  request.paths = {RootPath() + "/a.jpg", RootPath()};
  auto r = Thumbs(*lib_, request, sink_, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stages_failed, 2);  // the next scope still runs
  EXPECT_EQ(sink_.failed,
            (std::vector<std::string>{"no decoder module", "no decoder module"}));
  EXPECT_EQ(Operations().size(), before);
}

TEST_F(ThumbsTest, APathInNoRootRunsNothing) {
  ThumbsRequest request;
  request.paths = {dir_ / "elsewhere"};
  auto r = Thumbs(*lib_, request, sink_, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(sink_.started.empty());
}

TEST_F(ThumbsTest, TheCacheIsInTheDataFolderWithTheSettings) {
  auto cache = OpenThumbnailCache(*lib_);
  EXPECT_EQ(cache->settings_key(),
            OpenThumbnailCache(*fs_, lib_->data(), Config{})->settings_key());
  EXPECT_EQ(lib_->data().ThumbsDir(), dir_ / "data/thumbs");
}

// The pixel stage gives the perceptual hashes FindSimilar groups by.
TEST_F(ThumbsTest, ThePhotosItHashedAreFoundSimilar) {
  UseRenderer([](const Config&) {
    return Result<std::unique_ptr<imaging::PixelRenderer>>(
        std::make_unique<AlikeRenderer>());
  });
  scan::PixelProgress progress;
  auto stage = RunPixelStage(*lib_, {}, progress, {});
  ASSERT_TRUE(stage) << stage.error().ToString();
  EXPECT_EQ(stage->report.rendered, 2);
  EXPECT_EQ(Operations().front().status, catalog::OperationStatus::kCompleted);

  auto similar = FindSimilar(*lib_, {}, {});
  ASSERT_TRUE(similar) << similar.error().ToString();
  EXPECT_EQ(similar->distinct_photos, 2);
  EXPECT_EQ(similar->threshold, Config{}.similar_threshold);
  ASSERT_EQ(similar->groups.size(), 1u);
  EXPECT_EQ(similar->groups[0].max_distance, 1);
  EXPECT_EQ(similar->groups[0].paths.size(), 2u);

  SimilarRequest strict;
  strict.threshold = 0;
  auto none = FindSimilar(*lib_, strict, {});
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_TRUE(none->groups.empty());
}

}  // namespace
}  // namespace phodex::library
