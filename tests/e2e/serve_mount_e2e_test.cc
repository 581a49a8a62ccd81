// Drives come and go, on a real mount (docs/serve.md, "Drives come and
// go"): `phodex serve` watches a root on a tmpfs; the tmpfs is unmounted
// while it runs, and nothing is marked removed, `status` shows the root
// offline, records and thumbnails stay; the tmpfs comes back at the same
// path with the drive's files (changed meanwhile), and the service
// reconciles it by itself (a "drive-returned" operation).
//
// The returning drive: the files as they were (content and mtime) and the
// root's marker file (.phodex-root, scan/root_identity.h), which is what
// identifies a tmpfs root (a tmpfs has no UUID, and its statfs id changes
// with every mount). Only inode numbers and ctimes are new, as when a real
// drive's files are copied back.
//
// Needs root (mount(2)): skipped, saying why, when not root or when the
// kernel refuses the mount. Every wait is a bounded poll.

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/e2e/cli_runner.h"
#include "tests/e2e/json_lines.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The service's delays shortened so that the whole test takes seconds;
// offline_check is how soon the service looks for the drive's return.
constexpr const char* kConfig =
    "[serve]\n"
    "delay = 0.2\n"
    "settle = 0.5\n"
    "delete_hold = 1\n"
    "offline_check = 0.2\n"
    "thumbs = false\n";

// Waits (bounded) until `done`; its last answer.
bool Eventually(const std::function<bool()>& done) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return true;
}

// A tmpfs mounted at a folder for as long as the object lives (unmounted,
// lazily if need be, on the way out, also when a test fails).
class Tmpfs {
 public:
  explicit Tmpfs(std::string at) : at_(std::move(at)) {}
  ~Tmpfs() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  // "" or why it failed.
  std::string Mount() {
    if (::mount("tmpfs", at_.c_str(), "tmpfs", 0, "size=4m,mode=0755") != 0) {
      return std::strerror(errno);
    }
    mounted_ = true;
    return "";
  }
  // "" or why it failed. A busy mount (something has a file or folder
  // open on it) is detached lazily: it is gone from the path at once,
  // which is what the service sees of an unplugged drive.
  std::string Unmount(bool* lazily) {
    *lazily = false;
    if (::umount2(at_.c_str(), 0) != 0) {
      if (errno != EBUSY) return std::strerror(errno);
      *lazily = true;
      if (::umount2(at_.c_str(), MNT_DETACH) != 0) return std::strerror(errno);
    }
    mounted_ = false;
    return "";
  }

 private:
  std::string at_;
  bool mounted_ = false;
};

