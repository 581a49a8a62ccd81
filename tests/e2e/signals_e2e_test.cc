// Signals and what they leave behind, through the real binary: every
// command that begins an operation stops on SIGINT, SIGTERM and SIGHUP
// with status 130 and ends its operation `interrupted`, even while a
// parser or decoder hangs or a huge file is being hashed; operations whose
// process was killed outright are ended by the next command; a closed
// progress pipe ends nothing; stray temporary files of killed writes are
// removed, nothing else.

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg";

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void SetMtime(const std::string& path, std::chrono::seconds ago) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(
      (std::chrono::system_clock::now() - ago).time_since_epoch());
  const struct timeval times[2] = {{s.count(), 0}, {s.count(), 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

class SignalsE2eTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    return RunPhodex(args, scratch_.path());
  }
  // The newest operation of `type`, as `ops --json` shows it.
  json LastOp(const std::string& type) {
    RunResult r = Run({"ops", "--json", "--limit", "1000"});
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      json op = json::parse(line);
      if (op["type"] == type) return op;
    }
    return json();
  }
  // Starts phodex with `args`, waits until its `type` operation runs,
  // sends `sig` and returns the exit status (or -1 when it had not ended
  // 15 s later, which the hanging worker or the 100 GiB file would take
  // minutes to allow).
  int StopWith(std::vector<std::string> args, int sig, const std::string& type,
               std::string* out) {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    const std::string out_path = scratch_ / "signalled.out";
    const pid_t pid = SpawnPhodex(args, out_path);
    using Clock = std::chrono::steady_clock;
    for (const auto start = Clock::now();
         Clock::now() - start < std::chrono::seconds(60);) {
      const json op = LastOp(type);
      if (!op.is_null() && op["status"] == "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, sig);
    int rc = -1;
    for (const auto start = Clock::now();
         Clock::now() - start < std::chrono::seconds(15);) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (rc == -1) {
      ::kill(pid, SIGKILL);
      WaitExit(pid);
    }
    *out = Slurp(out_path);
    return rc;
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = dir_ / "lib";
  std::string big_ = dir_ / "big";
  std::string catalog_ = dir_ / "data/catalog.db";
  std::string config_ = dir_ / "config.toml";
};

// The worker test hook makes parsers and decoders hang on a file named
// hang-worker (their time limits set far beyond the test's patience), and
// a sparse 100 GiB file takes minutes to hash: each command is stopped in
// the middle of its longest step.
TEST_F(SignalsE2eTest, EveryOperationStopsOnSigintSigtermAndSighup) {
  std::ofstream(config_) << "[metadata]\ntimeout = 600\n"
                            "[thumbnails]\ntimeout = 600\n";
  WriteFile(lib_ + "/hang-worker.jpg", kJpeg + "hang");
  WriteFile(big_ + "/huge.mov", "");
  fs::resize_file(big_ + "/huge.mov", uint64_t{100} << 30);  // sparse
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_, big_}).exit_code, 0);
  ::setenv("PHODEX_WORKER_FAULTS_FOR_TESTING", "1", 1);
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
      {"scan", {"scan", lib_, "--progress", "none"}},
      {"thumbs", {"thumbs", lib_}},
      {"rate", {"rate", "--stars", "3", lib_ + "/hang-worker.jpg"}},
      {"verify", {"verify", big_}},
  };
  for (const auto& [type, args] : runs) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      SCOPED_TRACE(type + " " + strsignal(sig));
      std::string out;
      EXPECT_EQ(StopWith(args, sig, type, &out), 130) << out;
      EXPECT_EQ(LastOp(type)["status"], "interrupted");
    }
  }
  ::unsetenv("PHODEX_WORKER_FAULTS_FOR_TESTING");
  // Nothing was held against the file the workers hung on.
  RunResult ls = Run({"ls", "--json", lib_ + "/hang-worker.jpg"});
  const json row = json::parse(ls.out);
  EXPECT_TRUE(row["error"].is_null()) << ls.out;
  EXPECT_TRUE(row["decode_error"].is_null()) << ls.out;
  EXPECT_EQ(Run({"ops", "--errors", "--json"}).out, "");
}

