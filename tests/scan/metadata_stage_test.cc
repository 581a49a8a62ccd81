// The metadata stage inside the whole scan, on an in-memory tree and a
// real SQLite catalog, with a scripted MetadataReader.

#include "scan/metadata_stage.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "catalog/sqlite/sqlite_catalog.h"
#include "scan/pipeline.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"
#include "tests/scan/scan_world.h"

namespace phodex::scan {
namespace {


// Answers from a table keyed by absolute path; counts calls.
class ScriptedReader final : public media::MetadataReader {
 public:
  Result<MediaMetadata> Read(const std::string& path, MediaKind) override {
    std::lock_guard lock(mu_);
    ++calls_[path];
    auto it = answers_.find(path);
    if (it == answers_.end()) return MediaMetadata{};
    return it->second;
  }
  void Set(const std::string& path, Result<MediaMetadata> r) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(path, std::move(r));
  }
  int Calls(const std::string& path) {
    std::lock_guard lock(mu_);
    return calls_[path];
  }

 private:
  std::mutex mu_;
  std::map<std::string, Result<MediaMetadata>> answers_;
  std::map<std::string, int> calls_;
};

MediaMetadata Camera(const std::string& make, std::optional<int> rating) {
  MediaMetadata m;
  m.mime = "image/jpeg";
  m.make = make;
  m.rating = rating;
  m.title = "from the file";
  m.taken = "2024-05-01T14:34:56";
  m.tags_json = R"({"Exif.Image.Make":")" + make + R"("})";
  return m;
}

class MetadataStageTest : public ScanWorldTest {
 protected:
  ScanReport Scan(media::MetadataReader* reader) {
    ScanOptions opts;
    opts.threads = 2;
    opts.metadata = reader;
    auto roots = cat_->ListRoots();  // the root as the catalog holds it now
    for (const catalog::Root& r : *roots) {
      if (r.id == root_.id) root_ = r;
    }
    ScanProgress progress;
    auto r = ScanRoot(*cat_, fs_, os::SystemClock(), root_, "", opts,
                      progress, jobs::CancelToken());
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }

  catalog::FileRow TaggedRow(const std::string& rel) {
    catalog::FileQuery q;
    q.with_tags = true;
    return Row(rel, q);
  }

