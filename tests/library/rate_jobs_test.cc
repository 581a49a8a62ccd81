// Ratings, color labels and picks by file id, as "rate" jobs run on the
// calling thread (library/rate_jobs.h): written to a real JPEG's sidecar,
// read back with exiftool, and what the catalog holds after the write (read
// by the real metadata extractor, in process).

#include "library/rate_jobs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "media/metadata_extractor.h"
#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using ::testing::HasSubstr;
using State = RateFileOutcome::State;

class InProcessMetadata final : public media::MetadataReader {
 public:
  Result<MediaMetadata> Read(const std::string& path, MediaKind kind) override {
    return media::ExtractMetadata(path, kind);
  }
};

// exiftool's reading of the XMP of `file`, through a file beside it.
nlohmann::json ExiftoolXmp(const std::string& file) {
  const std::string out = file + ".exiftool.json";
  const std::string cmd =
      "exiftool -j -n -XMP:all '" + file + "' > '" + out + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return nlohmann::json::object();
  std::ifstream in(out);
  auto j = nlohmann::json::parse(in, nullptr, false);
  std::filesystem::remove(out);
  return j.is_array() && !j.empty() ? j[0] : nlohmann::json::object();
}

bool HaveExiftool() {
  static const bool ok = std::system("exiftool -ver >/dev/null 2>&1") == 0;
  return ok;
}

class RateJobsTest : public LibraryTest {
 protected:
  RateJobsTest() {
    media::InitMetadataLibraries();
    metadata_ = [](const Config&) {
      return Result<std::unique_ptr<media::MetadataReader>>(
          std::make_unique<InProcessMetadata>());
    };
  }
  void SetUp() override {
    LibraryTest::SetUp();
    std::filesystem::create_directories(dir_ / "lib");
    for (const char* name : {"a.jpg", "b.jpg"}) {
      std::filesystem::copy_file(
          std::string(PHODEX_CORPUS_DIR) + "/metadata/files/exiftool/Canon.jpg",
          RootPath() + "/" + name);
    }
    OpenAndScan();
  }
  FileId IdOf(const std::string& rel) {
    auto row = catalog_->FindFile(root_.id, rel);
    EXPECT_TRUE(row && *row) << rel;
    return row && *row ? (*row)->id : FileId{0};
  }
  RateFilesResult Rate(const std::string& body) {
    auto request = ParseRateFilesRequest(body);
    EXPECT_TRUE(request) << request.error().ToString();
    if (!request) return {};
    auto r = RateFiles(*lib_, *request, {});
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(RateFilesResult{});
  }
};

TEST_F(RateJobsTest, LabelAndPickGoToTheSidecarAndTheCatalog) {
  const FileId a = IdOf("a.jpg");
  const std::string body = "{\"id\": " + std::to_string(a.value) +
                           ", \"rating\": 4, \"label\": \"Blue\", "
                           "\"pick\": true}";
  const RateFilesResult r = Rate(body);
  ASSERT_TRUE(r.done);
  ASSERT_EQ(r.files.size(), 1u);
  const RateFileOutcome& f = r.files[0];
  EXPECT_EQ(f.state, State::kDone) << f.error;
  EXPECT_EQ(f.written, root_.path + "/a.jpg.xmp");
  EXPECT_TRUE(f.sidecar_created);
  EXPECT_EQ(f.rating, 4);
  EXPECT_EQ(f.label, "Blue");
  EXPECT_EQ(f.pick, media::Pick::kAccepted);
  if (HaveExiftool()) {
    const nlohmann::json x = ExiftoolXmp(f.written);
    EXPECT_EQ(x["Rating"], 4);
    EXPECT_EQ(x["Label"], "Blue");
    EXPECT_EQ(x["PickLabel"], 3);
  }
  // The photo itself is untouched.
  EXPECT_EQ(std::filesystem::file_size(dir_ / "lib/a.jpg"),
            std::filesystem::file_size(std::string(PHODEX_CORPUS_DIR) +
                                       "/metadata/files/exiftool/Canon.jpg"));

  // Rejecting sets -1 and pick label 1; the label is cleared; the same
  // sidecar is written again, not created.
  const RateFilesResult again =
      Rate("{\"ids\": [" + std::to_string(a.value) +
           "], \"pick\": false, \"label\": null}");
  ASSERT_EQ(again.files.size(), 1u);
  EXPECT_EQ(again.files[0].state, State::kDone) << again.files[0].error;
  EXPECT_FALSE(again.files[0].sidecar_created);
  EXPECT_EQ(again.files[0].rating, -1);
  EXPECT_EQ(again.files[0].label, std::nullopt);
  if (HaveExiftool()) {
    const nlohmann::json x = ExiftoolXmp(again.files[0].written);
    EXPECT_EQ(x["Rating"], -1);
    EXPECT_FALSE(x.contains("Label")) << x.dump();
    EXPECT_EQ(x["PickLabel"], 1);
  }
  // Picking it again brings it back to unrated, pick label 3.
  const RateFilesResult picked =
      Rate("{\"id\": " + std::to_string(a.value) + ", \"pick\": true}");
  EXPECT_EQ(picked.files[0].rating, 0);
}