// kill -9 leaves an operation "running": the next command that opens the
// catalog ends it, once its process is gone (and only then: not one of a
// live process, nor one from another host).
TEST_F(SignalsE2eTest, OperationsOfKilledProcessesAreEndedByTheNextCommand) {
  std::ofstream(config_) << "";
  fs::create_directories(lib_);
  ASSERT_EQ(Run({"root", "add", lib_}).exit_code, 0);  // makes the catalog
  const pid_t dead = SpawnPhodex({"--version"});
  WaitExit(dead);
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  {
    auto c = catalog::OpenSqliteCatalog(catalog_, {});
    ASSERT_TRUE(c);
    auto begin = [&](const std::string& type, int pid, std::string on,
                     int64_t started) {
      catalog::Operation op;
      op.type = type;
      op.pid = pid;
      op.host = on;
      op.started_ns = started;
      ASSERT_TRUE((*c)->BeginOperation(op));
    };
    begin("rate", dead, host, now_ns);
    begin("verify", ::getpid(), host, now_ns);  // alive: this test
    begin("thumbs", ::getpid(), host, now_ns - 3'600'000'000'000);  // reused
    begin("dupes", dead, "another-host", now_ns);
  }
  RunResult ops = Run({"ops", "--json"});
  ASSERT_EQ(ops.exit_code, 0) << ops.err;
  EXPECT_EQ(LastOp("rate")["status"], "interrupted");
  EXPECT_EQ(LastOp("rate")["error"],
            "the process stopped before the operation ended");
  EXPECT_EQ(LastOp("thumbs")["status"], "interrupted");
  EXPECT_EQ(LastOp("verify")["status"], "running");
  EXPECT_EQ(LastOp("dupes")["status"], "running");
}

// SIGPIPE is ignored: a progress pipe whose reader went away only stops
// the progress lines; the scan finishes and ends its operation.
TEST_F(SignalsE2eTest, AClosedProgressPipeStopsOnlyTheProgress) {
  std::ofstream(config_) << "";
  for (int i = 0; i < 50; ++i) {
    WriteFile(
        lib_ + "/d" + std::to_string(i % 5) + "/" + std::to_string(i) + ".jpg",
        kJpeg + std::to_string(i));
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::close(pipe_fds[0]);  // the reader is gone before the first line
  std::vector<std::string> args = {PHODEX_BINARY, "--catalog", catalog_,
                                   "scan",        lib_,        "--no-metadata",
                                   "--progress",  "json"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = scratch_ / "out.txt";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], 2);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipe_fds[1]);
  EXPECT_EQ(WaitExit(pid), 0) << Slurp(out);
  EXPECT_NE(Slurp(out).find("added 50"), std::string::npos) << Slurp(out);
  EXPECT_EQ(LastOp("scan")["status"], "completed");
}

// A rating write killed by SIGKILL leaves ".NAME.phodex-tmp-XXXXXX" beside
// the file: the next scan of the folder and the next write into it remove
// such strays once they are a minute old. Anything else stays.
TEST_F(SignalsE2eTest, StrayTempsOfKilledWritesAreRemoved) {
  std::ofstream(config_) << "";
  WriteFile(lib_ + "/a/x.jpg", kJpeg + "x");
  WriteFile(lib_ + "/b/y.jpg", kJpeg + "y");
  const std::vector<std::string> strays = {
      lib_ + "/a/.x.jpg.xmp.phodex-tmp-Ab12Cd",
      lib_ + "/b/.y.jpg.phodex-tmp-Zz99Yy"};
  const std::vector<std::string> kept = {
      lib_ + "/a/.x.jpg.phodex-tmp-Ab12C",        // not the pattern
      lib_ + "/a/x.jpg.phodex-tmp-Ab12Cd",        // not hidden
      lib_ + "/a/.x.jpg.phodex-copy-3-1",         // dupes' own, journaled
      lib_ + "/b/.y.jpg.xmp.phodex-tmp-Qw34Er"};  // fresh: in progress
  for (const std::string& p : strays) WriteFile(p, "partial");
  for (const std::string& p : kept) WriteFile(p, "keep");
  for (const std::string& p : strays) SetMtime(p, std::chrono::minutes(5));
  for (size_t i = 0; i + 1 < kept.size(); ++i) {
    SetMtime(kept[i], std::chrono::minutes(5));
  }
  ASSERT_EQ(Run({"root", "add", lib_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_ + "/b"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(strays[1]));
  EXPECT_TRUE(fs::exists(strays[0]));  // not scanned yet
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  // The next write into a folder removes them too.
  WriteFile(strays[0], "partial");
  SetMtime(strays[0], std::chrono::minutes(5));
  RunResult rate = Run({"rate", "--stars", "2", lib_ + "/a/x.jpg"});
  ASSERT_EQ(rate.exit_code, 0) << rate.err;
  EXPECT_FALSE(fs::exists(strays[0]));
  for (const std::string& p : kept) EXPECT_TRUE(fs::exists(p)) << p;
}

}  // namespace
}  // namespace phodex::testing
