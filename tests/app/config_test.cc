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

TEST_F(ConfigTest, ReadsServeSettings) {
  auto c = Load(R"(
[serve]
delay = 0.2
settle = 0.5
delete_hold = 1
root_storm = 1000
reconcile_interval = 600
thumbs = false
)");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->serve_delay_s, 0.2);
  EXPECT_EQ(c->serve_settle_s, 0.5);
  EXPECT_EQ(c->serve_delete_hold_s, 1);
  EXPECT_EQ(c->serve_root_storm, 1000);
  EXPECT_EQ(c->serve_folder_storm, 128);  // the default
  EXPECT_EQ(c->serve_reconcile_interval_s, 600);
  EXPECT_FALSE(c->serve_thumbs);
  EXPECT_THAT(c->warnings, ::testing::IsEmpty());
  auto e = Load("[serve]\ndelay = \"soon\"\n");
  ASSERT_FALSE(e);
  EXPECT_THAT(e.error().ToString(), HasSubstr("serve.delay must be a number"));
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

TEST_F(ConfigTest, ValuesOutOfRangeNameTheFileAndTheKey) {
  auto c = Load("[scan]\nthreads = -5\n");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(c.error().ToString(), HasSubstr(path_));
  EXPECT_THAT(c.error().ToString(),
              HasSubstr("scan.threads must be between 0 and 1024 (got -5)"));
  for (const char* text : {
           "[scan]\nthreads = 100000\n",
           "[metadata]\nworkers = -1\n",
           "[metadata]\ntimeout = 0\n",
           "[metadata]\ntimeout = inf\n",
           "[metadata]\ntimeout = nan\n",
           "[thumbnails]\nquality = 101\n",
           "[thumbnails]\npreview_size = 8\n",
           // Would wrap to 64 when narrowed to int.
           "[thumbnails]\nmemory_mb = 4294967360\n",
           "[thumbnails]\nmax_megapixels = 1e300\n",
           "[similar]\nthreshold = 33\n",
           "[quality]\nblurry = -1\n",
           "[ratings]\nfavorite = 6\n",
           "[serve]\ndelay = -1\n",
           "[serve]\nsettle = 7200\n",
           "[serve]\nreconcile_interval = 0\n",
           "[serve]\npoll_interval = 0.5\n",
           "[serve]\noffline_check = 0\n",
           "[serve]\nfolder_storm = 0\n",
       }) {
    auto e = Load(text);
    ASSERT_FALSE(e) << text;
    const std::string key = std::string(text).substr(1, std::string(text).find(']') - 1);
    EXPECT_THAT(e.error().ToString(), HasSubstr(key + ".")) << text;
    EXPECT_THAT(e.error().ToString(), HasSubstr("must be")) << text;
  }
}

TEST_F(ConfigTest, WrongTypesNameTheKeyAndTheExpectedType) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"[scan]\nexclude = \"notalist\"\n",
                "scan.exclude must be a list of strings, not a string"},
           Case{"[scan]\nthreads = \"8\"\n", "scan.threads must be an integer"},
           Case{"[scan]\nthreads = 2.5\n", "scan.threads must be an integer"},
           Case{"[scan]\nfollow_symlinks = \"yes\"\n",
                "scan.follow_symlinks must be true or false"},
           Case{"[scan]\nhash = 1\n", "scan.hash must be \"quick\" or \"full\""},
           Case{"[metadata]\ntimeout = \"10s\"\n",
                "metadata.timeout must be a number"},
           Case{"scan = 3\n", "scan must be a table"},
       }) {
    auto e = Load(c.text);
    ASSERT_FALSE(e) << c.text;
    EXPECT_THAT(e.error().ToString(), HasSubstr(c.message)) << c.text;
  }
  // Integers are fine where a number is expected.
  auto ok = Load("[metadata]\ntimeout = 3\n[quality]\nblurry = 12\n");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->metadata_timeout_s, 3);
  EXPECT_EQ(ok->blurry_sharpness, 12);
}

TEST_F(ConfigTest, UnknownKeysAreWarningsNotErrors) {
  auto c = Load(R"(
top = 1
[scan]
exlude = ["*.psd"]
threads = 4
[thumbnail]
size = 3
[ratings.extra]
x = 1
)");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->threads, 4);
  EXPECT_THAT(c->warnings,
              ElementsAre(HasSubstr("unknown key ratings.extra"),
                          HasSubstr("unknown key scan.exlude"),
                          HasSubstr("unknown key thumbnail"),
                          HasSubstr("unknown key top")));
  auto quiet = Load("[scan]\nexclude = []\n[thumbnails]\nquality = 90\n");
  ASSERT_TRUE(quiet);
  EXPECT_THAT(quiet->warnings, ::testing::IsEmpty());
}

TEST_F(ConfigTest, EveryDocumentedKeyIsKnown) {
  // The example of docs/cli.md, every key at its default.
  auto c = Load(R"(
[scan]
exclude = ["*.psd", "Exports", "2019/tmp/*"]
follow_symlinks = false
cross_filesystems = false
include_hidden = false
threads = 0
hash = "quick"
max_removed_fraction = 0.5
[metadata]
enabled = true
workers = 0
timeout = 10
[thumbnails]
thumb_size = 256
preview_size = 1600
format = "webp"
quality = 80
workers = 0
timeout = 60
max_megapixels = 300
memory_mb = 1024
[similar]
threshold = 12
[quality]
blurry = 30
[ratings]
favorite = 5
unfavorite = 0
sidecar_naming = "full"
[serve]
delay = 2
delete_hold = 10
settle = 2
folder_storm = 128
root_storm = 512
reconcile_interval = 3600
polled_interval = 86400
poll_interval = 300
offline_check = 10
thumbs = true
job_retention = 7
)");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_THAT(c->warnings, ::testing::IsEmpty());
  EXPECT_EQ(c->thumb_size, 256);
  EXPECT_EQ(c->pixel_memory_mb, 1024);
  EXPECT_EQ(c->sidecar_naming, "full");
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
