// `phodex serve` through the real binary (docs/serve.md, "Running the
// service"): one service per catalog (a second one refuses with status 3),
// SIGINT and SIGTERM stop it cleanly within 2 seconds with status 0 and no
// operation left running, SIGHUP reloads the config and keeps it running
// (a bad config keeps the old settings), and `phodex status` shows the
// service while it runs and nothing of it once it stopped.
//
// Every wait is a bounded poll (a deadline, short sleeps); the only timing
// asserted is the stop the issue requires (with room under sanitizers).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/e2e/cli_runner.h"
#include "tests/e2e/http_client.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"
#include "util/sanitizers.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The issue's limit for a stop, with room for the sanitizers' slowness.
constexpr std::chrono::milliseconds kStopLimit{
    PHODEX_ASAN_BUILD || PHODEX_TSAN_BUILD ? 5000 : 2000};
// How long a poll waits for what should happen in well under a second.
constexpr std::chrono::seconds kPatience{30};

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg ";

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// Short delays, so that the tests see the watcher's work in seconds.
constexpr const char* kFastConfig =
    "[serve]\n"
    "delay = 0.2\n"
    "settle = 0.5\n"
    "delete_hold = 1\n"
    "thumbs = false\n";

// A real camera JPEG (8x8 pixels, a Nikon's EXIF) made distinct by
// `tag` after its end: what serve must catalogue with its metadata and
// thumbnails.
std::string NikonJpeg(const std::string& tag) {
  std::ifstream in(CorpusDir() + "/metadata/files/exiftool/Nikon.jpg",
                   std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  EXPECT_FALSE(bytes.empty()) << "corpus missing";
  return bytes + tag;
}

bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = kPatience) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A `phodex serve` started in the background; stopped (SIGKILL at worst)
// when the object goes.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::string& dir)
      : out_(dir + "/serve-out.txt"), err_(dir + "/serve-err.txt") {
    pid_ = SpawnPhodex(args, out_, err_);
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      WaitExit(pid_);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool Alive() const {
    return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0;
  }
  std::string Log() const { return Slurp(err_); }
  // Sends `sig` and waits (bounded) for the exit: its status, and how long
  // it took. -1 when it did not exit in time.
  int Stop(int sig, std::chrono::milliseconds* took = nullptr) {
    const auto start = Clock::now();
    ::kill(pid_, sig);
    int status = 0;
    pid_t done = 0;
    PollUntil([&] { return (done = ::waitpid(pid_, &status, WNOHANG)) != 0; });
    if (took != nullptr) {
      *took = std::chrono::duration_cast<std::chrono::milliseconds>(
          Clock::now() - start);
    }
    if (done != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
  }

 private:
  std::string out_;
  std::string err_;
  pid_t pid_ = -1;
};

class ServeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_);
    WriteConfig(kFastConfig);
  }
  std::vector<std::string> Args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    return args;
  }
  RunResult Run(const std::vector<std::string>& args) {
    return RunPhodex(Args(args), scratch_.path());
  }
  void WriteConfig(const std::string& text) {
    std::ofstream(config_, std::ios::trunc) << text;
  }
  std::string StatusPath() const { return catalog_ + ".serve-status.json"; }
  // The status file once it says what `pred` wants.
  json StatusFileWhen(const std::function<bool(const json&)>& pred) {
    json found;
    PollUntil([&] {
      std::ifstream in(StatusPath());
      json j = json::parse(in, nullptr, false);
      if (j.is_discarded() || !pred(j)) return false;
      found = j;
      return true;
    });
    return found;
  }
  // Starts `serve` and waits until its status says that every root is
  // watched and its startup reconciliation is done, so that what a test
  // changes next reaches the catalog through the watcher.
  std::unique_ptr<ServeProcess> StartServe() {
    // Any free port: tests run side by side.
    auto p = std::make_unique<ServeProcess>(
        Args({"serve", "--listen", "127.0.0.1:0"}), dir_.path());
    const json status = StatusFileWhen([&](const json& j) {
      if (!p->Alive()) return true;
      for (const json& root : j["roots"]) {
        if (root["last_reconcile"].is_null() || root["reconciling"] == true) {
          return false;
        }
      }
      return true;
    });
    EXPECT_FALSE(status.is_null()) << p->Log();
    EXPECT_TRUE(p->Alive()) << p->Log();
    return p;
  }

  // `ls --all --json`: rel -> the file's object.
  std::map<std::string, json> Files() {
    std::map<std::string, json> out;
    std::istringstream lines(Run({"ls", "--all", "--json"}).out);
    for (std::string line; std::getline(lines, line);) {
      json f = json::parse(line, nullptr, false);
      if (!f.is_discarded()) out[f["rel"].get<std::string>()] = f;
    }
    return out;
  }
  // Polls `ls` until `pred` holds of it; the last listing.
  std::map<std::string, json> FilesWhen(
      const std::function<bool(const std::map<std::string, json>&)>& pred) {
    std::map<std::string, json> files;
    PollUntil([&] { return pred(files = Files()); }, std::chrono::seconds(60));
    return files;
  }
  static bool PresentWithSize(const std::map<std::string, json>& files,
                              const std::string& rel, int64_t size) {
    const auto it = files.find(rel);
    return it != files.end() && it->second["status"] == "present" &&
           it->second["size"] == size;
  }
  json StatusJson() {
    const RunResult r = Run({"status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  TempDir dir_;
  TempDir scratch_;
  const std::string catalog_ = dir_ / "data/catalog.db";
  const std::string config_ = dir_ / "config.toml";
  const std::string root_ = dir_ / "photos";
};

TEST_F(ServeE2eTest, ASecondServiceOnTheSameCatalogRefusesWithStatus3) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  const RunResult second = Run({"serve"});
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_NE(second.err.find("another `phodex serve` is already running"),
            std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("pid " + std::to_string(serve->pid())),
            std::string::npos)
      << second.err;
  EXPECT_TRUE(serve->Alive());
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, SigtermAndSigintStopItCleanlyWithinTwoSeconds) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  for (int sig : {SIGTERM, SIGINT}) {
    auto serve = StartServe();
    std::chrono::milliseconds took{};
    EXPECT_EQ(serve->Stop(sig, &took), 0) << sig << ": " << serve->Log();
    EXPECT_LE(took, kStopLimit) << sig;
    // A clean stop leaves no status file and no operation running.
    EXPECT_FALSE(fs::exists(StatusPath())) << sig;
    const RunResult ops = Run({"ops", "--json", "--limit", "1000"});
    ASSERT_EQ(ops.exit_code, 0) << ops.err;
    std::istringstream lines(ops.out);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_NE(json::parse(line)["status"], "running") << line;
    }
  }
}

