// Search latency (catalog/file_search.h) on a generated catalog
// (bench/make_search_catalog.py): for each query, the first page and the
// pages after it, as the API reads them (SearchFiles: rows with their
// pairs), timed one by one; prints median and p99 per query in ms, then
// the count's time. Read-only; never run by ctest.
//
//   search_bench CATALOG.db [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"

using namespace phodex;
using catalog::SearchFilter;

namespace {

struct Case {
  const char* name;
  SearchFilter filter;
};

std::vector<Case> Cases() {
  std::vector<Case> out;
  auto add = [&](const char* name, auto fill) {
    SearchFilter f;
    fill(f);
    out.push_back({name, std::move(f)});
  };
  add("all", [](SearchFilter&) {});
  add("make=Canon", [](SearchFilter& f) { f.make = "canon"; });
  add("make=Leica (1%)", [](SearchFilter& f) { f.make = "leica"; });
  add("model=ILCE-7M3", [](SearchFilter& f) { f.model = "ilce-7m3"; });
  add("rating>=4", [](SearchFilter& f) { f.rating_min = 4; });
  add("rating=5", [](SearchFilter& f) { f.rating_min = 5; });
  add("rejected", [](SearchFilter& f) { f.rating_max = -1; });
  add("a month", [](SearchFilter& f) {
    f.taken_from = "2019-06";
    f.taken_before = "2019-06~";
  });
  add("a day", [](SearchFilter& f) {
    f.taken_from = "2019-06-14";
    f.taken_before = "2019-06-14~";
  });
  add("a year+Canon+rating>=4", [](SearchFilter& f) {
    f.taken_from = "2016";
    f.taken_before = "2016~";
    f.make = "canon";
    f.rating_min = 4;
  });
  add("q=beach (common)", [](SearchFilter& f) { f.words = {"beach"}; });
  add("q=tag17 (rare)", [](SearchFilter& f) { f.words = {"tag17"}; });
  add("q=holiday beach", [](SearchFilter& f) { f.words = {"holiday", "beach"}; });
  add("q=img_00012 (prefix)", [](SearchFilter& f) { f.words = {"img_00012"}; });
  add("q=jpg (all)", [](SearchFilter& f) { f.words = {"jpg"}; });
  add("q=nothing", [](SearchFilter& f) { f.words = {"zzzqqq"}; });
  add("kind=raw", [](SearchFilter& f) { f.kind = MediaKind::kRaw; });
  add("pair", [](SearchFilter& f) { f.pair = true; });
  add("gps+label=Red", [](SearchFilter& f) {
    f.gps = true;
    f.label = "red";
  });
  add("folder 2019/06-14", [](SearchFilter& f) {
    f.root = RootId{1};
    f.folder = "2019/06-14";
  });
  add("iso>=6400 (per row)", [](SearchFilter& f) { f.iso_min = 6400; });
  return out;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: search_bench CATALOG.db [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  catalog::SqliteOptions opts;
  opts.create = catalog::SqliteOptions::Create::kNo;
  auto cat = catalog::OpenSqliteCatalog(argv[1], opts);
  if (!cat) {
    std::fprintf(stderr, "%s\n", cat.error().ToString().c_str());
    return 1;
  }
  std::printf("%-26s %8s %8s %8s %10s %9s\n", "query", "pages", "p50 ms",
              "p99 ms", "count", "count ms");
  for (const Case& c : Cases()) {
    std::vector<double> times;
    for (int r = 0; r < rounds; ++r) {
      catalog::SearchCursor at;
      for (int page = 0; page < 5; ++page) {  // the first pages, 100 each
        const auto t0 = std::chrono::steady_clock::now();
        auto p = (*cat)->SearchFiles(c.filter, at, 100);
        times.push_back(Ms(std::chrono::steady_clock::now() - t0));
        if (!p) {
          std::fprintf(stderr, "%s\n", p.error().ToString().c_str());
          return 1;
        }
        if (!p->next) break;
        at = *p->next;
      }
    }
    std::sort(times.begin(), times.end());
    const auto t0 = std::chrono::steady_clock::now();
    auto n = (*cat)->CountSearch(c.filter);
    const double count_ms = Ms(std::chrono::steady_clock::now() - t0);
    std::printf("%-26s %8zu %8.2f %8.2f %10lld %9.1f\n", c.name, times.size(),
                times[times.size() / 2],
                times[std::min(times.size() - 1, times.size() * 99 / 100)],
                static_cast<long long>(n ? *n : -1), count_ms);
    std::fflush(stdout);
  }
  return 0;
}
