// Hostile files through the real binary (issue #11, "user files are
// sacred"): a sidecar name linked to a file outside the library is refused,
// never written through; a FIFO in place of a sidecar, a photo or the
// config file makes commands fail promptly with a reason instead of
// waiting forever in open(2). Every run is bounded (timeout -s KILL), so a
// regression fails the test instead of hanging the suite.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Every run goes through timeout(1); what it exits with when it had to
// kill phodex.
constexpr char kTimeout[] = "/usr/bin/timeout";
constexpr int kKilledByTimeout = 128 + 9;

// FIFOs made by a test. When the test ends, each is opened at both ends
// without blocking, which releases any process still waiting in open(2)
// on it (a regression: phodex or one of its workers), so that a failing
// test leaves nothing behind.
class Fifos {
 public:
  Fifos() = default;
  Fifos(const Fifos&) = delete;
  Fifos& operator=(const Fifos&) = delete;
  ~Fifos() {
    for (const std::string& p : paths_) {
      const int r = ::open(p.c_str(), O_RDONLY | O_NONBLOCK);
      const int w = ::open(p.c_str(), O_WRONLY | O_NONBLOCK);
      if (w >= 0) ::close(w);
      if (r >= 0) ::close(r);
    }
  }
  // Replaces whatever is at `path` by a FIFO.
  void Make(const std::string& path) {
    fs::remove(path);
    ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0) << path;
    paths_.push_back(path);
  }

 private:
  std::vector<std::string> paths_;
};

class HostileFilesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = CorpusDir() + "/metadata/files/exiftool/Canon.jpg";
    ASSERT_TRUE(fs::exists(src)) << "corpus missing: " << src;
    ASSERT_EQ(::access(kTimeout, X_OK), 0) << kTimeout << " is needed";
    fs::create_directories(lib_);
    fs::create_directories(outside_);
    fs::copy_file(src, lib_ + "/a.jpg");
    fs::permissions(lib_ + "/a.jpg", fs::perms(0644));
  }
  // phodex with this test's catalog, killed if it runs past a minute (far
  // more than any of these commands needs, even under ASan).
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    RunResult r =
        RunPhodex(args, scratch_.path(), {kTimeout, "-s", "KILL", "60"});
    EXPECT_NE(r.exit_code, kKilledByTimeout)
        << "phodex " << ::testing::PrintToString(args) << " hung";
    return r;
  }
  void Scan() {
    RunResult r = Run({"scan", lib_, "--progress", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // A sidecar name of a.jpg linked to outside/x.conf, an empty file (an
  // empty file reads as "no XMP yet": the rating would be written there).
  void ExpectLinkedSidecarRefused(const std::string& name) {
    const std::string conf = outside_ + "/x.conf";
    std::ofstream(conf).flush();
    const std::string link = lib_ + "/" + name;
    fs::create_symlink("../outside/x.conf", link);
    Scan();
    RunResult r = Run({"rate", lib_ + "/a.jpg", "--stars", "3"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("'" + link +
                                 "': is a symbolic link; phodex "
                                 "does not write through links"));
    EXPECT_EQ(fs::file_size(conf), 0u);
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(
        std::distance(fs::directory_iterator(lib_), fs::directory_iterator()),
        3);  // a.jpg, the link and the root's marker: no other sidecar or temp
  }

  TempDir dir_;
  TempDir scratch_;
  Fifos fifos_;
  std::string lib_ = dir_ / "lib";
  std::string outside_ = dir_ / "outside";
  std::string catalog_ = dir_ / "data/catalog.db";
};

TEST_F(HostileFilesE2eTest, RateRefusesAFullNameSidecarLinkedOutside) {
  ExpectLinkedSidecarRefused("a.jpg.xmp");
}

TEST_F(HostileFilesE2eTest, RateRefusesALightroomSidecarLinkedOutside) {
  ExpectLinkedSidecarRefused("a.xmp");
}

TEST_F(HostileFilesE2eTest, RateOnAFifoSidecarFailsPromptly) {
  fifos_.Make(lib_ + "/a.jpg.xmp");
  Scan();
  RunResult r = Run({"rate", lib_ + "/a.jpg", "--stars", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("a.jpg.xmp"));
  EXPECT_THAT(r.err, HasSubstr("not a regular file"));
}

// A catalogued photo, and its duplicate, replaced by a FIFO after the
// scan: every command that reads it returns, with the file as an error.
TEST_F(HostileFilesE2eTest, CommandsOnAPhotoReplacedByAFifoReturnPromptly) {
  fs::copy_file(lib_ + "/a.jpg", lib_ + "/b.jpg");
  Scan();
  fifos_.Make(lib_ + "/b.jpg");

  RunResult dupes = Run({"dupes"});
  EXPECT_THAT(dupes.out + dupes.err, HasSubstr("not a regular file (a FIFO)"));

  RunResult embed = Run({"rate", lib_ + "/b.jpg", "--stars", "2", "--embed"});
  EXPECT_EQ(embed.exit_code, 1) << embed.out << embed.err;
  EXPECT_THAT(embed.err, HasSubstr("b.jpg"));
  EXPECT_THAT(embed.err, HasSubstr("not a regular file"));

  Run({"verify"});
  Run({"thumbs"});
  RunResult scan = Run({"scan", lib_, "--progress", "none"});
  EXPECT_EQ(scan.exit_code, 0) << scan.out << scan.err;
}

TEST_F(HostileFilesE2eTest, AConfigFileThatIsAFifoIsAClearError) {
  const std::string config = dir_ / "config.toml";
  fifos_.Make(config);
  RunResult r = Run({"--config", config, "scan", lib_, "--progress", "none"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("read config '" + config +
                               "': not a regular file (a FIFO)"));
}

}  // namespace
}  // namespace phodex::testing