TEST_F(ServeE2eTest, SighupReloadsTheConfigAndKeepsRunning) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  // A config with an error: the old settings stay, and the log says why.
  WriteConfig("[serve]\ndelay = \"soon\"\n");
  ::kill(serve->pid(), SIGHUP);
  EXPECT_TRUE(PollUntil([&] {
    return serve->Log().find("config was not reloaded") != std::string::npos;
  })) << serve->Log();
  EXPECT_NE(serve->Log().find("serve.delay"), std::string::npos)
      << serve->Log();
  EXPECT_TRUE(serve->Alive());
  // A good one is applied.
  EXPECT_EQ(StatusFileWhen([](const json&) { return true; })["settings"]
                           ["delay_s"],
            0.2);
  WriteConfig(std::string(kFastConfig) + "reconcile_interval = 7200\n");
  ::kill(serve->pid(), SIGHUP);
  EXPECT_TRUE(PollUntil([&] {
    return serve->Log().find("config reloaded") != std::string::npos;
  })) << serve->Log();
  EXPECT_TRUE(serve->Alive());
  // The status the service writes next shows the new setting.
  const json status = StatusFileWhen([](const json& j) {
    return j["settings"]["reconcile_interval_s"] == 7200;
  });
  EXPECT_FALSE(status.is_null()) << serve->Log();
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, StatusShowsTheServiceOnlyWhileItRuns) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  const RunResult before = Run({"status"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(before.out.find("service:"), std::string::npos) << before.out;
  EXPECT_TRUE(StatusJson()["service"].is_null());

  auto serve = StartServe();
  json service;
  PollUntil([&] {
    service = StatusJson()["service"];
    return service.is_object() && service["state"] == "running" &&
           service["roots"].size() == 1 &&
           service["roots"][0]["method"] != "offline";
  });
  ASSERT_TRUE(service.is_object()) << serve->Log();
  EXPECT_EQ(service["pid"], serve->pid());
  EXPECT_EQ(service["roots"][0]["method"], "inotify") << service.dump();
  // --listen 127.0.0.1:0: the port it was given.
  const std::string listen = service["listen"];
  ASSERT_TRUE(listen.starts_with("127.0.0.1:")) << listen;
  EXPECT_NE(listen, "127.0.0.1:0");
  EXPECT_EQ(service["http"], true);
  EXPECT_EQ(HttpGet(std::stoi(listen.substr(10)), "/api/v1/health").status, 200);
  const RunResult text = Run({"status"});
  EXPECT_NE(text.out.find("service: running (pid " +
                          std::to_string(serve->pid()) + ")"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("photos"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("inotify"), std::string::npos) << text.out;

  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
  EXPECT_TRUE(StatusJson()["service"].is_null());
  EXPECT_EQ(Run({"status"}).out.find("service:"), std::string::npos);
}

// What the watcher brings in, on real inotify: a copied folder, a slow
// write, an editor's save, a renamed folder, a deletion.
TEST_F(ServeE2eTest, AFolderOfPhotosCopiedInIsCatalogued) {
  // Thumbnails on: they come from the job queue.
  WriteConfig("[serve]\ndelay = 0.2\nsettle = 0.5\ndelete_hold = 1\n");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  const std::string staging = dir_ / "card";
  constexpr int kPhotos = 200;
  for (int i = 0; i < kPhotos; ++i) {
    WriteFile(staging + "/DCIM/IMG_" + std::to_string(1000 + i) + ".jpg",
              NikonJpeg(std::to_string(i)));
  }
  fs::copy(staging, root_ + "/import", fs::copy_options::recursive);
  // Catalogued with their metadata, hashes and thumbnails.
  const auto files = FilesWhen([&](const auto& f) {
    return std::count_if(f.begin(), f.end(), [](const auto& e) {
             const json& j = e.second;
             return j["status"] == "present" && j["make"] == "NIKON" &&
                    j["thumb"] == true && !j["hash"].is_null();
           }) == kPhotos;
  });
  EXPECT_EQ(files.size(), static_cast<size_t>(kPhotos)) << serve->Log();
  ASSERT_TRUE(files.count("import/DCIM/IMG_1000.jpg"));
  EXPECT_EQ(files.at("import/DCIM/IMG_1000.jpg")["thumb"], true)
      << serve->Log();
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

// A stop in the middle of an ingest: within the limit, status 0, no
// operation left running; the next start catalogues the rest.
TEST_F(ServeE2eTest, AStopDuringAnIngestLosesNothing) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  constexpr int kPhotos = 200;
  for (int i = 0; i < kPhotos; ++i) {
    WriteFile(root_ + "/batch/IMG_" + std::to_string(i) + ".jpg",
              kJpeg + std::to_string(i));
  }
  // Stop once some of it is in (or the work is under way): whatever the
  // moment, the same must hold.
  PollUntil([&] { return !Files().empty(); }, std::chrono::seconds(10));
  std::chrono::milliseconds took{};
  EXPECT_EQ(serve->Stop(SIGTERM, &took), 0) << serve->Log();
  EXPECT_LE(took, kStopLimit);
  std::istringstream lines(Run({"ops", "--json", "--limit", "1000"}).out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(json::parse(line)["status"], "running") << line;
  }
  serve = StartServe();
  const auto files = FilesWhen(
      [&](const auto& f) { return f.size() == static_cast<size_t>(kPhotos); });
  EXPECT_EQ(files.size(), static_cast<size_t>(kPhotos)) << serve->Log();
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, AFileWrittenSlowlyIsCataloguedOnceComplete) {
  // A settle time well above the pause between writes.
  WriteConfig("[serve]\ndelay = 0.2\nsettle = 1.5\ndelete_hold = 1\n"
              "thumbs = false\n");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  const std::string path = root_ + "/slow.jpg";
  std::ofstream out(path, std::ios::binary);
  out << kJpeg;
  out.flush();
  int64_t size = static_cast<int64_t>(kJpeg.size());
  bool seen_partial = false;
  // ~5 s: 25 pieces, 0.2 s apart.
  for (int i = 0; i < 25; ++i) {
    const std::string piece(4096, static_cast<char>('a' + i % 26));
    out << piece;
    out.flush();
    size += static_cast<int64_t>(piece.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (i % 5 == 4) seen_partial |= Files().count("slow.jpg") > 0;
  }
  out.close();
  const auto files =
      FilesWhen([&](const auto& f) { return PresentWithSize(f, "slow.jpg", size); });
  ASSERT_TRUE(PresentWithSize(files, "slow.jpg", size)) << serve->Log();
  EXPECT_FALSE(seen_partial) << "catalogued while still being written";
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, AnEditorsSaveKeepsTheId) {
  WriteFile(root_ + "/edit.jpg", kJpeg + "first");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", root_}).exit_code, 0);
  const int64_t id = Files().at("edit.jpg")["id"];
  auto serve = StartServe();
  // Write a temporary, then rename it over the photo.
  const std::string content = kJpeg + "second, longer content";
  WriteFile(root_ + "/.edit.jpg.swp", content);
  fs::rename(root_ + "/.edit.jpg.swp", root_ + "/edit.jpg");
  const auto files = FilesWhen([&](const auto& f) {
    return PresentWithSize(f, "edit.jpg", static_cast<int64_t>(content.size()));
  });
  ASSERT_TRUE(files.count("edit.jpg")) << serve->Log();
  EXPECT_EQ(files.at("edit.jpg")["id"], id);
  EXPECT_EQ(files.at("edit.jpg")["status"], "present");
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, ARenamedFolderKeepsItsIds) {
  for (const char* name : {"a.jpg", "b.jpg", "deeper/c.jpg"}) {
    WriteFile(root_ + "/trip/" + name, kJpeg + name);
  }
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", root_}).exit_code, 0);
  const auto before = Files();
  ASSERT_EQ(before.size(), 3u);
  auto serve = StartServe();
  fs::rename(root_ + "/trip", root_ + "/Trip 2024");
  const auto after = FilesWhen([](const auto& f) {
    return f.count("Trip 2024/deeper/c.jpg") &&
           f.at("Trip 2024/deeper/c.jpg")["status"] == "present" &&
           f.count("Trip 2024/a.jpg") && f.count("Trip 2024/b.jpg");
  });
  ASSERT_TRUE(after.count("Trip 2024/deeper/c.jpg")) << serve->Log();
  for (const char* name : {"a.jpg", "b.jpg", "deeper/c.jpg"}) {
    EXPECT_EQ(after.at(std::string("Trip 2024/") + name)["id"],
              before.at(std::string("trip/") + name)["id"])
        << name;
  }
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

TEST_F(ServeE2eTest, ADeletedFileIsMarkedRemovedAfterTheHold) {
  WriteFile(root_ + "/gone.jpg", kJpeg + "gone");
  WriteFile(root_ + "/kept.jpg", kJpeg + "kept");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", root_}).exit_code, 0);
  auto serve = StartServe();
  fs::remove(root_ + "/gone.jpg");
  const auto files = FilesWhen([](const auto& f) {
    return f.count("gone.jpg") && f.at("gone.jpg")["status"] == "removed";
  });
  ASSERT_TRUE(files.count("gone.jpg"));
  EXPECT_EQ(files.at("gone.jpg")["status"], "removed") << serve->Log();
  EXPECT_EQ(files.at("kept.jpg")["status"], "present");
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

// phodex's own writes (docs/serve.md, "Own writes"): a rating `phodex
// rate` writes into a watched root comes back from inotify, but is no
// foreign change: no "watch" operation for its folder, while the rating is
// in the catalog and in the sidecar.
TEST_F(ServeE2eTest, ARatingWrittenWhileServingIsNoForeignChange) {
  // A delay well above the time `rate` holds the root after its write.
  WriteConfig("[serve]\ndelay = 1\nsettle = 0.5\ndelete_hold = 1\n"
              "thumbs = false\n");
  WriteFile(root_ + "/album/a.jpg", kJpeg + "a");
  fs::create_directories(root_ + "/later");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", root_}).exit_code, 0);
  auto serve = StartServe();
  // --wait: the service may be at work on the root at that moment.
  const RunResult rated =
      Run({"rate", root_ + "/album/a.jpg", "--stars", "4", "--wait"});
  ASSERT_EQ(rated.exit_code, 0) << rated.err;
  // A foreign change in another folder after it: once that is in, the
  // service has dealt with the sidecar's folder (due first, one thread).
  WriteFile(root_ + "/later/b.jpg", kJpeg + "b");
  const auto files = FilesWhen([](const auto& f) {
    return f.count("later/b.jpg") && f.at("later/b.jpg")["status"] == "present";
  });
  ASSERT_TRUE(files.count("later/b.jpg")) << serve->Log();
  std::istringstream lines(Run({"ops", "--json", "--limit", "100"}).out);
  int later_watch = 0;
  for (std::string line; std::getline(lines, line);) {
    const json op = json::parse(line);
    if (op["type"] != "watch") continue;
    EXPECT_NE(op["scope"], "album") << line << "\n" << serve->Log();
    later_watch += op["scope"] == "later" ? 1 : 0;
  }
  EXPECT_GE(later_watch, 1);
  EXPECT_EQ(files.at("album/a.jpg")["rating"], 4);
  EXPECT_EQ(files.at("album/a.jpg.xmp")["status"], "present");
  const std::string sidecar = Slurp(root_ + "/album/a.jpg.xmp");
  EXPECT_TRUE(sidecar.find("Rating=\"4\"") != std::string::npos ||
              sidecar.find("Rating>4<") != std::string::npos)
      << sidecar;
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

// kill -9 twice during an ingest of 2,000 photos (once while they are
// being catalogued, once while their thumbnails are made), then a
// restart: the catalog ends equal to the tree, every file with its
// metadata, hash and thumbnails, under the id it first got; and each
// file's work was done once as far as the catalog can tell: one job per
// file and kind, completed at its first attempt (a job a kill took from a
// worker goes back to the queue uncounted), none redone after it
// completed.
TEST_F(ServeE2eTest, KillDuringAnIngestThenARestartLeavesTheCatalogEqualToTheTree) {
  WriteConfig("[serve]\ndelay = 0.2\nsettle = 0.3\ndelete_hold = 1\n");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  constexpr int kPhotos = 2000;
  const std::string jpeg = NikonJpeg("");
  for (int i = 0; i < kPhotos; ++i) {
    WriteFile(root_ + "/ingest/" + std::to_string(i / 200) + "/IMG_" +
                  std::to_string(i) + ".jpg",
              jpeg + std::to_string(i));
  }
  auto open = [&] {
    auto c = catalog::OpenSqliteCatalog(catalog_, {});
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  };
  auto completed = [&](const std::string& kind) {
    auto jobs = open()->ListJobs({.kind = kind,
                                  .state = catalog::JobState::kCompleted});
    return jobs ? std::ssize(*jobs) : 0;
  };
  // 1: while the files are being catalogued.
  PollUntil([&] { return !Files().empty(); }, std::chrono::seconds(20));
  EXPECT_EQ(serve->Stop(SIGKILL), 1000 + SIGKILL);
  const auto before_first = Files();
  // 2: while their thumbnails are being made.
  serve = StartServe();
  PollUntil([&] { return completed("pixels") >= 200; },
            std::chrono::seconds(60));
  EXPECT_EQ(serve->Stop(SIGKILL), 1000 + SIGKILL);
  const auto before_second = Files();
  std::map<int64_t, int64_t> done_before;  // job id -> when it completed
  {
    auto jobs = open()->ListJobs({.state = catalog::JobState::kCompleted});
    ASSERT_TRUE(jobs);
    for (const catalog::Job& j : *jobs) done_before[j.id.value] = j.updated_ns;
  }
  EXPECT_GT(done_before.size(), 0u);
  serve = StartServe();
  // Done: every file's jobs completed (the queue is cheaper to poll than a
  // listing of 2,000 files), then every file catalogued with its
  // metadata, hash and thumbnails.
  PollUntil([&] {
    return completed("pixels") == kPhotos;
  }, std::chrono::seconds(120));
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
  const auto files = Files();
  EXPECT_EQ(files.size(), static_cast<size_t>(kPhotos));
  for (const auto& [rel, j] : files) {
    EXPECT_TRUE(j["status"] == "present" && j["make"] == "NIKON" &&
                j["thumb"] == true && !j["hash"].is_null())
        << j.dump();
  }
  for (int i = 0; i < kPhotos; ++i) {
    const std::string rel = "ingest/" + std::to_string(i / 200) + "/IMG_" +
                            std::to_string(i) + ".jpg";
    ASSERT_TRUE(files.count(rel)) << rel;
    EXPECT_EQ(files.at(rel)["size"],
              static_cast<int64_t>(jpeg.size() + std::to_string(i).size()));
  }
  // Nothing catalogued before a kill was catalogued again.
  for (const auto* before : {&before_first, &before_second}) {
    for (const auto& [rel, f] : *before) {
      ASSERT_TRUE(files.count(rel)) << rel;
      EXPECT_EQ(files.at(rel)["id"], f["id"]) << rel;
      EXPECT_EQ(files.at(rel)["first_seen"], f["first_seen"]) << rel;
    }
  }
  auto jobs = open()->ListJobs({});
  ASSERT_TRUE(jobs);
  std::map<std::string, std::set<int64_t>> files_of_kind;
  for (const catalog::Job& j : *jobs) {
    EXPECT_EQ(j.state, catalog::JobState::kCompleted)
        << j.kind << " #" << j.id.value << ": " << j.last_error;
    EXPECT_EQ(j.attempts, 1) << j.kind << " #" << j.id.value;
    ASSERT_TRUE(j.file.has_value());
    EXPECT_TRUE(files_of_kind[j.kind].insert(j.file->value).second)
        << j.kind << " twice for file " << j.file->value;
    // Completed before the last kill: not done again since.
    if (auto it = done_before.find(j.id.value); it != done_before.end()) {
      EXPECT_EQ(j.updated_ns, it->second) << j.kind << " #" << j.id.value;
    }
  }
  EXPECT_EQ(files_of_kind["pixels"].size(), static_cast<size_t>(kPhotos));
  // The pixels job hashed each file first, in the same read: no file was
  // also queued for a full hash of its own.
  EXPECT_EQ(files_of_kind.count("full_hash"), 0u);
}

// packaging/systemd: the units parse (when systemd-analyze is there),
// with the binary's path put in for /usr/bin/phodex.
TEST(ServePackaging, SystemdUnitsParse) {
  if (RunShell("command -v systemd-analyze").exit_code != 0) {
    GTEST_SKIP() << "no systemd-analyze";
  }
  TempDir dir;
  for (const char* unit : {"packaging/systemd/phodex.service",
                           "packaging/systemd/user/phodex.service"}) {
    const std::string copy = dir / "phodex.service";
    RunShell(std::string("sed 's|/usr/bin/phodex|") + PHODEX_BINARY + "|' '" +
             PHODEX_SOURCE_DIR + "/" + unit + "' > '" + copy + "'");
    const RunResult r =
        RunShell("systemd-analyze verify '" + copy + "' 2>&1; echo rc=$?");
    EXPECT_EQ(r.out, "rc=0\n") << unit;
  }
}


// The HTTP API inside the service: what the watcher brings in can be
// listed, shown, streamed and its thumbnail fetched; the live events tell
// of the work.
TEST_F(ServeE2eTest, TheApiServesWhatTheServiceCatalogues) {
  WriteConfig("[serve]\ndelay = 0.2\nsettle = 0.5\ndelete_hold = 1\n");
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  auto serve = StartServe();
  const json status = StatusFileWhen([](const json& j) { return j["http"] == true; });
  const std::string listen = status["listen"];
  const int port = std::stoi(listen.substr(listen.rfind(':') + 1));
  // Events from the start: what the startup did, then what comes.
  const std::string early = ReadStreamUntil(port, "/api/v1/events?after=0",
                                            "event: operation", 10);
  EXPECT_NE(early.find("event: operation"), std::string::npos) << early;

  const std::string staging = dir_ / "card";
  for (int i = 0; i < 3; ++i) {
    WriteFile(staging + "/IMG_" + std::to_string(i) + ".jpg",
              NikonJpeg(std::to_string(i)));
  }
  fs::copy(staging, root_ + "/card", fs::copy_options::recursive);
  json files;
  PollUntil([&] {
    const HttpReply r = HttpGet(port, "/api/v1/files?kind=photo");
    files = json::parse(r.body, nullptr, false);
    if (files.is_discarded() || !files.contains("files")) return false;
    int ready = 0;
    for (const json& f : files["files"]) ready += f["thumb"] == true ? 1 : 0;
    return ready == 3;
  }, std::chrono::seconds(60));
  ASSERT_EQ(files["files"].size(), 3u) << files.dump() << serve->Log();
  const json first = files["files"][0];
  const std::string id = std::to_string(first["id"].get<int64_t>());

  const HttpReply detail = HttpGet(port, "/api/v1/files/" + id);
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(json::parse(detail.body)["make"], "NIKON") << detail.body;

  const HttpReply original = HttpGet(port, "/api/v1/files/" + id + "/original");
  ASSERT_EQ(original.status, 200);
  EXPECT_EQ(original.body, Slurp(root_ + "/" + first["rel"].get<std::string>()));
  EXPECT_EQ(original.Header("content-type"), "image/jpeg");

  const HttpReply thumb = HttpGet(port, "/api/v1/files/" + id + "/thumbnail");
  ASSERT_EQ(thumb.status, 200) << thumb.body;
  EXPECT_FALSE(thumb.body.empty());
  const std::string immutable = thumb.Header("content-location");
  ASSERT_TRUE(immutable.starts_with("/api/v1/thumbnails/")) << immutable;
  const HttpReply by_hash = HttpGet(port, immutable);
  ASSERT_EQ(by_hash.status, 200);
  EXPECT_EQ(by_hash.body, thumb.body);
  EXPECT_EQ(by_hash.Header("cache-control"), "public, max-age=31536000, immutable");
  const HttpReply again =
      HttpGet(port, immutable, "If-None-Match: " + by_hash.Header("etag") + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  // The queue drained: a "queue" event said so.
  const std::string later = ReadStreamUntil(port, "/api/v1/events?after=0",
                                            "event: queue", 10);
  EXPECT_NE(later.find("event: queue"), std::string::npos) << later;
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Log();
}

// Off loopback every request needs the token `phodex token` shows (made
// 0600 in the data folder by the first start).
TEST_F(ServeE2eTest, OffLoopbackTheApiNeedsTheToken) {
  ASSERT_EQ(Run({"root", "add", root_}).exit_code, 0);
  const RunResult token = Run({"token"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const std::string secret = token.out.substr(0, token.out.find('\n'));
  EXPECT_EQ(secret.size(), 64u) << token.out;
  EXPECT_EQ(fs::status(catalog_ + ".api-token").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  auto p = std::make_unique<ServeProcess>(
      Args({"serve", "--listen", "0.0.0.0:0"}), dir_.path());
  const json status = StatusFileWhen([&](const json& j) {
    return !p->Alive() || j["http"] == true;
  });
  ASSERT_TRUE(p->Alive()) << p->Log();
  const std::string listen = status["listen"];
  const int port = std::stoi(listen.substr(listen.rfind(':') + 1));
  EXPECT_EQ(HttpGet(port, "/api/v1/files").status, 401);
  EXPECT_EQ(HttpGet(port, "/api/v1/files", "Authorization: Bearer " +
                                              std::string(64, '0') + "\r\n")
                .status,
            401);
  EXPECT_EQ(HttpGet(port, "/api/v1/files",
                    "Authorization: Bearer " + secret + "\r\n")
                .status,
            200);
  EXPECT_EQ(HttpGet(port, "/api/v1/health").status, 200);
  // The same token after a restart.
  EXPECT_EQ(Run({"token"}).out, token.out);
  EXPECT_EQ(p->Stop(SIGTERM), 0) << p->Log();
}

}  // namespace
}  // namespace phodex::testing
