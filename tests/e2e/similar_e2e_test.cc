// `phodex similar` judged on a set generated from real photographs
// (docs/similar.md): each original with seven variants of it (50% resize,
// JPEG quality 60, 5% crop taken both ways (2.5% off each side, and 5% off
// one corner), +0.3 EV, pixels turned 90 degrees with an
// orientation tag that displays them upright, and without one), plus
// different photos of similar scenes. Two files are a positive pair iff
// they come from the same original. Prints the precision/recall curve for
// thresholds 0..20 and the distance of each variant to its original (the
// figures in docs/similar.md); asserts precision >= 0.98 and recall >= 0.95
// at the default threshold, and that those are its row of the curve.
//
// The variants are made with the libvips command-line tools and exiftool
// (scripts/setup.sh installs them), so the test also checks that phodex
// sees what those tools wrote.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/corpus.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Debian's plasma-workspace-wallpapers (installed by scripts/setup.sh).
#define WALLPAPER(name) \
  "/usr/share/wallpapers/" name "/contents/images/2560x1600.jpg"

struct Source {
  const char* name;
  const char* path;  // absolute, or relative to the corpus
};

// The originals: the real photographs among the wallpapers (the others are
// illustrations and renders) and the larger real photos of the shared
// corpus. Each gets the seven variants.
const Source kOriginals[] = {
    {"bythewater", WALLPAPER("BytheWater")},      // jetty, lake
    {"coldripple", WALLPAPER("ColdRipple")},      // jetty in fog
    {"darkesthour", WALLPAPER("DarkestHour")},    // lake at dusk, mist
    {"fallenleaf", WALLPAPER("FallenLeaf")},      // leaves, shallow focus
    {"grey", WALLPAPER("Grey")},                  // building facade, b/w
    {"kite", WALLPAPER("Kite")},                  // sky, clouds
    {"onestandsout", WALLPAPER("OneStandsOut")},  // plants from above
    {"summer1am", WALLPAPER("summer_1am")},       // lake at dusk, reeds
    // 4032 x 3024 stored, orientation 6: displayed portrait.
    {"tower", "metadata/files/exiv2/exiv2-bug2565.jpg"},
    {"leaves", "metadata/files/exiv2/exiv2-bug922.jpg"},  // 1536 x 2048
    {"sketch", "metadata/files/exiv2/exiv2-bug876.jpg"},  // paper, pencil
    {"crow", "metadata/files/exiv2/exiv2-bug884b.jpg"},   // 640 x 426
    {"shelf", "metadata/files/exiv2/DSC_3079.jpg"},       // 720 x 1280
    // Three different photos of one place, 400 x 300.
    {"furnace1", "metadata/files/exiv2/FurnaceCreekInn.jpg"},
    {"furnace2", "metadata/files/exiv2/FurnaceCreekInn2.jpg"},
    {"furnace3", "metadata/files/exiv2/FurnaceCreekInn3.jpg"},
};

// Two shots of one scene, mimicked: the left 55% and the right 55% of one
// photo (they overlap by 10% of its width). Each half is its own photo;
// the source itself is not in the set.
const Source kSceneSources[] = {
    {"eveningglow", WALLPAPER("EveningGlow")},    // row of boats, sunset
    {"path", WALLPAPER("Path")},                  // forest, path
    {"colorfulcups", WALLPAPER("ColorfulCups")},  // rows of cups
};

// Pairs of different originals that show similar scenes: reported
// separately (they are negatives like every other cross-original pair).
const std::pair<const char*, const char*> kSimilarScenes[] = {
    {"bythewater", "coldripple"}, {"darkesthour", "summer1am"},
    {"furnace1", "furnace2"},     {"furnace1", "furnace3"},
    {"furnace2", "furnace3"},     {"eveningglow-left", "eveningglow-right"},
    {"path-left", "path-right"},  {"colorfulcups-left", "colorfulcups-right"},
};

// Originals are made at most this large (the hash does not care, and the
// scan's thumbnails and preview cost time in proportion to the pixels).
constexpr int kLongestEdge = 1024;

// The curve is printed for thresholds 0..kMaxThreshold.
constexpr int kMaxThreshold = 20;

// The variant kinds, by file-name suffix ("" is the original).
const char* const kVariants[] = {"",       "-half", "-q60",     "-crop5",
                                 "-crop5c", "-ev03", "-rot90tag", "-rot90"};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Shell lines setting W and H to the image's size, as libvips reads it
