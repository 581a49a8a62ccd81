// phodex rate / fav through the real binary: what other tools (exiftool)
// read back, what the catalog shows, and that the next scan does not take
// phodex's own writes for foreign edits.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// exiftool's view of one file (-n: numbers as numbers).
json Exiftool(const std::string& path, const std::string& tags) {
  const std::string out =
      RunShell("exiftool -j -n -G " + tags + " '" + path + "'").out;
  json j = json::parse(out, nullptr, false);
  return j.is_array() && !j.empty() ? j[0] : json();
}

class RateE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = CorpusDir() + "/metadata/files/exiftool/Canon.jpg";
    ASSERT_TRUE(fs::exists(src)) << "corpus missing: " << src;
    fs::create_directories(lib_);
    fs::copy_file(src, jpg_);
    fs::copy_file(CorpusDir() + "/metadata/files/exiftool/Nikon.jpg",
                  lib_ + "/Nikon.jpg");
    std::ofstream(lib_ + "/notes.txt") << "not a photo";
    ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }
  json Listed(const std::string& path) {
    RunResult r = Run({"ls", "--json", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  // The next scan finds nothing new or changed.
  void ExpectRescanSeesNoChange() {
    RunResult r = Run({"scan", lib_, "--progress", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("added 0, updated 0"), std::string::npos) << r.out;
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = dir_ / "lib";
  std::string jpg_ = dir_ / "lib/Canon.jpg";
  std::string catalog_ = dir_ / "data/catalog.db";
};

TEST_F(RateE2eTest, RatingGoesToANewSidecarThatExiftoolReads) {
  const std::string before = Slurp(jpg_);
  RunResult r = Run({"rate", "--stars", "4", jpg_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sidecar = jpg_ + ".xmp";
  ASSERT_TRUE(fs::exists(sidecar));
  EXPECT_EQ(Slurp(jpg_), before);  // the photo is not touched
  EXPECT_EQ(Exiftool(sidecar, "-XMP:Rating")["XMP:Rating"], 4);
  EXPECT_EQ(Listed(jpg_)["rating"], 4);
  EXPECT_EQ(Listed(jpg_)["make"], "Canon");  // the photo's fields remain
  ExpectRescanSeesNoChange();

  // Updating keeps the sidecar's other fields.
  ASSERT_EQ(Run({"rate", "--stars", "-1", jpg_}).exit_code, 0);
  EXPECT_EQ(Exiftool(sidecar, "-XMP:Rating")["XMP:Rating"], -1);
  EXPECT_EQ(Listed(jpg_)["rating"], -1);
  ExpectRescanSeesNoChange();
}

TEST_F(RateE2eTest, FavoritesAreFiveStarsAndOffIsZero) {
  ASSERT_EQ(Run({"fav", jpg_}).exit_code, 0);
  EXPECT_EQ(Listed(jpg_)["rating"], 5);
  ASSERT_EQ(Run({"fav", "--off", jpg_}).exit_code, 0);
  EXPECT_EQ(Listed(jpg_)["rating"], 0);
  EXPECT_EQ(Exiftool(jpg_ + ".xmp", "-XMP:Rating")["XMP:Rating"], 0);
}

TEST_F(RateE2eTest, EmbedWritesExifAndXmpRatingAndKeepsTheRest) {
  // The corpus copy is read-only: phodex refuses to embed into it.
  fs::permissions(jpg_, fs::perms::owner_write, fs::perm_options::remove);
  const std::string original = Slurp(jpg_);
  RunResult refused = Run({"rate", "--stars", "3", "--embed", jpg_});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("read-only"), std::string::npos) << refused.err;
  EXPECT_EQ(Slurp(jpg_), original);

  fs::permissions(jpg_, fs::perms::owner_write, fs::perm_options::add);
  const json before = Exiftool(jpg_, "-EXIF:all -IPTC:all");
  ASSERT_EQ(Run({"rate", "--stars", "3", "--embed", jpg_}).exit_code, 0);
  EXPECT_FALSE(fs::exists(jpg_ + ".xmp"));
  const json after =
      Exiftool(jpg_, "-EXIF:all -IPTC:all -XMP:Rating");
  EXPECT_EQ(after["EXIF:Rating"], 3);
  EXPECT_EQ(after["EXIF:RatingPercent"], 50);
  EXPECT_EQ(after["XMP:Rating"], 3);
  for (const auto& [key, value] : before.items()) {
    if (key == "SourceFile") continue;
    EXPECT_EQ(after[key], value) << key;
  }
  EXPECT_EQ(Listed(jpg_)["rating"], 3);
  ExpectRescanSeesNoChange();
}

TEST_F(RateE2eTest, ManyFilesFromStdinAndClearErrors) {
  // Paths from stdin: the runner gives /dev/null, so use a shell.
  const std::string list = dir_ / "list.txt";
  std::ofstream(list) << jpg_ << "\n" << lib_ << "/Nikon.jpg\n";
  const std::string cmd = std::string(PHODEX_BINARY) + " --catalog " +
                          catalog_ + " rate --stars 2 - < " + list +
                          " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(Listed(jpg_)["rating"], 2);
  EXPECT_EQ(Listed(lib_ + "/Nikon.jpg")["rating"], 2);

  RunResult bad = Run({"rate", "--stars", "7", jpg_});
  EXPECT_EQ(bad.exit_code, 2);
  RunResult not_media = Run({"rate", "--stars", "1", lib_ + "/notes.txt"});
  EXPECT_EQ(not_media.exit_code, 1);
  EXPECT_NE(not_media.err.find("not a file in the catalog"), std::string::npos)
      << not_media.err;
  EXPECT_FALSE(fs::exists(lib_ + "/notes.txt.xmp"));
  RunResult ops = Run({"ops"});
  EXPECT_NE(ops.out.find("rate"), std::string::npos) << ops.out;
}

}  // namespace
}  // namespace phodex::testing