  ScriptedReader reader_;
};

TEST_F(MetadataStageTest, StoresWhatTheReaderSaysAndReadsEachFileOnce) {
  fs_.AddFile("/lib/a.jpg", kJpeg + "a");
  fs_.AddFile("/lib/notes.txt", "not media");
  reader_.Set("/lib/a.jpg", Camera("Canon", 3));
  Scan(&reader_);
  const auto row = TaggedRow("a.jpg");
  ASSERT_TRUE(row.metadata);
  EXPECT_EQ(row.metadata->make, "Canon");
  EXPECT_EQ(row.metadata->rating, 3);
  EXPECT_EQ(row.metadata->taken, "2024-05-01T14:34:56");
  EXPECT_EQ(row.metadata->tags_json, R"({"Exif.Image.Make":"Canon"})");
  EXPECT_TRUE(Row("a.jpg").metadata->tags_json.empty());  // not asked for
  EXPECT_EQ(reader_.Calls("/lib/notes.txt"), 0);
  Scan(&reader_);
  EXPECT_EQ(reader_.Calls("/lib/a.jpg"), 1);  // unchanged: not read again
}

TEST_F(MetadataStageTest, AFileNoParserReadsIsRecordedOnceAndNotRetried) {
  fs_.AddFile("/lib/bad.jpg", kJpeg + "bad");
  // The worker pool's word for a worker that crashed on it twice.
  reader_.Set("/lib/bad.jpg",
              MakeError(ErrorCode::kContentFault,
                        "metadata parser crashed (killed by signal 11)",
                        "read metadata", "/lib/bad.jpg"));
  const ScanReport r = Scan(&reader_);
  EXPECT_EQ(r.counts.errors, 1);
  const auto row = Row("bad.jpg");
  EXPECT_TRUE(row.present);
  EXPECT_TRUE(row.quick_hash);  // the other stages' work is kept
  EXPECT_NE(row.last_error.find("crashed"), std::string::npos);
  auto errors = cat_->ListFileErrors(std::nullopt, 10);
  ASSERT_TRUE(errors);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_NE((*errors)[0].reason.find("signal 11"), std::string::npos);
  Scan(&reader_);
  EXPECT_EQ(reader_.Calls("/lib/bad.jpg"), 1);
}

TEST_F(MetadataStageTest, ATransientErrorIsRetriedByTheNextScan) {
  fs_.AddFile("/lib/a.jpg", kJpeg + "a");
  reader_.Set("/lib/a.jpg", MakeError(ErrorCode::kIo, "input/output error",
                                      "read metadata", "/lib/a.jpg"));
  Scan(&reader_);
  EXPECT_FALSE(Row("a.jpg").metadata);
  reader_.Set("/lib/a.jpg", Camera("Nikon", std::nullopt));
  Scan(&reader_);
  EXPECT_EQ(reader_.Calls("/lib/a.jpg"), 2);
  ASSERT_TRUE(Row("a.jpg").metadata);
  EXPECT_EQ(Row("a.jpg").metadata->make, "Nikon");
  EXPECT_TRUE(Row("a.jpg").last_error.empty());
}

// Passing failures (a worker that would not start, a busy machine's
// timeout, out of memory) are shown, but the file is read again by the
// next scan even though it did not change (scan/retry_policy.h).
TEST_F(MetadataStageTest, APassingFailureIsShownAndRetriedByTheNextScan) {
  for (ErrorCode code : {ErrorCode::kInternal, ErrorCode::kTimedOut}) {
    SCOPED_TRACE(ErrorCodeName(code));
    const std::string name = std::string("/lib/") + ErrorCodeName(code) + ".jpg";
    fs_.AddFile(name, kJpeg + name);
    reader_.Set(name, MakeError(code, "metadata parser worker does not start",
                                "read metadata", name));
    Scan(&reader_);
    EXPECT_NE(Row(name.substr(5)).last_error.find("does not start"),
              std::string::npos);
    reader_.Set(name, Camera("Nikon", std::nullopt));
    Scan(&reader_);
    EXPECT_EQ(reader_.Calls(name), 2);
    ASSERT_TRUE(Row(name.substr(5)).metadata);
    EXPECT_TRUE(Row(name.substr(5)).last_error.empty());
    Scan(&reader_);
    EXPECT_EQ(reader_.Calls(name), 2);  // done now: not read a third time
  }
}

TEST_F(MetadataStageTest, TheSidecarWinsForRatingAndTextButNotCamera) {
  fs_.AddFile("/lib/IMG_1.CR2", "raw bytes");
  fs_.AddFile("/lib/IMG_1.CR2.xmp", "<x:xmpmeta/>");
  reader_.Set("/lib/IMG_1.CR2", Camera("Canon", 1));
  MediaMetadata xmp;
  xmp.mime = "application/rdf+xml";
  xmp.rating = 5;
  xmp.label = "Red";
  xmp.keywords = {"beach", "family"};
  xmp.title = "from the sidecar";
  xmp.make = "Lightroom";  // a sidecar does not rename the camera
  xmp.tags_json = R"({"Xmp.xmp.Rating":"5"})";
  reader_.Set("/lib/IMG_1.CR2.xmp", xmp);
  Scan(&reader_);
  const auto row = TaggedRow("IMG_1.CR2");
  ASSERT_TRUE(row.metadata);
  EXPECT_EQ(row.metadata->rating, 5);
  EXPECT_EQ(row.metadata->label, "Red");
  EXPECT_EQ(row.metadata->keywords,
            (std::vector<std::string>{"beach", "family"}));
  EXPECT_EQ(row.metadata->title, "from the sidecar");
  EXPECT_EQ(row.metadata->make, "Canon");
  EXPECT_EQ(row.sidecar_rel, "IMG_1.CR2.xmp");
  EXPECT_EQ(row.sidecar_tags_json, R"({"Xmp.xmp.Rating":"5"})");

  // Lightroom changes the rating: only the sidecar is read again.
  fs_.AddFile("/lib/IMG_1.CR2.xmp", "<x:xmpmeta rating='2'/>");
  xmp.rating = 2;
  reader_.Set("/lib/IMG_1.CR2.xmp", xmp);
  Scan(&reader_);
  EXPECT_EQ(Row("IMG_1.CR2").metadata->rating, 2);
  EXPECT_EQ(reader_.Calls("/lib/IMG_1.CR2"), 1);
}

TEST_F(MetadataStageTest, LightroomNamedSidecarsMergeToo) {
  fs_.AddFile("/lib/IMG_2.CR2", "raw bytes 2");
  fs_.AddFile("/lib/IMG_2.xmp", "<x:xmpmeta/>");
  reader_.Set("/lib/IMG_2.CR2", Camera("Canon", std::nullopt));
  MediaMetadata xmp;
  xmp.rating = -1;
  xmp.keywords = {"reject"};
  reader_.Set("/lib/IMG_2.xmp", xmp);
  Scan(&reader_);
  const auto row = Row("IMG_2.CR2");
  ASSERT_TRUE(row.metadata);
  EXPECT_EQ(row.metadata->rating, -1);
  EXPECT_EQ(row.metadata->keywords, std::vector<std::string>{"reject"});
  EXPECT_EQ(row.sidecar_rel, "IMG_2.xmp");
}

TEST_F(MetadataStageTest, ChangedContentNeverKeepsOldMetadata) {
  fs_.AddFile("/lib/a.jpg", kJpeg + "a");
  reader_.Set("/lib/a.jpg", Camera("Canon", 3));
  Scan(&reader_);
  ASSERT_TRUE(Row("a.jpg").metadata);
  fs_.AddFile("/lib/a.jpg", kJpeg + "a, edited and longer");
  Scan(nullptr);  // a scan without the metadata stage
  EXPECT_FALSE(Row("a.jpg").metadata);
  Scan(&reader_);  // the next scan with it reads the file again
  EXPECT_EQ(reader_.Calls("/lib/a.jpg"), 2);
  EXPECT_TRUE(Row("a.jpg").metadata);
}

TEST_F(MetadataStageTest, AFileBackAtItsPathWithOtherContentHasNoOldMetadata) {
  fs_.AddFile("/lib/a.jpg", kJpeg + "a");
  reader_.Set("/lib/a.jpg", Camera("Canon", 3));
  Scan(&reader_);
  const FileId id = Row("a.jpg").id;
  fs_.Remove("/lib/a.jpg");
  Scan(nullptr);  // recorded as removed, with its metadata
  ASSERT_TRUE(Row("a.jpg").metadata);
  fs_.AddFile("/lib/a.jpg", kJpeg + "another picture, another size");
  Scan(nullptr);  // back, read by no metadata stage
  const auto row = Row("a.jpg");
  EXPECT_EQ(row.id, id);  // the same record, revived
  EXPECT_FALSE(row.metadata);
}

TEST_F(MetadataStageTest, AMovedFileKeepsItsIdAndHasItsMetadata) {
  fs_.AddDir("/lib/2024");
  fs_.AddFile("/lib/a.jpg", kJpeg + "a");
  reader_.Set("/lib/a.jpg", Camera("Canon", 4));
  reader_.Set("/lib/2024/a.jpg", Camera("Canon", 4));
  Scan(&reader_);
  const FileId id = Row("a.jpg").id;
  fs_.Remove("/lib/a.jpg");
  fs_.AddFile("/lib/2024/a.jpg", kJpeg + "a");
  const ScanReport r = Scan(&reader_);
  EXPECT_EQ(r.counts.moved, 1);
  const auto row = Row("2024/a.jpg");
  EXPECT_EQ(row.id, id);
  ASSERT_TRUE(row.metadata);
  EXPECT_EQ(row.metadata->rating, 4);
}

}  // namespace
}  // namespace phodex::scan
