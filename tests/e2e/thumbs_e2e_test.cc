// phodex thumbs / scan --thumbs / similar through the real binary: the
// content-addressed cache (moves reuse, changes rebuild, --gc removes
// orphans), what `ls --json` shows, and bad input that costs one file.

#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/e2e/cli_runner.h"
#include "tests/e2e/json_lines.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Real photographs from Debian's plasma-workspace-wallpapers (installed by
// scripts/setup.sh) and the shared corpus.
const char kAutumn[] = "/usr/share/wallpapers/Autumn/contents/images/2560x1600.jpg";
const char kKite[] = "/usr/share/wallpapers/Kite/contents/images/2560x1600.jpg";

std::string Shell(const std::string& cmd) { return RunShell(cmd).out; }

// (width, height) as libvips' own tool reads the file.
std::pair<int, int> Size(const std::string& path) {
  const std::string w = Shell("vipsheader -f width '" + path + "' 2>/dev/null");
  const std::string h = Shell("vipsheader -f height '" + path + "' 2>/dev/null");
  if (w.empty() || h.empty()) return {0, 0};
  return {std::stoi(w), std::stoi(h)};
}

size_t CountFiles(const std::string& dir) {
  if (!fs::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    n += e.is_regular_file();
  }
  return n;
}

class ThumbsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* src : {kAutumn, kKite}) {
      ASSERT_TRUE(fs::exists(src)) << "missing " << src
                                   << " (plasma-workspace-wallpapers)";
    }
    fs::create_directories(lib_ + "/a");
    fs::copy_file(kAutumn, lib_ + "/a/autumn.jpg");
    fs::copy_file(kKite, lib_ + "/kite.jpg");
    // Orientation 6: stored landscape, displayed portrait.
    fs::copy_file(CorpusDir() + "/metadata/files/exiv2/exiv2-bug2565.jpg",
                  lib_ + "/portrait.jpg");
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }
  std::map<std::string, json> Listing() {
    RunResult r = Run({"ls", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonLinesBy(r.out, "rel");
  }
  std::string ThumbPath(const std::string& rel, const std::string& which) {
    RunResult r = Run({"show", "--json", lib_ + "/" + rel});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out);
    if (!j["thumbnails"].is_object()) return "";
    return j["thumbnails"][which].get<std::string>();
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = dir_ / "lib";
  std::string catalog_ = dir_ / "data/catalog.db";
  std::string thumbs_ = dir_ / "data/thumbs";
};

TEST_F(ThumbsE2eTest, ScanThumbsMakesBothSizesFromOneRun) {
  RunResult r = Run({"scan", lib_, "--thumbs", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 decoded"), std::string::npos) << r.out;
  EXPECT_EQ(CountFiles(thumbs_), 6u);  // thumbnail + preview each

  const auto thumb = Size(ThumbPath("kite.jpg", "thumb"));
  EXPECT_EQ(thumb, std::make_pair(256, 160));
  const auto preview = Size(ThumbPath("kite.jpg", "preview"));
  EXPECT_EQ(preview, std::make_pair(1600, 1000));
  // The orientation tag is applied: displayed portrait, 4032 x 3024 stored.
  const auto portrait = Size(ThumbPath("portrait.jpg", "thumb"));
  EXPECT_EQ(portrait, std::make_pair(192, 256));

  for (const auto& [rel, j] : Listing()) {
    ASSERT_TRUE(j["phash"].is_string()) << rel;
    EXPECT_EQ(j["phash"].get<std::string>().size(), 16u) << rel;
    EXPECT_TRUE(j["thumb"].get<bool>()) << rel;
    ASSERT_TRUE(j["quality"].is_object()) << rel;
    for (const char* k : {"sharpness", "exposure", "clipped_highlights",
                          "clipped_shadows", "noise"}) {
      EXPECT_TRUE(j["quality"][k].is_number()) << rel << " " << k;
    }
    EXPECT_TRUE(j["decode_error"].is_null()) << rel;
  }
  RunResult status = Run({"status"});
  EXPECT_NE(status.out.find("thumbnails: 3 contents"), std::string::npos)
      << status.out;
}

TEST_F(ThumbsE2eTest, RunsAgainOnlyForWhatIsMissing) {
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  RunResult first = Run({"thumbs"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("3 decoded"), std::string::npos) << first.out;
  RunResult again = Run({"thumbs"});
  EXPECT_NE(again.out.find("0 decoded, 3 up to date"), std::string::npos)
      << again.out;
  // A lost cache file is made again.
  const std::string lost = ThumbPath("kite.jpg", "preview");
  ASSERT_TRUE(fs::remove(lost));
  RunResult rebuilt = Run({"thumbs", lib_ + "/kite.jpg"});
  EXPECT_NE(rebuilt.out.find("1 decoded"), std::string::npos) << rebuilt.out;
  EXPECT_TRUE(fs::exists(lost));
}

TEST_F(ThumbsE2eTest, MovedFileReusesItsThumbnailsChangedFileGetsNewOnes) {
  ASSERT_EQ(Run({"scan", lib_, "--thumbs", "--progress", "none"}).exit_code, 0);
  const std::string before = ThumbPath("kite.jpg", "thumb");
  fs::create_directories(lib_ + "/moved");
  fs::rename(lib_ + "/kite.jpg", lib_ + "/moved/kite.jpg");
  RunResult r = Run({"scan", lib_, "--thumbs", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("moved 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 decoded"), std::string::npos) << r.out;
  EXPECT_EQ(ThumbPath("moved/kite.jpg", "thumb"), before);

  // Changed content: new thumbnails; the old ones are orphans for --gc.
  Shell("vips resize '" + std::string(kKite) + "' '" + lib_ +
        "/moved/kite.jpg' 0.5");
  r = Run({"scan", lib_, "--thumbs", "--progress", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 decoded"), std::string::npos) << r.out;
  const std::string after = ThumbPath("moved/kite.jpg", "thumb");
  EXPECT_NE(after, before);
  EXPECT_TRUE(fs::exists(before));
  RunResult gc = Run({"thumbs", "--gc"});
  ASSERT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("removed 2 files"), std::string::npos) << gc.out;
  EXPECT_FALSE(fs::exists(before));
  EXPECT_TRUE(fs::exists(after));
  EXPECT_EQ(CountFiles(thumbs_), 6u);
}

// The decoders live in phodex_decoders.so beside the binary
// (app/decoders.h). A binary without it still lists, queries and
// discovers; what needs a decoder fails at once with an error naming the
// missing file, and nothing is recorded against the photos.
TEST_F(ThumbsE2eTest, AMissingDecoderModuleIsOneClearErrorNotOnePerFile) {
  const std::string bare = dir_ / "bare";
  fs::create_directories(bare);
  fs::copy_file(PHODEX_BINARY, bare + "/phodex");
  const std::string cmd = "'" + bare + "/phodex' --catalog '" + catalog_ + "' ";

  RunResult scan = RunShell(cmd + "scan '" + lib_ + "' --progress none 2>&1");
  EXPECT_NE(scan.exit_code, 0) << scan.out;
  EXPECT_NE(scan.out.find("phodex_decoders.so) are missing"),
            std::string::npos) << scan.out;
  RunResult plain = RunShell(cmd + "scan '" + lib_ +
                             "' --no-metadata --progress none 2>&1");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  RunResult thumbs = RunShell(cmd + "thumbs 2>&1");
  EXPECT_NE(thumbs.exit_code, 0) << thumbs.out;
  EXPECT_NE(thumbs.out.find("phodex_decoders.so) are missing"),
            std::string::npos) << thumbs.out;
  for (const auto& [rel, j] : Listing()) {
    EXPECT_TRUE(j["decode_error"].is_null()) << rel;
    EXPECT_TRUE(j["error"].is_null()) << rel;
  }
  EXPECT_EQ(Listing().size(), 3u);

  // The installed binary (module beside it) decodes the same catalog.
  RunResult real = Run({"thumbs"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  EXPECT_NE(real.out.find("3 decoded"), std::string::npos) << real.out;
}

// A module that is there but will not load (a library it needs was
// removed): every file gets the reason, and none is marked unreadable, so
// once phodex is repaired the next scan and thumbs read them all.
TEST_F(ThumbsE2eTest, AnUnloadableDecoderModuleMarksNoFileUnreadable) {
  const std::string bare = dir_ / "bare";
  fs::create_directories(bare);
  fs::copy_file(PHODEX_BINARY, bare + "/phodex");
  std::ofstream(bare + "/phodex_decoders.so") << "not a shared object";
  const std::string cmd = "'" + bare + "/phodex' --catalog '" + catalog_ + "' ";

  RunResult scan = RunShell(cmd + "scan '" + lib_ + "' --progress none 2>&1");
  EXPECT_NE(scan.out.find("cannot load the decoders"), std::string::npos)
      << scan.out;
  RunResult thumbs = RunShell(cmd + "thumbs 2>&1");
  EXPECT_NE(thumbs.out.find("cannot load the decoders"), std::string::npos)
      << thumbs.out;
  for (const auto& [rel, j] : Listing()) {
    EXPECT_TRUE(j["width"].is_null()) << rel;
    EXPECT_TRUE(j["decode_error"].is_null()) << rel << " " << j.dump();
  }

  // Repaired: the next runs read and decode every file.
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  RunResult real = Run({"thumbs"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  EXPECT_NE(real.out.find("3 decoded"), std::string::npos) << real.out;
  for (const auto& [rel, j] : Listing()) {
    EXPECT_TRUE(j["width"].is_number()) << rel << " " << j.dump();
    EXPECT_TRUE(j["error"].is_null()) << rel << " " << j.dump();
  }
}

// A module that is there but cannot be read (mode 000 here; a build tree
// in a folder only its owner may enter, for another user) is named with
// the reason, not reported missing.
TEST_F(ThumbsE2eTest, AnUnreadableDecoderModuleIsNamedWithTheReason) {
  const PhodexCopy copy;
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {  // root reads a file of mode 000
    prefix = AsNobody(dir_.path());
    if (prefix.empty()) GTEST_SKIP() << "running as root without setpriv";
    fs::permissions(dir_.path(), fs::perms::all);
    fs::permissions(scratch_.path(), fs::perms::all);
  }
  fs::permissions(copy.module(), fs::perms::none);
  RunResult r = RunPhodex({"--catalog", scratch_ / "catalog.db", "scan", lib_,
                           "--progress", "none"},
                          scratch_.path(), prefix, copy.binary());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot load the decoders module '" + copy.module() +
                       "': Permission denied"),
            std::string::npos)
      << r.err;
}

// `show` prints each field once: "thumb: true", then where the cache files
// are ("thumb file:", "preview file:").
TEST_F(ThumbsE2eTest, ShowPrintsTheThumbFieldOnce) {
  ASSERT_EQ(Run({"scan", lib_, "--thumbs", "--progress", "none"}).exit_code, 0);
  RunResult r = Run({"show", lib_ + "/kite.jpg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> labels;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    ++labels[line.substr(0, line.find(':') + 1)];
  }
  EXPECT_EQ(labels["thumb:"], 1) << r.out;
  EXPECT_EQ(labels["thumb file:"], 1) << r.out;
  EXPECT_EQ(labels["preview file:"], 1) << r.out;
}

// A full thumbnail cache (a 64 KiB tmpfs, filled): every file fails, each
// error names the cache file that could not be written, each is listed by
// `ops --errors`, and the run is no success.
TEST_F(ThumbsE2eTest, AFullCacheFailsTheRunAndNamesTheCacheFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  fs::create_directories(thumbs_);
  ASSERT_EQ(::mount("tmpfs", thumbs_.c_str(), "tmpfs", 0, "size=64k"), 0)
      << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{thumbs_};
  {
    std::ofstream fill(thumbs_ + "/fill", std::ios::binary);
    const std::string block(4096, 'x');
    for (int i = 0; i < 64 && fill; ++i) fill << block << std::flush;
  }
  RunResult r = Run({"thumbs"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("3 errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("write thumbnail '" + thumbs_ + "/"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("No space left on device"), std::string::npos) << r.out;
  RunResult errors = Run({"ops", "--errors", "--json"});
  std::set<std::string> failed;
  std::istringstream in(errors.out);
  for (std::string line; std::getline(in, line);) {
    const json e = json::parse(line);
    failed.insert(e["path"].get<std::string>());
    EXPECT_NE(e["reason"].get<std::string>().find("'" + thumbs_ + "/"),
              std::string::npos)
        << line;
  }
  EXPECT_EQ(failed,
            (std::set<std::string>{lib_ + "/a/autumn.jpg", lib_ + "/kite.jpg",
                                   lib_ + "/portrait.jpg"}));
  RunResult ops = Run({"ops", "--json", "--limit", "1"});
  EXPECT_EQ(json::parse(ops.out)["status"], "failed") << ops.out;
}

TEST_F(ThumbsE2eTest, BrokenFilesCostOneFileEach) {
  std::ofstream(lib_ + "/empty.jpg").flush();
  {
    const std::string whole = Slurp(kAutumn);
    std::ofstream(lib_ + "/half.jpg", std::ios::binary)
        << whole.substr(0, whole.size() / 2);
    std::ofstream(lib_ + "/garbage.png", std::ios::binary)
        << std::string(5000, '\x5a');
  }
  // The test hook makes the decoder worker crash on this one (its own
  // content: a copy of a decoded photo would share that photo's result).
  std::ofstream(lib_ + "/crash-worker.jpg", std::ios::binary)
      << Slurp(kAutumn) << "trailing bytes";
  ::setenv("PHODEX_WORKER_FAULTS_FOR_TESTING", "1", 1);
  RunResult r = Run({"scan", lib_, "--thumbs", "--progress", "none"});
  ::unsetenv("PHODEX_WORKER_FAULTS_FOR_TESTING");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto listed = Listing();
  for (const char* good : {"a/autumn.jpg", "kite.jpg", "portrait.jpg"}) {
    EXPECT_TRUE(listed[good]["thumb"].get<bool>()) << good << r.out;
  }
  EXPECT_TRUE(listed["crash-worker.jpg"]["decode_error"].is_string());
  EXPECT_NE(listed["crash-worker.jpg"]["decode_error"].get<std::string>().find(
                "decoder crashed"),
            std::string::npos);
  for (const char* bad : {"empty.jpg", "garbage.png"}) {
    EXPECT_FALSE(listed[bad]["thumb"].get<bool>()) << bad;
    EXPECT_TRUE(listed[bad]["phash"].is_null()) << bad;
  }
  // A JPEG cut in half: libvips decodes what is there, or it is an error.
  EXPECT_TRUE(listed["half.jpg"]["thumb"].get<bool>() ||
              listed["half.jpg"]["decode_error"].is_string());
  // Errors are facts about the content: the next run does not retry them.
  RunResult again = Run({"thumbs"});
  EXPECT_NE(again.out.find("0 decoded"), std::string::npos) << again.out;
}

// `ls --blurry` and `--blown-out` find the missed focus and the blown
// highlights, not the originals.
TEST_F(ThumbsE2eTest, BlurryAndBlownOutShotsAreListed) {
  Shell("vips gaussblur '" + std::string(kAutumn) + "' '" + lib_ +
        "/blurred.jpg' 8 2>/dev/null");
  Shell("vips linear '" + std::string(kAutumn) + "' '" + lib_ +
        "/bright.jpg' 1.6 0 2>/dev/null");
  ASSERT_TRUE(fs::exists(lib_ + "/blurred.jpg") && fs::exists(lib_ + "/bright.jpg"));
  ASSERT_EQ(Run({"scan", lib_, "--thumbs", "--progress", "none"}).exit_code, 0);
  auto listed = Listing();
  const json& orig = listed["a/autumn.jpg"]["quality"];
  EXPECT_LT(listed["blurred.jpg"]["quality"]["sharpness"].get<double>(),
            orig["sharpness"].get<double>());
  EXPECT_GT(listed["bright.jpg"]["quality"]["clipped_highlights"].get<double>(),
            orig["clipped_highlights"].get<double>());
  EXPECT_GT(listed["bright.jpg"]["quality"]["exposure"].get<double>(),
            orig["exposure"].get<double>());
  RunResult blurry = Run({"ls", "--blurry", lib_});
  EXPECT_NE(blurry.out.find("blurred.jpg"), std::string::npos) << blurry.out;
  EXPECT_EQ(blurry.out.find("autumn.jpg"), std::string::npos) << blurry.out;
  EXPECT_EQ(blurry.out.find("bright.jpg"), std::string::npos) << blurry.out;
  RunResult blown = Run({"ls", "--blown-out", lib_});
  EXPECT_NE(blown.out.find("bright.jpg"), std::string::npos) << blown.out;
  EXPECT_EQ(blown.out.find("autumn.jpg"), std::string::npos) << blown.out;
}

// A JPEG and another rendition of the same shot beside it (same name but
// the extension, same capture time): a pair, shown in `ls --json` and not
// a near-duplicate unless asked.
TEST_F(ThumbsE2eTest, CapturePairsAreShownAndLeftOutOfSimilarGroups) {
  fs::create_directories(lib_ + "/pair");
  Shell("vips copy '" + std::string(kKite) + "' '" + lib_ +
        "/pair/IMG_1.jpg[strip]' && vips copy '" + std::string(kKite) + "' '" +
        lib_ + "/pair/IMG_1.png[strip]'");
  Shell("vips copy '" + std::string(kKite) + "' '" + lib_ +
        "/pair/IMG_1.edit.png'");  // another name: no pair
  ASSERT_EQ(Run({"scan", lib_, "--thumbs", "--progress", "none"}).exit_code, 0);
  auto listed = Listing();
  const json& jpg = listed["pair/IMG_1.jpg"];
  const json& png = listed["pair/IMG_1.png"];
  ASSERT_TRUE(jpg["pair"].is_number()) << jpg.dump();
  EXPECT_EQ(jpg["pair"], png["id"]);
  EXPECT_EQ(png["pair"], jpg["id"]);
  EXPECT_TRUE(listed["pair/IMG_1.edit.png"]["pair"].is_null());

  // Without the pair's own likeness, the edit still joins both: one group.
  RunResult r = Run({"similar", "--json", lib_ + "/pair"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json group = json::parse(r.out);
  EXPECT_EQ(group["paths"].size(), 3u);
  ASSERT_TRUE(fs::remove(lib_ + "/pair/IMG_1.edit.png"));
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  r = Run({"similar", "--json", lib_ + "/pair"});
  EXPECT_EQ(r.out, "") << "a pair is not a near-duplicate";
  r = Run({"similar", "--json", "--include-pairs", lib_ + "/pair"});
  ASSERT_FALSE(r.out.empty());
  group = json::parse(r.out);
  EXPECT_EQ(group["paths"].size(), 2u);
  EXPECT_EQ(group["max_distance"], 0);
}

TEST_F(ThumbsE2eTest, AHangingDecoderIsStoppedAtTheTimeLimit) {
  // A short limit, and only small photos besides the hanging one, so a
  // loaded machine decodes them well within it.
  std::ofstream(dir_ / "config.toml") << "[thumbnails]\ntimeout = 3\n";
  fs::remove_all(lib_);
  fs::create_directories(lib_);
  const std::string small = CorpusDir() + "/metadata/files/exiv2/exiv2-bug884b.jpg";
  fs::copy_file(small, lib_ + "/small.jpg");
  std::ofstream(lib_ + "/hang-worker.jpg", std::ios::binary)
      << Slurp(small) << "x";
  ::setenv("PHODEX_WORKER_FAULTS_FOR_TESTING", "1", 1);
  RunResult r = Run({"--config", dir_ / "config.toml", "scan", lib_,
                     "--no-metadata", "--thumbs", "--progress", "none"});
  ::unsetenv("PHODEX_WORKER_FAULTS_FOR_TESTING");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto listed = Listing();
  ASSERT_TRUE(listed["hang-worker.jpg"]["decode_error"].is_string()) << r.out;
  EXPECT_NE(listed["hang-worker.jpg"]["decode_error"].get<std::string>().find(
                "gave no answer in 3000 ms"),
            std::string::npos);
  EXPECT_TRUE(listed["small.jpg"]["thumb"].get<bool>());
}

// Every hostile sample, under its own name and disguised as an image,
// goes through the decoders: the run finishes and each file is either
// thumbnailed or has its reason.
TEST_F(ThumbsE2eTest, HostileCorpusNeverTakesTheRunDown) {
  int copied = 0;
  for (const auto& e : fs::directory_iterator(CorpusDir() + "/hostile/files")) {
    const std::string name = e.path().filename().string();
    for (const char* ext : {".jpg", ".tif", ".png", ".heic", ".dng", ".mp4"}) {
      fs::create_directories(lib_ + "/as" + ext);
      fs::copy_file(e.path(), lib_ + "/as" + ext + "/" + name + ext);
      ++copied;
    }
  }
  ASSERT_GT(copied, 600);
  RunResult r = Run({"scan", lib_, "--no-metadata", "--thumbs", "--progress",
                     "none"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  int thumbed = 0, failed = 0;
  for (const auto& [rel, j] : Listing()) {
    if (j["kind"] == "sidecar" || j["kind"] == "other") continue;
    const bool ok = j["thumb"].get<bool>();
    const bool err = j["decode_error"].is_string();
    EXPECT_TRUE(ok || err) << rel;
    thumbed += ok;
    failed += err;
  }
  EXPECT_GT(failed, 0);
  std::printf("hostile: %d thumbnailed, %d with decode errors\n", thumbed,
              failed);
  EXPECT_EQ(Run({"status"}).exit_code, 0);
}

}  // namespace
}  // namespace phodex::testing
