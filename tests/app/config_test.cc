#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/fakes/temp_dir.h"

namespace phodex::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  Result<Config> Load(const std::string& text,
                      ConfigRequired required = ConfigRequired::kYes) {
    std::ofstream(path_) << text;
    return LoadConfig(*fs_, path_, required);
  }
  testing::TempDir dir_;
  std::string path_ = dir_ / "config.toml";
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
};

TEST_F(ConfigTest, ReadsScanSettings) {
  auto c = Load(R"(
[scan]
exclude = ["*.psd", "Exports"]
follow_symlinks = true
threads = 8
)");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_THAT(c->scan_exclude, ElementsAre("*.psd", "Exports"));
  EXPECT_TRUE(c->follow_symlinks);
  EXPECT_FALSE(c->cross_filesystems);
  EXPECT_EQ(c->threads, 8);
}

TEST_F(ConfigTest, MissingDefaultFileIsEmptyButMissingExplicitFileFails) {
  auto c = LoadConfig(*fs_, dir_ / "nope.toml", ConfigRequired::kNo);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->scan_exclude.empty());
  auto e = LoadConfig(*fs_, dir_ / "nope.toml", ConfigRequired::kYes);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kNotFound);
}

TEST_F(ConfigTest, SyntaxErrorsNameTheLine) {
  auto c = Load("[scan]\nexclude = [\"a\",\n\nthreads = = 3\n");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().ToString(), HasSubstr("line"));
  auto t = Load("[scan]\nexclude = [1, 2]\n");
  ASSERT_FALSE(t);
  EXPECT_THAT(t.error().ToString(), HasSubstr("list of strings"));
}

TEST_F(ConfigTest, RemovalLimitIsAFractionAboveZero) {
  auto d = Load("");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->max_removed_fraction, 0.5);
  for (const char* ok : {"0.25", "1", "1.0"}) {
    auto c = Load(std::string("[scan]\nmax_removed_fraction = ") + ok + "\n");
    ASSERT_TRUE(c) << ok << ": " << c.error().ToString();
    EXPECT_EQ(c->max_removed_fraction, std::stod(ok));
  }
  for (const char* bad : {"0", "-0.5", "1.5", "nan", "\"half\"", "true"}) {
    auto c = Load(std::string("[scan]\nmax_removed_fraction = ") + bad + "\n");
    ASSERT_FALSE(c) << bad;
    EXPECT_THAT(c.error().ToString(), HasSubstr("max_removed_fraction"));
  }
}

}  // namespace
}  // namespace phodex::app