class ServeMountE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    fs::create_directories(drive_);
    std::ofstream(config_) << kConfig;
    if (const std::string why = tmpfs_.Mount(); !why.empty()) {
      GTEST_SKIP() << "cannot mount a tmpfs at " << drive_ << ": " << why;
    }
  }
  void TearDown() override {
    if (serve_ > 0) {
      ::kill(serve_, SIGKILL);
      WaitExit(serve_);
    }
  }

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    return RunPhodex(args, scratch_.path());
  }
  // Small real photos (libvips) on the drive, each of its own width, so
  // each has its own content.
  void Photos(const std::vector<std::pair<std::string, int>>& photos) {
    std::string script = "true";
    for (const auto& [rel, width] : photos) {
      const fs::path path = fs::path(drive_) / rel;
      fs::create_directories(path.parent_path());
      script += " && vips black '" + path.string() + "' " +
                std::to_string(width) + " 24 --bands 3";
    }
    ASSERT_EQ(RunShell(script).exit_code, 0)
        << "libvips-tools (vips) is needed";
  }
  std::map<std::string, json> Files() {
    return JsonLinesBy(Run({"ls", "--all", "--json"}).out, "rel");
  }
  std::vector<json> Ops() {
    std::vector<json> out;
    std::istringstream lines(Run({"ops", "--json", "--limit", "100"}).out);
    for (std::string line; std::getline(lines, line);) {
      out.push_back(json::parse(line));
    }
    return out;
  }
  bool HasOp(const std::string& type) {
    for (json& op : Ops()) {
      if (op["type"] == type && op["status"] == "completed") return true;
    }
    return false;
  }
  json Status() {
    const RunResult r = Run({"status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  std::string ServiceMethod() {
    // Null without a service; no roots yet while it starts.
    const json status = Status();
    const json service =
        status.is_object() ? status.value("service", json()) : json();
    if (!service.is_object() || !service.contains("roots") ||
        service.at("roots").size() != 1) {
      return "";
    }
    return service.at("roots").at(0).value("method", "");
  }
  std::string ServeLog() { return Slurp(dir_ / "serve-err.txt"); }
  // The drive's content, copied with times (and the marker file).
  static void CopyTree(const std::string& from, const std::string& to) {
    fs::create_directories(to);
    ASSERT_EQ(RunShell("cp -a '" + from + "/.' '" + to + "/'").exit_code, 0);
  }
  // Unplugged: the drive's files stay on it (`away_`), the mount point is
  // left empty.
  void Unplug() {
    CopyTree(drive_, away_);
    bool lazily = false;
    ASSERT_EQ(tmpfs_.Unmount(&lazily), "");
    if (lazily) std::cerr << "note: the tmpfs was busy, detached lazily\n";
  }
  // Plugged in again, at the same path, with what `away_` holds. The
  // marker goes last: a real drive appears whole, and the service must not
  // find its identity on a half-copied one.
  void PlugIn() {
    const std::string aside = dir_ / "marker";
    fs::rename(away_ + "/.phodex-root", aside);
    ASSERT_EQ(tmpfs_.Mount(), "");
    CopyTree(away_, drive_);
    ASSERT_EQ(
        RunShell("cp -a '" + aside + "' '" + drive_ + "/.phodex-root'").exit_code,
        0);
  }
  // A photo added to the drive while it is away: a copy of `like` with
  // bytes of its own.
  void AddWhileAway(const std::string& like, const std::string& rel) {
    fs::copy_file(away_ + "/" + like, away_ + "/" + rel);
    std::ofstream(away_ + "/" + rel, std::ios::app) << rel;
  }
  // Plugs the drive in and waits for the service to reconcile it, then
  // for `ls` to show what `done` wants; the last listing.
  std::map<std::string, json> PlugInAndWaitFor(
      const std::function<bool(std::map<std::string, json>&)>& done) {
    PlugIn();
    EXPECT_TRUE(Eventually([&] { return HasOp("drive-returned"); }))
        << ServeLog();
    std::map<std::string, json> files;
    EXPECT_TRUE(Eventually([&] { return done(files = Files()); }))
        << ServeLog();
    return files;
  }
  void StartServe() {
    serve_ = SpawnPhodex({"--catalog", catalog_, "--config", config_, "serve",
                          "--listen", "127.0.0.1:0"},
                         dir_ / "serve-out.txt", dir_ / "serve-err.txt");
  }
  // The service's exit status after SIGTERM; -1 when it did not exit.
  int StopServe() {
    ::kill(serve_, SIGTERM);
    int status = -1;
    const bool exited = Eventually(
        [&] { return ::waitpid(serve_, &status, WNOHANG) == serve_; });
    if (!exited) return -1;
    serve_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
  }

  TempDir dir_;
  TempDir scratch_;
  const std::string catalog_ = dir_ / "data/catalog.db";
  const std::string config_ = dir_ / "config.toml";
  const std::string drive_ = dir_ / "drive";
  const std::string away_ = dir_ / "away";  // the drive while unplugged
  Tmpfs tmpfs_{drive_};  // after dir_: unmounted before it is removed
  pid_t serve_ = -1;
};

TEST_F(ServeMountE2eTest, AnUnmountedRootIsKeptAndReconciledWhenItReturns) {
  Photos({{"a.jpg", 32}, {"b.jpg", 33}, {"c.jpg", 34}, {"trip/d.jpg", 35}});
  ASSERT_EQ(Run({"root", "add", drive_}).exit_code, 0);
  const RunResult scan = Run({"scan", drive_, "--thumbs", "--progress", "none"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  std::map<std::string, json> before = Files();
  ASSERT_EQ(before.size(), 4u);
  ASSERT_EQ(Status()["thumbnails"]["thumbnailed"], 4);

  StartServe();
  ASSERT_TRUE(Eventually([&] {
    return HasOp("startup") && ServiceMethod() == "inotify";
  })) << ServeLog();

  Unplug();
  ASSERT_TRUE(Eventually([&] { return ServiceMethod() == "offline"; }))
      << ServeLog();
  json status = Status();
  EXPECT_FALSE(status["roots"][0]["offline"].is_null()) << status.dump();
  EXPECT_EQ(status["thumbnails"]["thumbnailed"], 4) << status.dump();
  std::map<std::string, json> offline = Files();
  ASSERT_EQ(offline.size(), 4u);
  for (auto& [rel, f] : offline) {
    EXPECT_EQ(f["status"], "present") << rel;
    EXPECT_EQ(f["id"], before.at(rel)["id"]) << rel;
    EXPECT_EQ(f["thumb"], true) << rel;
  }
  for (json& op : Ops()) EXPECT_EQ(op["removed"], 0) << op.dump();

  // Changed elsewhere while away: one photo deleted, one added.
  fs::remove(away_ + "/b.jpg");
  AddWhileAway("c.jpg", "trip/new.jpg");
  std::map<std::string, json> after = PlugInAndWaitFor([](auto& f) {
    return f.size() == 5 && f["trip/new.jpg"]["status"] == "present" &&
           f["b.jpg"]["status"] == "removed";
  });
  for (const char* rel : {"a.jpg", "c.jpg", "trip/d.jpg"}) {
    EXPECT_EQ(after[rel]["status"], "present") << rel;
    EXPECT_EQ(after[rel]["id"], before.at(rel)["id"]) << rel;
  }
  EXPECT_TRUE(Eventually([&] { return ServiceMethod() == "inotify"; }))
      << ServeLog();

  EXPECT_EQ(StopServe(), 0) << ServeLog();
}

// A drive that is not plugged in when the service starts: the root is
// offline from the start, and its drive's return is recorded as that.
TEST_F(ServeMountE2eTest, ARootOfflineAtStartIsReconciledWhenItsDriveReturns) {
  Photos({{"a.jpg", 32}});
  ASSERT_EQ(Run({"root", "add", drive_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", drive_, "--progress", "none"}).exit_code, 0);
  Unplug();
  Photos({{"b.jpg", 33}});  // on the empty mount point: not the drive's
  AddWhileAway("a.jpg", "c.jpg");

  StartServe();
  ASSERT_TRUE(Eventually([&] { return ServiceMethod() == "offline"; }))
      << ServeLog();
  std::map<std::string, json> files = PlugInAndWaitFor([](auto& f) {
    return f.size() == 2 && f["c.jpg"]["status"] == "present";
  });
  EXPECT_EQ(files["a.jpg"]["status"], "present");
  EXPECT_FALSE(HasOp("startup"));
  EXPECT_EQ(StopServe(), 0) << ServeLog();
}

}  // namespace
}  // namespace phodex::testing
