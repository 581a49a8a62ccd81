// RateFile on real files: a rating is never written outside the root it
// was asked about, even when a folder of the root was replaced by a link
// to somewhere else after the scan (issue #11).

#include "scan/rating_update.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "catalog/sqlite/sqlite_catalog.h"
#include "os/clock.h"
#include "scan/pipeline.h"
#include "tests/fakes/temp_dir.h"

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
                            RatingRequest::Target target) {
    RatingRequest request;
    request.rating = 3;
    request.target = target;
    catalog::Operation op;
    op.type = "rate";
    auto id = cat_->BeginOperation(op);
    EXPECT_TRUE(id);
    return RateFile(*cat_, *fs_, reader_, root_, row, request, *id,
                    os::SystemClock().NowUnixNs());
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

}  // namespace
}  // namespace phodex::scan