// (one vipsheader run: "FILE: WxH uchar, ...").
std::string Size(const std::string& image) {
  return "set -- $(vipsheader " + Quote(image) +
         " | sed 's/.*: \\([0-9]*\\)x\\([0-9]*\\) .*/\\1 \\2/')\n"
         "W=$1; H=$2\n";
}

// Runs `cmd` with sh; its output (stdout and stderr) and exit status.
std::pair<int, std::string> Shell(const std::string& cmd) {
  RunResult r = RunShell(cmd + " 2>&1");
  return {r.exit_code, std::move(r.out)};
}

struct Score {
  size_t predicted = 0;
  size_t true_positive = 0;
  double precision = 1;
  double recall = 0;
  std::vector<std::pair<std::string, std::string>> false_positives;
  std::vector<json> groups;
  std::map<std::string, size_t> group_of;  // file -> index in groups
};

class SimilarE2eTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }

  // Writes the set under lib_ and fills origin_ (file -> original).
  void Generate() {
    fs::create_directories(lib_);
    // One script per original, run two at a time (vips is fast; most of
    // the time is starting it).
    std::vector<std::string> scripts;
    std::vector<std::string> tagged;
    for (const Source& s : kOriginals) {
      std::string src = s.path;
      if (src[0] != '/') src = CorpusDir() + "/" + src;
      ASSERT_TRUE(fs::exists(src)) << "missing " << src;
      const std::string dir = lib_ + "/" + s.name;
      fs::create_directories(dir);
      const std::string o = dir + "/" + s.name;
      std::ostringstream sh;
      sh << "set -e\n"
         // The original: upright (the orientation tag applied), longest
         // edge at most kLongestEdge, no metadata.
         << "vips thumbnail " << Quote(src) << " "
         << Quote(o + ".jpg[Q=90,strip]") << " " << kLongestEdge
         << " --size down\n"
         << Size(o + ".jpg") << "vips resize " << Quote(o + ".jpg") << " "
         << Quote(o + "-half.jpg[Q=90,strip]") << " 0.5\n"
         << "vips copy " << Quote(o + ".jpg") << " "
         << Quote(o + "-q60.jpg[Q=60,strip]")
         << "\n"
         // 5% crop: 2.5% of the width and height off each side.
         << "X=$((W * 25 / 1000)); Y=$((H * 25 / 1000))\n"
         << "vips extract_area " << Quote(o + ".jpg") << " "
         << Quote(o + "-crop5.jpg[Q=90,strip]")
         << " $X $Y $((W - 2 * X)) $((H - 2 * Y))\n"
         // 5% crop the other way: 5% of the width and height off one
         // corner (the bottom right).
         << "vips extract_area " << Quote(o + ".jpg") << " "
         << Quote(o + "-crop5c.jpg[Q=90,strip]")
         << " 0 0 $((W - W * 5 / 100)) $((H - H * 5 / 100))\n"
         // +0.3 EV: linear light times k = 2^0.3. On sRGB values V (0..255)
         // above the curve's linear toe that is exactly
         // V' = k^(1/2.4) (V + 14.025) - 14.025 = 1.0905 V + 1.27, clipped
         // (+0.5: --uchar truncates); within 1 level of going through scRGB.
         << "vips linear " << Quote(o + ".jpg") << " "
         << Quote(o + "-ev03.jpg[Q=90,strip]")
         << " 1.0905 1.77 --uchar\n"
         // Pixels turned 90 degrees clockwise; -rot90tag gets orientation 8
         // below (displayed upright), -rot90 has no tag (displayed turned).
         << "vips rot " << Quote(o + ".jpg") << " "
         << Quote(o + "-rot90.jpg[Q=90,strip]") << " d90\n"
         << "cp " << Quote(o + "-rot90.jpg") << " "
         << Quote(o + "-rot90tag.jpg") << "\n";
      scripts.push_back(sh.str());
      tagged.push_back(o + "-rot90tag.jpg");
      for (const char* v : kVariants) origin_[o + v + ".jpg"] = s.name;
    }
    const std::string scenes = lib_ + "/scenes";
    fs::create_directories(scenes);
    for (const Source& s : kSceneSources) {
      ASSERT_TRUE(fs::exists(s.path))
          << "missing " << s.path << " (plasma-workspace-wallpapers)";
      const std::string o = scenes + "/" + s.name;
      std::ostringstream sh;
      sh << "set -e\n"
         << "vips thumbnail " << Quote(s.path) << " " << Quote(o + ".v") << " "
         << kLongestEdge << " --size down\n"
         << Size(o + ".v") << "C=$((W * 55 / 100))\n"
         << "vips extract_area " << Quote(o + ".v") << " "
         << Quote(o + "-left.jpg[Q=90,strip]") << " 0 0 $C $H\n"
         << "vips extract_area " << Quote(o + ".v") << " "
         << Quote(o + "-right.jpg[Q=90,strip]") << " $((W - C)) 0 $C $H\n"
         << "rm " << Quote(o + ".v") << "\n";
      scripts.push_back(sh.str());
      for (const char* side : {"-left", "-right"}) {
        origin_[o + side + ".jpg"] = std::string(s.name) + side;
      }
    }
    std::string list;
    for (size_t i = 0; i < scripts.size(); ++i) {
      const std::string path = scratch_ / ("gen" + std::to_string(i) + ".sh");
      std::ofstream(path) << scripts[i];
      list += path + "\n";
    }
    std::ofstream(scratch_ / "scripts.txt") << list;
    auto [rc, out] =
        Shell("xargs -P 2 -n 1 sh < " + Quote(scratch_ / "scripts.txt"));
    ASSERT_EQ(rc, 0) << out;

    std::string cmd = "exiftool -q -n -Orientation=8 -overwrite_original";
    for (const std::string& t : tagged) cmd += " " + Quote(t);
    auto [erc, eout] = Shell(cmd);
    ASSERT_EQ(erc, 0) << eout;
    // Orientation 8 displays the turned pixels upright: libvips' autorot
    // gives back the original, within JPEG noise.
    const std::string o = lib_ + "/kite/kite";
    auto [vrc, vout] = Shell("set -e; cd " + Quote(scratch_.path()) +
                             "; vips autorot " + Quote(o + "-rot90tag.jpg") +
                             " up.v; vips subtract up.v " + Quote(o + ".jpg") +
                             " d.v; vips abs d.v a.v; vips avg a.v; "
                             "rm up.v d.v a.v");
    ASSERT_EQ(vrc, 0) << vout;
    EXPECT_LT(std::stod(vout), 3.0) << "mean |autorot(rot90tag) - original|";
    auto [trc, tout] =
        Shell("exiftool -T -n -Orientation " + Quote(o + "-rot90tag.jpg") +
              " " + Quote(o + "-rot90.jpg"));
    EXPECT_EQ(tout, "8\n-\n") << "rot90tag has 8, rot90 no tag";
  }

  // Groups of `similar --json ARGS` for each ARGS, run a few at a time.
  std::vector<std::vector<json>> SimilarMany(
      const std::vector<std::vector<std::string>>& runs) {
    constexpr size_t kAtOnce = 4;
    std::vector<std::vector<json>> results(runs.size());
    for (size_t first = 0; first < runs.size(); first += kAtOnce) {
      const size_t last = std::min(runs.size(), first + kAtOnce);
      std::vector<pid_t> pids;
      for (size_t i = first; i < last; ++i) {
        std::vector<std::string> args = {"--catalog", catalog_, "similar",
                                         "--json"};
        args.insert(args.end(), runs[i].begin(), runs[i].end());
        pids.push_back(SpawnPhodex(args, OutPath(i), OutPath(i, "err")));
      }
      for (size_t i = first; i < last; ++i) {
        EXPECT_EQ(WaitExit(pids[i - first]), 0) << Slurp(OutPath(i, "err"));
        std::istringstream in(Slurp(OutPath(i)));
        for (std::string line; std::getline(in, line);) {
          results[i].push_back(json::parse(line));
        }
      }
    }
    return results;
  }
  std::string OutPath(size_t i, const char* what = "out") {
    return scratch_ / ("similar" + std::to_string(i) + "." + what);
  }

  size_t PositivePairs() const {
    std::map<std::string, size_t> per_origin;
    for (const auto& [path, origin] : origin_) ++per_origin[origin];
    size_t n = 0;
    for (const auto& [origin, k] : per_origin) n += k * (k - 1) / 2;
    return n;
  }

  Score Judge(const std::vector<json>& groups) {
    Score s;
    s.groups = groups;
    for (size_t g = 0; g < groups.size(); ++g) {
      const auto& paths = groups[g]["paths"];
      for (const auto& p : paths) s.group_of[p.get<std::string>()] = g;
      for (size_t i = 0; i < paths.size(); ++i) {
        for (size_t j = i + 1; j < paths.size(); ++j) {
          const std::string a = paths[i].get<std::string>();
          const std::string b = paths[j].get<std::string>();
          EXPECT_TRUE(origin_.contains(a)) << a;
          EXPECT_TRUE(origin_.contains(b)) << b;
          ++s.predicted;
          if (origin_[a] == origin_[b]) {
            ++s.true_positive;
          } else {
            s.false_positives.emplace_back(a, b);
          }
        }
      }
    }
    s.precision = s.predicted == 0 ? 1.0
                                   : static_cast<double>(s.true_positive) /
                                         static_cast<double>(s.predicted);
    s.recall = static_cast<double>(s.true_positive) /
               static_cast<double>(PositivePairs());
    return s;
  }

  // The distance `similar` sees between each two files: the least over
  // rotations, 99 when it is over 32. It lies between the threshold from
  // which the curve groups the two (ties through other files make that
  // lower, never higher) and the distance of the displayed hashes (`ls
  // --json`; the rotations make it lower, never higher). Where those
  // agree that is it; elsewhere `similar --threshold 32 A B` measures it:
  // the max_distance of their group of two. (Mostly the untagged turned
  // copies: one run each instead of one per pair.)
  std::vector<int> Distances(
      const std::vector<std::pair<std::string, std::string>>& pairs,
      const std::map<int, Score>& curve) {
    std::vector<int> out(pairs.size(), -1);
    std::vector<std::vector<std::string>> runs;
    std::vector<size_t> measured;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const auto& [a, b] = pairs[i];
      int joined = -1;
      for (const auto& [t, score] : curve) {
        if (score.group_of.contains(a) && score.group_of.contains(b) &&
            score.group_of.at(a) == score.group_of.at(b)) {
          joined = t;
          break;
        }
      }
      const int displayed = __builtin_popcountll(phash_.at(a) ^ phash_.at(b));
      if (joined == displayed) {
        out[i] = displayed;
      } else {
        runs.push_back({"--threshold", "32", a, b});
        measured.push_back(i);
      }
    }
    const auto outputs = SimilarMany(runs);
    for (size_t k = 0; k < measured.size(); ++k) {
      out[measured[k]] =
          outputs[k].empty() ? 99 : outputs[k][0]["max_distance"].get<int>();
    }
    std::printf(
        "distances: %zu from the curve and the displayed hashes, %zu "
        "measured\n",
        pairs.size() - measured.size(), measured.size());
    return out;
  }

  std::string Rel(const std::string& path) const {
    return path.substr(lib_.size() + 1);
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = fs::canonical(dir_.path()).string() + "/lib";
  std::string catalog_ = dir_ / "data/catalog.db";
  std::map<std::string, std::string> origin_;  // file -> its original
  std::map<std::string, uint64_t> phash_;      // file -> displayed hash
};

