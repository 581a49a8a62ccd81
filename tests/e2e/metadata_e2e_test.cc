// Metadata through the real binary: the isolated worker pool, the catalog,
// `ls --json` and `show --json`, XMP sidecars, and the hostile corpus.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <signal.h>

#include "tests/e2e/cli_runner.h"
#include "tests/e2e/json_lines.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"
#include "util/sanitizers.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kMetadataFields[] = {
    "mime",   "width",       "height",   "orientation", "taken",
    "make",   "model",       "lens",     "exposure_time", "f_number",
    "iso",    "focal_length", "gps",     "rating",      "label",
    "keywords", "title",     "description", "duration", "quick_hash",
    "hash"};

class MetadataE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::is_directory(CorpusDir() + "/metadata/files"))
        << "corpus missing: " << CorpusDir();
    fs::create_directories(lib_);
    // Short time limit: hangs in the hostile corpus cost this much each.
    std::ofstream(config_) << "[metadata]\ntimeout = 3\n";
  }
  RunResult Run(std::vector<std::string> args,
                const std::vector<std::string>& prefix = {}) {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    return RunPhodex(args, scratch_.path(), prefix);
  }
  // ls --json of everything, by absolute path.
  std::map<std::string, json> Listing() {
    RunResult r = Run({"ls", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return JsonLinesBy(r.out, "path");
  }
  void Copy(const std::string& from, const std::string& to) {
    fs::create_directories(fs::path(to).parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = dir_ / "lib";
  std::string catalog_ = dir_ / "data/catalog.db";
  std::string config_ = dir_ / "config.toml";
};

TEST_F(MetadataE2eTest, ScanFillsTheLsFieldsAndShowPrintsEveryTag) {
  const std::string files = CorpusDir() + "/metadata/files/";
  Copy(files + "exiftool/Canon.jpg", lib_ + "/Canon.jpg");
  Copy(files + "exiftool/GPS.jpg", lib_ + "/GPS.jpg");
  Copy(files + "exiv2/2021-02-13-1929.heic", lib_ + "/iphone.heic");
  RunResult scan = Run({"scan", lib_, "--progress", "none"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;

  auto files_listed = Listing();
  ASSERT_EQ(files_listed.size(), 3u);
  for (const auto& [path, j] : files_listed) {
    for (const char* field : kMetadataFields) {
      EXPECT_TRUE(j.contains(field)) << path << " lacks " << field;
    }
  }
  const json& canon = files_listed[lib_ + "/Canon.jpg"];
  EXPECT_EQ(canon["mime"], "image/jpeg");
  EXPECT_EQ(canon["make"], "Canon");
  EXPECT_EQ(canon["model"], "Canon EOS DIGITAL REBEL");
  EXPECT_EQ(canon["taken"], "2003-12-04T06:46:52");
  EXPECT_EQ(canon["exposure_time"], 4);
  EXPECT_EQ(canon["iso"], 100);
  EXPECT_EQ(canon["gps"], nullptr);

  const json& gps = files_listed[lib_ + "/GPS.jpg"];
  ASSERT_TRUE(gps["gps"].is_object());
  EXPECT_NEAR(gps["gps"]["lat"].get<double>(), 54.9896666666667, 1e-6);
  EXPECT_NEAR(gps["gps"]["lon"].get<double>(), -1.91416666666667, 1e-6);
  EXPECT_EQ(gps["keywords"], json::array({"Communications"}));

  const json& heic = files_listed[lib_ + "/iphone.heic"];
  EXPECT_EQ(heic["mime"], "image/heic");
  EXPECT_EQ(heic["width"], 4032);
  EXPECT_EQ(heic["height"], 3024);
  EXPECT_EQ(heic["orientation"], 6);
  EXPECT_EQ(heic["taken"], "2021-02-13T11:03:31.864-06:00");

  RunResult show = Run({"show", "--json", lib_ + "/Canon.jpg"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json shown = json::parse(show.out);
  EXPECT_EQ(shown["make"], "Canon");
  ASSERT_TRUE(shown["tags"].is_object());
  EXPECT_EQ(shown["tags"]["Exif.Image.Make"], "Canon");

  RunResult folder = Run({"show", lib_});
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_NE(folder.err.find("not a file in the catalog"), std::string::npos);
}

// A HEIC from libheif (through vips; odd-sized, so stored as a grid) that
// exiftool geotagged, dated and rated: scan + ls show what exiftool shows
// (Exiv2 0.27.6 alone found none of it), and show prints the tags.
TEST_F(MetadataE2eTest, HeicTaggedWithExiftoolShowsItsFields) {
  const std::string heic = lib_ + "/phone.heic";
  const std::string jpeg = scratch_ / "source.jpg";
  ASSERT_EQ(std::system(("vips black '" + jpeg + "' 100 75 --bands 3 && " +
                         "vips copy '" + jpeg + "' '" + heic + "' && " +
                         "exiftool -q -overwrite_original -Make=Apple "
                         "-Model='iPhone 12' "
                         "'-DateTimeOriginal=2023:05:06 07:08:09' "
                         "-OffsetTimeOriginal=+02:00 -GPSLatitude=48.8584 "
                         "-GPSLatitudeRef=N -GPSLongitude=2.2945 "
                         "-GPSLongitudeRef=E -Orientation#=6 "
                         "-ExposureTime=1/250 -FNumber=1.8 -ISO=100 "
                         "-XMP-xmp:Rating=4 -XMP-dc:Subject=paris '" +
                         heic + "'")
                            .c_str()),
            0);
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  json j = Listing()[heic];
  EXPECT_EQ(j["error"], nullptr);
  EXPECT_EQ(j["mime"], "image/heic");
  EXPECT_EQ(j["width"], 100);
  EXPECT_EQ(j["height"], 75);
  EXPECT_EQ(j["orientation"], 6);
  EXPECT_EQ(j["make"], "Apple");
  EXPECT_EQ(j["model"], "iPhone 12");
  EXPECT_EQ(j["taken"], "2023-05-06T07:08:09+02:00");
  ASSERT_TRUE(j["gps"].is_object()) << j.dump();
  EXPECT_NEAR(j["gps"]["lat"].get<double>(), 48.8584, 1e-9);
  EXPECT_NEAR(j["gps"]["lon"].get<double>(), 2.2945, 1e-9);
  EXPECT_EQ(j["exposure_time"], 0.004);
  EXPECT_EQ(j["f_number"], 1.8);
  EXPECT_EQ(j["iso"], 100);
  EXPECT_EQ(j["rating"], 4);
  EXPECT_EQ(j["keywords"], json::array({"paris"}));

  RunResult show = Run({"show", "--json", heic});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json shown = json::parse(show.out);
  EXPECT_EQ(shown["tags"]["Exif.Image.Make"], "Apple");
  EXPECT_EQ(shown["tags"]["Xmp.xmp.Rating"], "4");
}

TEST_F(MetadataE2eTest, SidecarWinsAndItsEditsAreSeenByTheNextScan) {
  const std::string jpg = lib_ + "/IMG_1.jpg";
  Copy(CorpusDir() + "/metadata/files/exiftool/Canon.jpg", jpg);
  auto write_sidecar = [&](int rating) {
    std::ofstream(jpg + ".xmp")
        << R"(<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating=")"
        << rating << R"(" xmp:Label="Green">
<dc:subject><rdf:Bag><rdf:li>beach</rdf:li><rdf:li>kids</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>)";
  };
  write_sidecar(4);
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  json j = Listing()[jpg];
  EXPECT_EQ(j["rating"], 4);
  EXPECT_EQ(j["label"], "Green");
  EXPECT_EQ(j["keywords"], json::array({"beach", "kids"}));
  EXPECT_EQ(j["make"], "Canon");  // still the photo's

  write_sidecar(1);  // another tool changes the rating
  ASSERT_EQ(Run({"scan", lib_, "--progress", "none"}).exit_code, 0);
  EXPECT_EQ(Listing()[jpg]["rating"], 1);
  RunResult show = Run({"show", "--json", jpg});
  const json shown = json::parse(show.out);
  EXPECT_EQ(shown["sidecar"]["path"], jpg + ".xmp");
  EXPECT_EQ(shown["sidecar"]["tags"]["Xmp.xmp.Rating"], "1");
}

TEST_F(MetadataE2eTest, ACrashingOrHangingParserCostsOneFile) {
  const std::string canon = CorpusDir() + "/metadata/files/exiftool/Canon.jpg";
  for (const char* name : {"a.jpg", "b-crash-worker.jpg", "c.jpg",
                           "d-hang-worker.jpg", "e.jpg"}) {
    Copy(canon, lib_ + "/" + name);
  }
  RunResult scan = Run({"scan", lib_, "--progress", "none"},
                       {"/usr/bin/env", "PHODEX_WORKER_FAULTS_FOR_TESTING=1"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  auto listed = Listing();
  ASSERT_EQ(listed.size(), 5u);
  for (const char* name : {"a.jpg", "c.jpg", "e.jpg"}) {
    EXPECT_EQ(listed[lib_ + "/" + name]["make"], "Canon") << name;
  }
  const json& crashed = listed[lib_ + "/b-crash-worker.jpg"];
  EXPECT_EQ(crashed["make"], nullptr);
  const std::string crash_error = crashed["error"].get<std::string>();
  // Under ThreadSanitizer a crashing worker first symbolizes its report
  // (addr2line, seconds), and may outlive the answer's deadline: then it
  // is stopped as one that gives no answer. Either way it costs one file.
  const bool crash_seen =
      crash_error.find("crashed") != std::string::npos ||
      (PHODEX_TSAN_BUILD && crash_error.find("no answer") != std::string::npos);
  EXPECT_TRUE(crash_seen) << crash_error;
  const json& hung = listed[lib_ + "/d-hang-worker.jpg"];
  EXPECT_NE(hung["error"].get<std::string>().find("no answer"),
            std::string::npos);
  EXPECT_NE(scan.out.find("2 errors"), std::string::npos) << scan.out;
}

// pids of the live (not zombie) children of `parent`.
std::vector<int> LiveChildren(int parent) {
  std::vector<int> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z') out.push_back(std::stoi(name));
  }
  return out;
}

bool Alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t close = line.rfind(')');
  return close != std::string::npos && line[close + 2] != 'Z';
}

// kill -9 of the scan, while a worker hangs in a parser, leaves no worker
// behind.
TEST_F(MetadataE2eTest, WorkersDoNotOutliveAKilledScan) {
  const std::string canon = CorpusDir() + "/metadata/files/exiftool/Canon.jpg";
  Copy(canon, lib_ + "/a-hang-worker.jpg");
  std::ofstream(config_) << "[metadata]\ntimeout = 60\nworkers = 1\n";
  const pid_t pid = SpawnPhodex(
      {"--catalog", catalog_, "--config", config_, "scan", lib_, "--progress",
       "none"},
      scratch_ / "out.txt", scratch_ / "err.txt",
      {"/usr/bin/env", "PHODEX_WORKER_FAULTS_FOR_TESTING=1"});
  std::vector<int> workers;
  for (int i = 0; i < 100 && workers.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    workers = LiveChildren(pid);
  }
  ASSERT_EQ(workers.size(), 1u) << "no worker started";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(WaitExit(pid), 1000 + SIGKILL);
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = !Alive(workers[0]);
  }
  EXPECT_TRUE(gone) << "worker " << workers[0] << " outlived its parent";
}

// Every reproducer of Exiv2's crash and fuzzing bugs, under its own name
// and disguised as each kind of media, goes through the scan: the scan
// finishes, every file is cataloged, and each one either has metadata or
// an error with its reason.
TEST_F(MetadataE2eTest, HostileCorpusNeverTakesTheScanDown) {
  int copied = 0;
  for (const auto& e :
       fs::directory_iterator(CorpusDir() + "/hostile/files")) {
    const std::string name = e.path().filename().string();
    Copy(e.path().string(), lib_ + "/" + name);
    for (const char* ext : {".jpg", ".tif", ".heic", ".mp4"}) {
      Copy(e.path().string(), lib_ + "/as" + ext + "/" + name + ext);
      ++copied;
    }
  }
  ASSERT_GT(copied, 600);
  RunResult scan = Run({"scan", lib_, "--progress", "none"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  auto listed = Listing();
  EXPECT_GE(static_cast<int>(listed.size()), copied);
  int with_metadata = 0, with_error = 0;
  for (const auto& [path, j] : listed) {
    const bool has_meta = !j["mime"].is_null();
    const bool has_error = !j["error"].is_null();
    EXPECT_TRUE(has_meta || has_error) << path;
    with_metadata += has_meta;
    with_error += has_error;
  }
  EXPECT_GT(with_error, 0);
  // The catalog is whole afterwards.
  RunResult status = Run({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  std::printf("hostile: %zu files, %d with metadata, %d with errors\n",
              listed.size(), with_metadata, with_error);
}

}  // namespace
}  // namespace phodex::testing
