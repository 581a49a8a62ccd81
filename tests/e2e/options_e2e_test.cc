// End-to-end: options and config values out of range are refused with a
// message naming them, before anything runs; unknown config keys are
// warned about.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class OptionsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 40; ++i) {
      const std::string dir = dir_ / ("lib/d" + std::to_string(i));
      fs::create_directories(dir);
      std::ofstream(dir + "/p.jpg", std::ios::binary)
          << std::string("\xFF\xD8\xFF\xE0", 4) << "jpeg " << i;
    }
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", dir_ / "data/catalog.db"});
    return RunPhodex(args, scratch_.path());
  }
  std::string WriteConfig(const std::string& text) {
    const std::string path = dir_ / "config.toml";
    std::ofstream(path) << text;
    return path;
  }

  TempDir dir_;
  TempDir scratch_;
};

TEST_F(OptionsE2eTest, TooManyThreadsIsAUsageErrorNotACrash) {
  RunResult r = Run({"scan", "--no-metadata", "--threads", "100000",
                     dir_ / "lib"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--threads"));
  EXPECT_THAT(r.err, HasSubstr("1024"));
  // Nothing ran: no root was added.
  EXPECT_FALSE(fs::exists(dir_ / "data/catalog.db"));
  r = Run({"verify", "--threads", "-5"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--threads"));
  // The largest allowed value works.
  r = Run({"scan", "--no-metadata", "--threads", "1024", dir_ / "lib"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 40"));
}

TEST_F(OptionsE2eTest, NegativeLimitsAreUsageErrors) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"ls", "--limit", "-5"},
        {"ops", "--limit", "-1"},
        {"ops", "--errors", "--op", "-3"},
        {"scan", "--batch-size", "0"},
        {"similar", "--threshold", "99"}}) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(args[args.size() - 2])) << args[0];
  }
}

TEST_F(OptionsE2eTest, BadConfigValuesNameTheFileAndTheKey) {
  const std::string cfg = WriteConfig("[scan]\nthreads = -5\n");
  RunResult r = Run({"--config", cfg, "scan", "--no-metadata", dir_ / "lib"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(cfg));
  EXPECT_THAT(r.err, HasSubstr("scan.threads must be between 0 and 1024"));
  WriteConfig("[scan]\nexclude = \"notalist\"\n");
  r = Run({"--config", cfg, "ls"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("scan.exclude must be a list of strings"));
}

TEST_F(OptionsE2eTest, UnknownConfigKeysAreWarnedAbout) {
  const std::string cfg =
      WriteConfig("[scan]\nexlude = [\"*.psd\"]\n[thumbnail]\nsize = 3\n");
  RunResult r = Run({"--config", cfg, "scan", "--no-metadata", dir_ / "lib"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("unknown key scan.exlude"));
  EXPECT_THAT(r.err, HasSubstr("unknown key thumbnail"));
  EXPECT_THAT(r.err, HasSubstr(cfg));
  // A good config says nothing.
  WriteConfig("[scan]\nexclude = [\"*.psd\"]\n");
  r = Run({"--config", cfg, "ls"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
}

}  // namespace
}  // namespace phodex::testing