TEST_F(SimilarE2eTest, DefaultThresholdMeetsPrecisionAndRecall) {
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  ASSERT_NO_FATAL_FAILURE(Generate());
  std::printf(
      "generated %zu files from %zu originals and %zu scenes "
      "(%.1f s)\n",
      origin_.size(), std::size(kOriginals), std::size(kSceneSources),
      seconds());

  RunResult scan = Run({"scan", lib_, "--thumbs", "--progress", "none"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  {
    RunResult ls = Run({"ls", "--json"});
    ASSERT_EQ(ls.exit_code, 0) << ls.err;
    std::istringstream in(ls.out);
    size_t hashed = 0;
    for (std::string line; std::getline(in, line);) {
      const json j = json::parse(line);
      EXPECT_TRUE(j["phash"].is_string()) << line;
      if (!j["phash"].is_string()) continue;
      ++hashed;
      phash_[j["path"].get<std::string>()] =
          std::stoull(j["phash"].get<std::string>(), nullptr, 16);
    }
    ASSERT_EQ(hashed, origin_.size()) << scan.out;
  }
  std::printf("scanned (%.1f s)\n", seconds());

  const size_t positives = PositivePairs();
  std::printf("positive pairs: %zu\n", positives);
  std::printf(
      "threshold  precision  recall  predicted_pairs  true_positives\n");
  std::vector<std::vector<std::string>> runs;
  for (int t = 0; t <= kMaxThreshold; ++t) {
    runs.push_back({"--threshold", std::to_string(t)});
  }
  // The default: the config's threshold, no --threshold.
  runs.push_back({});
  const auto outputs = SimilarMany(runs);
  std::map<int, Score> curve;
  for (int t = 0; t <= kMaxThreshold; ++t) {
    curve[t] = Judge(outputs[t]);
    const Score& s = curve[t];
    std::printf("%9d  %9.4f  %6.4f  %15zu  %14zu\n", t, s.precision, s.recall,
                s.predicted, s.true_positive);
  }
  int first_false_positive = -1;
  for (const auto& [t, s] : curve) {
    if (!s.false_positives.empty()) {
      first_false_positive = t;
      break;
    }
  }
  // A group joins two originals only through an edge between files of
  // the two, so this is the distance of the nearest negative pair.
  if (first_false_positive >= 0) {
    std::set<std::pair<std::string, std::string>> originals;
    for (const auto& [a, b] : curve[first_false_positive].false_positives) {
      originals.emplace(std::min(origin_[a], origin_[b]),
                        std::max(origin_[a], origin_[b]));
    }
    std::printf("nearest negative pairs: distance %d, between files of",
                first_false_positive);
    for (const auto& [a, b] : originals) {
      std::printf(" %s~%s", a.c_str(), b.c_str());
    }
    std::printf("\n");
  } else {
    std::printf("nearest negative pairs: distance > %d\n", kMaxThreshold);
  }

  // Each variant's distance to its original, by kind, and the distance
  // between the photos of similar scenes.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const Source& s : kOriginals) {
    const std::string o = lib_ + "/" + s.name + "/" + s.name;
    for (const char* v : kVariants) {
      if (*v != '\0') pairs.emplace_back(o + ".jpg", o + v + ".jpg");
    }
  }
  auto file = [&](const std::string& name) {
    return name.find('-') == std::string::npos
               ? lib_ + "/" + name + "/" + name + ".jpg"
               : lib_ + "/scenes/" + name + ".jpg";
  };
  for (const auto& [a, b] : kSimilarScenes)
    pairs.emplace_back(file(a), file(b));
  const std::vector<int> distances = Distances(pairs, curve);
  std::map<std::string, std::vector<int>> by_kind;
  size_t next = 0;
  for (const Source& s : kOriginals) {
    std::printf("%-13s", s.name);
    for (const char* v : kVariants) {
      if (*v == '\0') continue;
      const int d = distances[next++];
      by_kind[v + 1].push_back(d);
      std::printf(" %s=%d", v + 1, d);
    }
    std::printf("\n");
  }
  std::printf(
      "variant   min  median  max  (distance to the original; "
      "99: over 32)\n");
  for (auto& [kind, d] : by_kind) {
    std::sort(d.begin(), d.end());
    std::printf("%-9s %3d  %6d  %3d\n", kind.c_str(), d.front(),
                d[d.size() / 2], d.back());
  }
  std::printf("similar scenes (different photos; 99: over 32):");
  for (const auto& [a, b] : kSimilarScenes) {
    std::printf(" %s~%s=%d", a, b, distances[next++]);
  }
  std::printf("\n");

  // The default threshold: what the text output says it is (the config's,
  // 10), and its numbers are those of its row in the curve.
  const Score def = Judge(outputs.back());
  RunResult text = Run({"similar"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const size_t at = text.out.rfind("(threshold ");
  ASSERT_NE(at, std::string::npos) << text.out;
  const int default_threshold = std::stoi(text.out.substr(at + 11));
  std::printf(
      "default threshold %d: precision %.4f recall %.4f predicted "
      "%zu (%.1f s)\n",
      default_threshold, def.precision, def.recall, def.predicted, seconds());
  ASSERT_TRUE(curve.contains(default_threshold));
  const Score& row = curve[default_threshold];
  EXPECT_EQ(def.predicted, row.predicted);
  EXPECT_EQ(def.true_positive, row.true_positive);
  EXPECT_EQ(def.precision, row.precision);
  EXPECT_EQ(def.recall, row.recall);
  EXPECT_EQ(def.groups, row.groups);
  for (size_t i = 0; i < def.false_positives.size() && i < 50; ++i) {
    const auto& [a, b] = def.false_positives[i];
    std::printf("false positive at the default threshold: %s ~ %s\n",
                Rel(a).c_str(), Rel(b).c_str());
  }
  {
    // The positive pairs the default threshold misses.
    int shown = 0;
    std::vector<std::string> files;
    for (const auto& [path, origin] : origin_) files.push_back(path);
    for (size_t i = 0; i < files.size(); ++i) {
      for (size_t j = i + 1; j < files.size(); ++j) {
        const std::string& a = files[i];
        const std::string& b = files[j];
        if (origin_[a] != origin_[b]) continue;
        if (def.group_of.contains(a) && def.group_of.contains(b) &&
            def.group_of.at(a) == def.group_of.at(b)) {
          continue;
        }
        if (++shown <= 50) {
          std::printf("missed at the default threshold: %s ~ %s\n",
                      Rel(a).c_str(), Rel(b).c_str());
        }
      }
    }
  }
  EXPECT_GE(def.precision, 0.98);
  EXPECT_GE(def.recall, 0.95);
  std::printf("total %.1f s\n", seconds());
}

}  // namespace
}  // namespace phodex::testing
