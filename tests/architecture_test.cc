// Enforces the module layering of docs/architecture.md: each module
// includes only the modules it may depend on, each third-party header stays
// in the module that owns it, and only os/ makes system calls.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::set<std::string>> kAllowed = {
    {"util", {"util"}},
    {"core", {"core", "util"}},
    {"os", {"os", "core", "util"}},
    {"catalog", {"catalog", "core", "util"}},
    {"media", {"media", "os", "core", "util"}},
    {"imaging", {"imaging", "os", "core", "util"}},
    {"jobs", {"jobs", "catalog", "os", "core", "util"}},
    {"scan", {"scan", "jobs", "catalog", "media", "imaging", "os", "core",
              "util"}},
    {"dedup", {"dedup", "jobs", "catalog", "os", "core", "util"}},
    {"watch", {"watch", "jobs", "catalog", "os", "core", "util"}},
    {"library", {"library", "scan", "dedup", "watch", "jobs", "catalog",
                 "media", "imaging", "os", "core", "util"}},
    {"server", {"server", "library", "jobs", "catalog", "core", "util"}},
    {"app", {"app", "library", "scan", "dedup", "watch", "jobs", "server",
             "catalog", "media", "imaging", "os", "core", "util", "phodex"}},
};

// Third-party header prefix -> the only folder (below src/) that may use it.
const std::map<std::string, std::string> kOwners = {
    {"sqlite3.h", "catalog/sqlite"}, {"libpq-fe.h", "catalog/postgres"},
    {"exiv2/", "media"},             {"vips/", "imaging"},
    {"libraw/", "imaging"},          {"boost/beast", "server"},
    {"boost/asio", "server"},
    {"CLI/", "app"},                 {"toml++/", "app"},
    {"sys/inotify.h", "watch"},      {"spdlog/", "app"},
    {"xxhash.h", "media"},           {"openssl/", "media"},
    {"libheif/", "media"},
};

// Third-party headers several folders (below src/) share:
// - FFmpeg demuxes video metadata in media/ and decodes a frame for
//   thumbnails in imaging/.
// - nlohmann/json: the JSON output of library/ and app/, and only where a
//   stored or wire format is JSON: catalog/sqlite (metadata tag columns),
//   media (the metadata worker's reply, ffprobe-style tags), scan (the
//   batch writer's stored tags), dedup (the dupes journal), server (the
//   API's bodies).
// - oneTBB: the parallel loops and pipeline of scan/ (pipeline.cc, the
//   walker, the pixel pass, verify) and dedup/ (hashing candidates).
const std::map<std::string, std::set<std::string>> kSharedOwners = {
    {"libavformat/", {"media", "imaging"}},
    {"libavutil/", {"media", "imaging"}},
    {"libavcodec/", {"media", "imaging"}},
    {"libswscale/", {"imaging"}},
    {"nlohmann/", {"library", "app", "server", "catalog/sqlite", "media",
                   "scan", "dedup"}},
    {"tbb/", {"scan", "dedup"}},
    {"oneapi/tbb", {"scan", "dedup"}},
};

bool InAnyFolder(const std::string& rel, const std::set<std::string>& dirs) {
  for (const std::string& d : dirs) {
    if (rel.starts_with(d + "/")) return true;
  }
  return false;
}

// System-call headers: os/ only (watch/ for inotify).
const std::set<std::string> kSyscallHeaders = {
    "unistd.h", "fcntl.h", "dirent.h", "signal.h", "spawn.h",
    "sys/stat.h", "sys/file.h", "sys/ioctl.h", "sys/types.h", "sys/mman.h"};

struct Include {
  std::string header;
  bool quoted;
};

std::vector<Include> Includes(const fs::path& file) {
  static const std::regex re(R"re(^\s*#\s*include\s*([<"])([^>"]+)[>"])re");
  std::vector<Include> out;
  std::ifstream in(file);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, re)) out.push_back({m[2], m[1] == "\""});
  }
  return out;
}

TEST(Architecture, ModulesIncludeOnlyWhatTheyMayDependOn) {
  const fs::path src = fs::path(PHODEX_SOURCE_DIR) / "src";
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    const std::string rel = fs::relative(e.path(), src).string();
    const std::string module = rel.substr(0, rel.find('/'));
    ASSERT_TRUE(kAllowed.count(module)) << "unknown module folder: " << rel;
    for (const Include& inc : Includes(e.path())) {
      if (inc.quoted) {
        const std::string dep = inc.header.substr(0, inc.header.find('/'));
        EXPECT_TRUE(kAllowed.at(module).count(dep))
            << rel << " includes \"" << inc.header << "\": " << module
            << " may not depend on " << dep;
        // Only app/ names a concrete catalog backend.
        if (inc.header.starts_with("catalog/sqlite/") ||
            inc.header.starts_with("catalog/postgres/")) {
          EXPECT_TRUE(module == "app" || rel.starts_with("catalog/sqlite") ||
                      rel.starts_with("catalog/postgres"))
              << rel << " names a catalog backend";
        }
        continue;
      }
      for (const auto& [prefix, owner] : kOwners) {
        if (inc.header.starts_with(prefix)) {
          EXPECT_TRUE(rel.starts_with(owner + "/"))
              << rel << " includes <" << inc.header << ">, owned by " << owner;
        }
      }
      for (const auto& [prefix, owners] : kSharedOwners) {
        if (inc.header.starts_with(prefix)) {
          EXPECT_TRUE(InAnyFolder(rel, owners))
              << rel << " includes <" << inc.header << ">, owned by "
              << *owners.begin();
        }
      }
      if (kSyscallHeaders.count(inc.header)) {
        EXPECT_TRUE(module == "os" || rel.starts_with("watch/inotify_"))
            << rel << " includes <" << inc.header
            << ">: system calls belong in os/";
      }
    }
  }
  EXPECT_GT(files, 20);
}

}  // namespace
