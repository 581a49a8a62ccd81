// The API's folder pages on a big catalog (library/folders.h): builds a
// catalog of `files` present files in about `folders` folders (year /
// month / event, realistic capture times; 10% RAW, 5% video, a sidecar per
// RAW) unless it exists, then measures, on one connection, and prints one
// line of JSON:
//   {"files":..,"folders":..,"generate_s":..,"version_us":..,
//    "build_ms":..,"build_cpu_ms":..,"page_median_ms":..,"page_p99_ms":..,
//    "page_p99_cpu_ms":..,"pages":..,"rebuild_after_write_ms":..,
//    "rebuild_cpu_ms":..,"roots_ms":..,"roots_cpu_ms":..,"rss_mib":..}
// (*_cpu_ms: this thread's CPU time, which a loaded machine does not
// inflate as it does the wall time.)
// build_ms: the first request (one pass over the root, the tree built);
// page_*: warm requests (ListFolders, limit 200) for random parents (the
// root, a year, a month, an event; every fourth a second page);
// rebuild_after_write_ms: the first request after one file was written;
// roots_ms: GET /api/v1/roots's library call (ListRootStates), first
// (the counts computed) and then warm (roots_warm_ms).
// Usage: folders_bench CATALOG [files=1000000] [folders=30000] [pages=4000]

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "library/file_locks.h"
#include "library/folders.h"
#include "library/library.h"
#include "library/root_states.h"
#include "os/clock.h"
#include "os/file_system.h"