TEST_F(RateJobsTest, FavoriteUsesTheSettingsAndEachFileIsOneJob) {
  const FileId a = IdOf("a.jpg"), b = IdOf("b.jpg");
  const RateFilesResult r =
      Rate("{\"ids\": [" + std::to_string(a.value) + ", " +
           std::to_string(b.value) + ", " + std::to_string(a.value) +
           "], \"favorite\": true}");
  ASSERT_TRUE(r.done);
  ASSERT_EQ(r.files.size(), 2u);  // a repeated id is rated once
  for (const RateFileOutcome& f : r.files) {
    EXPECT_EQ(f.state, State::kDone) << f.error;
    EXPECT_EQ(f.rating, Config{}.favorite_rating);
    ASSERT_TRUE(f.job);
  }
  auto jobs = catalog_->ListJobs({.kind = std::string(kRateJob)});
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].priority, catalog::JobPriority::kInteractive);
  EXPECT_EQ((*jobs)[0].state, catalog::JobState::kCompleted);
  auto polled = RateJobOutcome(*lib_, *r.files[1].job);
  ASSERT_TRUE(polled && *polled);
  EXPECT_EQ((*polled)->file, b);
  EXPECT_EQ((*polled)->state, State::kDone);
  auto none = RateJobOutcome(*lib_, catalog::JobId{12345});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(RateJobsTest, MissingUnknownAndRemovedFilesFailOneByOne) {
  const FileId a = IdOf("a.jpg"), b = IdOf("b.jpg");
  std::filesystem::remove(dir_ / "lib/b.jpg");
  Rescan();  // b is removed from the catalog
  std::filesystem::rename(dir_ / "lib/a.jpg", dir_ / "a.jpg");  // offline
  const RateFilesResult r =
      Rate("{\"ids\": [" + std::to_string(a.value) + ", " +
           std::to_string(b.value) + ", 999999], \"rating\": 2}");
  ASSERT_TRUE(r.done);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0].state, State::kFailed);
  EXPECT_THAT(r.files[0].error, HasSubstr("a.jpg"));
  EXPECT_EQ(r.files[1].state, State::kFailed);
  EXPECT_THAT(r.files[1].error, HasSubstr("removed"));
  EXPECT_FALSE(r.files[1].job);
  EXPECT_EQ(r.files[2].state, State::kFailed);
  EXPECT_THAT(r.files[2].error, HasSubstr("not a file in the catalog"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "lib/a.jpg.xmp"));
}

TEST(ParseRateFilesRequest, RefusesWhatIsNotAChange) {
  const char* const kBad[] = {
      "",
      "[]",
      "{\"rating\": 3}",
      "{\"id\": 1}",
      "{\"id\": 1, \"ids\": [2], \"rating\": 1}",
      "{\"ids\": [], \"rating\": 1}",
      "{\"ids\": [0], \"rating\": 1}",
      "{\"ids\": [-1], \"rating\": 1}",
      "{\"ids\": [\"1\"], \"rating\": 1}",
      "{\"ids\": [1.5], \"rating\": 1}",
      "{\"ids\": [9223372036854775808], \"rating\": 1}",
      "{\"id\": 1, \"rating\": 6}",
      "{\"id\": 1, \"rating\": -2}",
      "{\"id\": 1, \"rating\": true}",
      "{\"id\": 1, \"label\": \"red\"}",
      "{\"id\": 1, \"label\": \"../etc\"}",
      "{\"id\": 1, \"pick\": 3}",
      "{\"id\": 1, \"favorite\": 1}",
      "{\"id\": 1, \"rating\": 3, \"favorite\": true}",
      "{\"id\": 1, \"rating\": 3, \"pick\": false}",
      "{\"id\": 1, \"rating\": -1, \"pick\": true}",
      "{\"id\": 1, \"rating\": 3, \"stars\": 2}",
      "{\"id\": 1, \"rating\": 3, \"write\": \"/tmp/x\"}",
  };
  for (const char* body : kBad) {
    auto r = ParseRateFilesRequest(body);
    EXPECT_FALSE(r) << body;
    if (!r) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << body;
    }
  }
  auto query = ParseRateFilesRequest("{\"query\": {}, \"rating\": 1}");
  ASSERT_FALSE(query);
  EXPECT_THAT(query.error().message(), HasSubstr("not supported yet"));
  std::string many = "{\"rating\": 1, \"ids\": [";
  for (size_t i = 1; i <= kMaxRateFiles + 1; ++i) {
    many += (i > 1 ? "," : "") + std::to_string(i);
  }
  EXPECT_FALSE(ParseRateFilesRequest(many + "]}"));
}

TEST(ParseRateFilesRequest, ThePayloadRoundTrips) {
  auto r = ParseRateFilesRequest(
      "{\"id\": 7, \"rating\": -1, \"pick\": false, \"label\": null, "
      "\"write\": \"file\"}");
  ASSERT_TRUE(r) << r.error().ToString();
  auto back = RatingEditFromJson(RatingEditToJson(r->edit));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->stars, -1);
  EXPECT_EQ(back->label, "");
  EXPECT_EQ(back->pick, media::Pick::kRejected);
  EXPECT_EQ(back->target, scan::RatingRequest::Target::kEmbed);
}

}  // namespace
}  // namespace phodex::library
