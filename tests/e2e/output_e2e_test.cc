// What phodex prints, through the real binary: a write to standard output
// that fails (a full disk, a closed descriptor) is an error, a reader that
// went away (`| head`) is not; and control characters in file names, root
// names and EXIF text never reach a terminal raw, while JSON keeps them
// exactly.

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char kKite[] = "/usr/share/wallpapers/Kite/contents/images/2560x1600.jpg";
const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg";
// Retitles the terminal and clears the screen.
const std::string kEvil = "\x1B]0;PWNED\a\x1B[2J";
const std::string kEvilShown = "\\x1B]0;PWNED\\x07\\x1B[2J";

enum class Stdout { kFull, kClosed, kBrokenPipe };

// Runs phodex with its standard output on /dev/full, closed, or a pipe
// whose reader is gone; stderr is captured.
RunResult RunWithStdout(const std::vector<std::string>& args, Stdout how,
                        const std::string& scratch) {
  std::vector<std::string> argv_s = {PHODEX_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string err = scratch + "/stderr.txt";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int pipe_fds[2] = {-1, -1};
  switch (how) {
    case Stdout::kFull:
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/full", O_WRONLY, 0);
      break;
    case Stdout::kClosed:
      posix_spawn_file_actions_addclose(&fa, 1);
      break;
    case Stdout::kBrokenPipe:
      if (::pipe(pipe_fds) != 0) return {};
      ::close(pipe_fds[0]);
      posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], 1);
      break;
  }
  pid_t pid = -1;
  posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  RunResult r;
  r.exit_code = WaitExit(pid);
  r.err = Slurp(err);
  return r;
}

class OutputE2eTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }
  RunResult RunTo(std::vector<std::string> args, Stdout how) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunWithStdout(args, how, scratch_.path());
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = dir_ / "lib";
  std::string catalog_ = dir_ / "data/catalog.db";
};

TEST_F(OutputE2eTest, AFailedWriteToStandardOutputIsAnError) {
  fs::create_directories(lib_);
  for (int i = 0; i < 2000; ++i) {  // more than stdio buffers at once
    std::ofstream(lib_ + "/IMG_" + std::to_string(i) + ".jpg") << kJpeg << i;
    std::ofstream(lib_ + "/copy_" + std::to_string(i) + ".jpg") << kJpeg << i;
  }
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  const std::vector<std::vector<std::string>> commands = {
      {"ls"},  {"ls", "--json"}, {"status"},
      {"ops"}, {"dupes"},        {"root", "list"}};
  for (const auto& args : commands) {
    SCOPED_TRACE(args.front() + (args.size() > 1 ? " " + args[1] : ""));
    RunResult full = RunTo(args, Stdout::kFull);
    EXPECT_EQ(full.exit_code, 1);
    EXPECT_EQ(full.err,
              "phodex: write to standard output: No space left on device\n");
    RunResult closed = RunTo(args, Stdout::kClosed);
    EXPECT_EQ(closed.exit_code, 1);
    EXPECT_EQ(closed.err,
              "phodex: write to standard output: Bad file descriptor\n");
    // `phodex ls | head`: the reader went away; nothing to say.
    RunResult piped = RunTo(args, Stdout::kBrokenPipe);
    EXPECT_EQ(piped.exit_code, 0);
    EXPECT_EQ(piped.err, "");
  }
  // A command that began an operation finishes it, then says the summary
  // did not arrive.
  RunResult scan = RunTo({"scan", lib_}, Stdout::kFull);
  EXPECT_EQ(scan.exit_code, 1);
  EXPECT_NE(scan.err.find("No space left on device"), std::string::npos);
  RunResult ops = Run({"ops", "--json", "--limit", "1"});
  EXPECT_EQ(json::parse(ops.out)["status"], "completed") << ops.out;
  // Nothing the catalog opened became standard output.
  EXPECT_EQ(RunTo({"ls", "--limit", "1"}, Stdout::kClosed).exit_code, 1);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

// "\e]0;PWNED\a\e[2J" in a file name, a root name and an EXIF description:
// shown escaped to a person, exact in JSON.
TEST_F(OutputE2eTest, ControlCharactersAreEscapedForPeopleAndExactInJson) {
  ASSERT_TRUE(fs::exists(kKite)) << "missing " << kKite;
  fs::create_directories(lib_);
  const std::string evil_name = lib_ + "/x" + kEvil + ".jpg";
  fs::copy_file(kKite, evil_name);
  const std::string described = lib_ + "/described.jpg";
  fs::copy_file(kKite, described);
  std::ofstream(dir_ / "desc.txt", std::ios::binary) << kEvil;
  ASSERT_EQ(RunShell("exiftool -q -q -overwrite_original '-ImageDescription<=" +
                     (dir_ / "desc.txt") + "' '" + described + "'")
                .exit_code,
            0);
  // A root name cannot carry control characters at all (refused, exit 2).
  ASSERT_EQ(Run({"root", "add", lib_, "--name", "r" + kEvil}).exit_code, 2);
  ASSERT_EQ(Run({"root", "add", lib_, "--name", "r"}).exit_code, 0);
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);

  auto expect_safe = [&](const std::vector<std::string>& args) {
    RunResult r = Run(args);
    SCOPED_TRACE(args.front() + "\n" + r.out + r.err);
    EXPECT_EQ(r.out.find('\x1B'), std::string::npos);
    EXPECT_EQ(r.out.find('\a'), std::string::npos);
    EXPECT_EQ(r.err.find('\x1B'), std::string::npos);
    return r.out;
  };
  EXPECT_NE(expect_safe({"ls"}).find("/x" + kEvilShown + ".jpg"),
            std::string::npos);
  const std::string shown = expect_safe({"show", described});
  EXPECT_NE(shown.find("description:   " + kEvilShown), std::string::npos)
      << shown;
  expect_safe({"show", evil_name});
  expect_safe({"status"});
  expect_safe({"ops"});
  expect_safe({"root", "list"});
  expect_safe({"dupes"});
  expect_safe({"show", lib_ + "/missing" + kEvil + ".jpg"});  // an error

  // JSON is exact: the same bytes, escaped the JSON way.
  RunResult ls = Run({"ls", "--json"});
  std::set<std::string> paths;
  std::istringstream in(ls.out);
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line);
    paths.insert(j["path"].get<std::string>());
    EXPECT_EQ(j["root"], "r");
  }
  EXPECT_EQ(paths.count(evil_name), 1u) << ls.out;
  RunResult show = Run({"show", "--json", described});
  EXPECT_EQ(json::parse(show.out)["description"], kEvil);
}

}  // namespace
}  // namespace phodex::testing
