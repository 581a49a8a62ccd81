// RateFile on real files: a rating is never written outside the root it
// was asked about, even when a folder of the root was replaced by a link
// to somewhere else after the scan (issue #11).

#include "scan/rating_update.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "catalog/sqlite/sqlite_catalog.h"
#include "os/clock.h"
#include "scan/pipeline.h"
#include "tests/fakes/temp_dir.h"
#include "util/mutex.h"

namespace phodex::scan {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Metadata is not what these tests are about.
class NoMetadata final : public media::MetadataReader {
 public:
  Result<MediaMetadata> Read(const std::string&, MediaKind) override {
    return MediaMetadata{};
  }
};

// Fails every read with `error` while one is set; counts reads by path.
// Thread-safe (a scan reads from several threads).
class FailingReader final : public media::MetadataReader {
 public:
  Result<MediaMetadata> Read(const std::string& path, MediaKind) override {
    util::MutexLock lock(mu_);
    ++calls_[path];
    if (error_) return std::unexpected(*error_);
    return MediaMetadata{};
  }
  void Fail(std::optional<Error> e) {
    util::MutexLock lock(mu_);
    error_ = std::move(e);
  }
  int Calls(const std::string& path) {
    util::MutexLock lock(mu_);
    return calls_[path];
  }

 private:
  util::Mutex mu_;
  std::optional<Error> error_ GUARDED_BY(mu_);
  std::map<std::string, int> calls_ GUARDED_BY(mu_);
};

class RatingUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "lib/sub");
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "lib/sub/c.jpg", std::ios::binary)
        << std::string("\xFF\xD8\xFF\xE0", 4) << "jpeg data";
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c);
    cat_ = std::move(*c);
    root_ = *cat_->AddRoot(fs_->RealPath(dir_ / "lib").value(), "lib", 1);
    ScanProgress progress;
    ASSERT_TRUE(ScanRoot(*cat_, *fs_, os::SystemClock(), root_, "", {},
                         progress, jobs::CancelToken()));
    const auto roots = cat_->ListRoots();  // with the scan's generation
    ASSERT_TRUE(roots);
    for (const catalog::Root& r : *roots) {
      if (r.id == root_.id) root_ = r;
    }
  }

  catalog::FileRow Row(const std::string& rel) {
    catalog::FileRow out;
    EXPECT_TRUE(cat_->ForEachFile({}, [&](const catalog::FileRow& r) {
      if (r.rel == rel) out = r;
    }));
    EXPECT_EQ(out.rel, rel);
    return out;
  }

  Result<RatingResult> Rate(const catalog::FileRow& row,
                            RatingRequest::Target target,
                            media::MetadataReader* reader = nullptr) {
    RatingRequest request;
    request.change.rating = 3;
    request.target = target;
    catalog::Operation op;
    op.type = "rate";
    auto id = cat_->BeginOperation(op);
    EXPECT_TRUE(id);
    return RateFile(*cat_, *fs_, reader ? *reader : reader_, root_, row,
                    request, *id, os::SystemClock().NowUnixNs());
  }

  // Rates c.jpg into a new sidecar while its metadata read fails with
  // `code`, then scans with a working reader: how often that scan reads
  // the sidecar.
  int ReadsOfTheSidecarByTheNextScan(ErrorCode code) {
    FailingReader reader;
    reader.Fail(Error(code, "metadata parser worker does not start",
                      "read metadata"));
    auto r = Rate(Row("sub/c.jpg"), RatingRequest::Target::kSidecar, &reader);
    EXPECT_TRUE(r) << r.error().ToString();
    if (!r) return -1;
    EXPECT_THAT(Row("sub/c.jpg.xmp").last_error, HasSubstr("does not start"));
    const int before = reader.Calls(r->written_path);
    reader.Fail(std::nullopt);
    ScanOptions options;
    options.metadata = &reader;
    ScanProgress progress;
    EXPECT_TRUE(ScanRoot(*cat_, *fs_, os::SystemClock(), root_, "", options,
                         progress, jobs::CancelToken()));
    return reader.Calls(r->written_path) - before;
  }

  testing::TempDir dir_;
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  std::unique_ptr<catalog::Catalog> cat_;
  catalog::Root root_;
  NoMetadata reader_;
};

TEST_F(RatingUpdateTest, AFolderReplacedByALinkOutsideTheRootIsRefused) {
  const catalog::FileRow row = Row("sub/c.jpg");
  // After the scan, lib/sub moves out and a link takes its place.
  fs::rename(dir_ / "lib/sub", dir_ / "outside/sub");
  fs::create_directory_symlink("../outside/sub", dir_ / "lib/sub");
  const std::string photo = dir_ / "outside/sub/c.jpg";
  std::ifstream in(photo, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(in)), {});

  for (auto target :
       {RatingRequest::Target::kSidecar, RatingRequest::Target::kEmbed}) {
    auto r = Rate(row, target);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().ToString(),
                HasSubstr("its folder leads through a symbolic link to '" +
                          dir_ / "outside/sub" +
                          "'; phodex does not write through links"));
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "outside/sub"),
                          fs::directory_iterator()),
            1);  // no sidecar, no temp beside the photo
  std::ifstream again(photo, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), {}), before);
}

TEST_F(RatingUpdateTest, AFileInItsOwnFolderIsRated) {
  auto r = Rate(Row("sub/c.jpg"), RatingRequest::Target::kSidecar);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->written_path, root_.path + "/sub/c.jpg.xmp");
  EXPECT_TRUE(r->created);
  EXPECT_TRUE(fs::is_regular_file(dir_ / "lib/sub/c.jpg.xmp"));
}

// Rating reads the written sidecar with the scan's stages: a passing
// failure there (a parser that would not start) leaves it due for the next
// scan; a content fault is recorded as done (scan/retry_policy.h).
TEST_F(RatingUpdateTest, APassingFailureAfterRatingIsRetriedByTheNextScan) {
  EXPECT_EQ(ReadsOfTheSidecarByTheNextScan(ErrorCode::kInternal), 1);
}

TEST_F(RatingUpdateTest, AContentFaultAfterRatingIsNotReadAgain) {
  EXPECT_EQ(ReadsOfTheSidecarByTheNextScan(ErrorCode::kContentFault), 0);
}

}  // namespace
}  // namespace phodex::scan
