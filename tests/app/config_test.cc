#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

// toml::parse_file's open of a FIFO waited for a writer forever; the
// config is read through FileSystem, which refuses one at once. Run in a
// child that SIGALRM ends, so a regression fails instead of hanging.
TEST_F(ConfigTest, AFifoIsAClearErrorNotAHang) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0644), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(10);
    auto c = LoadConfig(*fs_, path_, ConfigRequired::kNo);
    ::_exit(!c && c.error().ToString() == "read config '" + path_ +
                                              "': not a regular file (a FIFO)"
                ? 0
                : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "LoadConfig blocked on the FIFO";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace phodex::app