namespace {

using namespace phodex;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// This thread's CPU time in ms: on a shared machine the wall time says
// more about the neighbours than about the code.
double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void Die(const Error& e) {
  std::fprintf(stderr, "folders_bench: %s\n", e.ToString().c_str());
  std::exit(1);
}

catalog::FileUpsert File(std::string rel, MediaKind kind, std::string taken) {
  catalog::FileUpsert u;
  u.rel = std::move(rel);
  u.stat.size = 3'000'000;
  u.stat.mtime = FileTime::FromNanos(1'600'000'000'000'000'000);
  u.stat.ino = 1;
  u.stat.dev = 1;
  u.kind = kind;
  u.content_version = 3;
  if (kind != MediaKind::kSidecar) {
    MediaMetadata m;
    m.taken = std::move(taken);
    u.metadata = m;
  }
  return u;
}

// The leaf folders: 25 years x 12 months x (folders / 300) events; files
// spread over them at random, some straight in a month.
std::vector<std::string> Generate(catalog::Catalog& cat, RootId root,
                                  int64_t files, int64_t folders) {
  std::mt19937_64 rng(42);
  const int64_t events = std::max<int64_t>(1, folders / 300);
  std::vector<std::string> parents = {""};
  for (int y = 2000; y < 2025; ++y) {
    parents.push_back(std::to_string(y));
    for (int m = 1; m <= 12; ++m) {
      char month[16];
      std::snprintf(month, sizeof month, "%d/%02d", y, m);
      parents.push_back(month);
    }
  }
  catalog::ScanBatch b;
  b.root = root;
  for (int64_t i = 0; i < files; ++i) {
    const int y = 2000 + static_cast<int>(rng() % 25);
    const int m = 1 + static_cast<int>(rng() % 12);
    const int64_t e = static_cast<int64_t>(rng() % events);
    char folder[64];
    if (rng() % 20 == 0) {
      std::snprintf(folder, sizeof folder, "%d/%02d", y, m);
    } else {
      std::snprintf(folder, sizeof folder, "%d/%02d/event %04lld", y, m,
                    static_cast<long long>(e));
    }
    char taken[32];
    std::snprintf(taken, sizeof taken, "%d-%02d-%02dT%02d:%02d:%02d", y, m,
                  1 + static_cast<int>(rng() % 28),
                  static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                  static_cast<int>(rng() % 60));
    const std::string name = std::string(folder) + "/IMG_" + std::to_string(i);
    const uint64_t k = rng() % 100;
    if (k < 10) {
      b.upserts.push_back(File(name + ".CR2", MediaKind::kRaw, taken));
      b.upserts.push_back(File(name + ".xmp", MediaKind::kSidecar, ""));
    } else if (k < 15) {
      b.upserts.push_back(File(name + ".MP4", MediaKind::kVideo, taken));
    } else {
      b.upserts.push_back(File(name + ".JPG", MediaKind::kPhoto, taken));
    }
    if (b.upserts.size() >= 5000 || i + 1 == files) {
      if (auto st = cat.ApplyBatch(b); !st) Die(st.error());
      b.upserts.clear();
    }
  }
  for (int y = 2000; y < 2025; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int64_t e = 0; e < events; e += events / 4 + 1) {
        char ev[64];
        std::snprintf(ev, sizeof ev, "%d/%02d/event %04lld", y, m,
                      static_cast<long long>(e));
        parents.push_back(ev);
      }
    }
  }
  return parents;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: folders_bench CATALOG [files] [folders] [pages]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int64_t files = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  const int64_t folders = argc > 3 ? std::atoll(argv[3]) : 30'000;
  const int pages = argc > 4 ? std::atoi(argv[4]) : 4000;
  auto opened = catalog::OpenSqliteCatalog(path, {});
  if (!opened) Die(opened.error());
  std::unique_ptr<catalog::Catalog> cat = std::move(*opened);
  auto roots = cat->ListRoots();
  if (!roots) Die(roots.error());
  double generate_s = 0;
  RootId root;
  const auto t_gen = Clock::now();
  if (roots->empty()) {
    auto r = cat->AddRoot("/bench/lib", "lib", 1);
    if (!r) Die(r.error());
    root = r->id;
  } else {
    root = roots->front().id;
  }
  std::vector<std::string> parents;
  if (roots->empty()) {
    parents = Generate(*cat, root, files, folders);
    generate_s = Ms(t_gen) / 1000;
  } else {
    parents = Generate(*cat, root, 0, folders);  // the names only
  }

  std::unique_ptr<os::FileSystem> fs = os::NewPosixFileSystem();
  library::Parts parts;
  parts.catalog = cat.get();
  parts.fs = fs.get();
  parts.clock = &os::SystemClock();
  parts.data = library::DataFolderBeside(path);
  library::FileLocks locks(parts.data);
  parts.locks = &locks;
  library::Library lib(std::move(parts));
  library::FolderCache cache;

  auto t = Clock::now();
  for (int i = 0; i < 1000; ++i) (void)cat->ContentVersion();  // timing only
  const double version_us = Ms(t);  // ms per 1000 = us per call

  library::ListFoldersRequest req;
  req.root = root.value;
  t = Clock::now();
  double cpu = CpuMs();
  auto first = library::ListFolders(lib, cache, req);
  if (!first) Die(first.error());
  const double build_ms = Ms(t);
  const double build_cpu_ms = CpuMs() - cpu;
  auto tree = cache.Tree(*cat, root);
  const size_t tree_folders = tree ? (*tree)->size() : 0;

  std::mt19937_64 rng(7);
  std::vector<double> lat, lat_cpu;
  lat.reserve(pages);
  lat_cpu.reserve(pages);
  for (int i = 0; i < pages; ++i) {
    req.parent = parents[rng() % parents.size()];
    req.after.clear();
    t = Clock::now();
    cpu = CpuMs();
    auto page = library::ListFolders(lib, cache, req);
    if (page && i % 4 == 0 && page->next_after) {
      req.after = *page->next_after;
      page = library::ListFolders(lib, cache, req);
    }
    lat.push_back(Ms(t));
    lat_cpu.push_back(CpuMs() - cpu);
    if (!page) Die(page.error());
  }
  std::sort(lat.begin(), lat.end());
  std::sort(lat_cpu.begin(), lat_cpu.end());

  catalog::ScanBatch one;
  one.root = root;
  one.upserts.push_back(File("2024/01/new/IMG_new.JPG", MediaKind::kPhoto,
                             "2024-01-01T00:00:00"));
  if (auto st = cat->ApplyBatch(one); !st) Die(st.error());
  req.parent = "2024";
  req.after.clear();
  t = Clock::now();
  cpu = CpuMs();
  if (auto p = library::ListFolders(lib, cache, req); !p) Die(p.error());
  const double rebuild_ms = Ms(t);
  const double rebuild_cpu_ms = CpuMs() - cpu;

  t = Clock::now();
  cpu = CpuMs();
  if (auto r = library::ListRootStates(lib, cache, std::nullopt); !r) Die(r.error());
  const double roots_ms = Ms(t);
  const double roots_cpu_ms = CpuMs() - cpu;
  t = Clock::now();
  if (auto r = library::ListRootStates(lib, cache, std::nullopt); !r) {
    Die(r.error());
  }
  const double roots_warm_ms = Ms(t);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"files\":%lld,\"folders\":%zu,\"generate_s\":%.1f,"
      "\"version_us\":%.2f,\"build_ms\":%.1f,\"build_cpu_ms\":%.1f,"
      "\"page_median_ms\":%.3f,\"page_p99_ms\":%.3f,"
      "\"page_p99_cpu_ms\":%.3f,\"pages\":%d,"
      "\"rebuild_after_write_ms\":%.1f,\"rebuild_cpu_ms\":%.1f,"
      "\"roots_ms\":%.1f,\"roots_cpu_ms\":%.1f,\"roots_warm_ms\":%.3f,"
      "\"rss_mib\":%.0f}\n",
      static_cast<long long>(files), tree_folders, generate_s, version_us,
      build_ms, build_cpu_ms, lat[lat.size() / 2], lat[lat.size() * 99 / 100],
      lat_cpu[lat_cpu.size() * 99 / 100], pages, rebuild_ms, rebuild_cpu_ms,
      roots_ms, roots_cpu_ms, roots_warm_ms, ru.ru_maxrss / 1024.0);
  return 0;
}
