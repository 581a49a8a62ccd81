// The job queue's own overhead on SQLite: no-op jobs enqueued, then
// claimed, run and completed through jobs::JobSupervisor (batched claims,
// batched flushes, lease renewal and housekeeping as `phodex serve` runs
// them), and prints one line of JSON:
//   {"jobs":N,"workers":W,"claim_batch":B,"enqueue_s":..,
//    "enqueue_cpu_s":..,"enqueue_per_s":..,"run_s":..,"run_cpu_s":..,
//    "run_per_s":..,"claims":..,"flushes":..,"completed":..,"rss_mib":..}
// "run_s" is wall time from the supervisor's start to its Stop (every
// outcome recorded); the *_cpu_s are this process's CPU time (all its
// threads) over the same spans; rss_mib its peak RSS. Usage: queue_bench [jobs=100000] [workers=2] [claim_batch=64]
//                          [dir=a fresh temporary folder]
// The catalog is a new SQLite file in `dir`, removed at the end.

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "jobs/cancel_token.h"
#include "jobs/job_supervisor.h"
#include "os/clock.h"

namespace {

using namespace phodex;

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

// A no-op that stops the run once every job has been run.
class LastOneStops final : public jobs::JobHandler {
 public:
  LastOneStops(int64_t total, jobs::CancelSource& stop)
      : total_(total), stop_(stop) {}
  Status Run(const catalog::Job&, jobs::CancelToken) override {
    if (++ran_ == total_) stop_.Cancel();
    return {};
  }

 private:
  const int64_t total_;
  jobs::CancelSource& stop_;
  std::atomic<int64_t> ran_{0};
};

int Fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "queue_bench: %s: %s\n", what.c_str(),
               e.ToString().c_str());
  return 1;
}

int Bench(const std::filesystem::path& dir, int64_t total, int workers,
          int batch) {
  auto cat = catalog::OpenSqliteCatalog(dir / "catalog.db", {});
  if (!cat) return Fail("open", cat.error());
  os::Clock& clock = os::SystemClock();

  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  constexpr int64_t kEnqueueBatch = 1000;
  for (int64_t i = 0; i < total; i += kEnqueueBatch) {
    std::vector<catalog::JobSpec> specs(std::min(kEnqueueBatch, total - i));
    for (catalog::JobSpec& s : specs) s.kind = "noop";
    auto r = (*cat)->EnqueueJobs(specs, clock.NowUnixNs());
    if (!r) return Fail("enqueue", r.error());
  }
  const double enqueue_s = Since(t0);
  const double enqueue_cpu_s = CpuSeconds() - cpu0;

  jobs::CancelSource stop;
  LastOneStops handler(total, stop);
  jobs::SupervisorOptions options;
  options.owner = "bench:1";
  jobs::PoolOptions pool;
  pool.kind = "noop";
  pool.handler = &handler;
  pool.max_parallel = workers;
  pool.claim_batch = batch;
  cpu0 = CpuSeconds();
  t0 = std::chrono::steady_clock::now();
  auto sup = jobs::JobSupervisor::Create(**cat, clock, options, {pool});
  if (!sup) return Fail("start", sup.error());
  Status run = (*sup)->Run(stop.token());
  const double run_s = Since(t0);
  const double run_cpu_s = CpuSeconds() - cpu0;
  if (!run) return Fail("run", run.error());
  const jobs::SupervisorStats stats = (*sup)->stats();

  int64_t completed = 0;
  auto counts = (*cat)->CountJobs();
  if (!counts) return Fail("count", counts.error());
  for (const catalog::JobCount& c : *counts) {
    if (c.state == catalog::JobState::kCompleted) completed += c.count;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "{\"jobs\":%lld,\"workers\":%d,\"claim_batch\":%d,\"enqueue_s\":%.4f,"
      "\"enqueue_cpu_s\":%.4f,\"enqueue_per_s\":%.0f,\"run_s\":%.4f,"
      "\"run_cpu_s\":%.4f,\"run_per_s\":%.0f,\"claims\":%lld,"
      "\"flushes\":%lld,\"completed\":%lld,\"rss_mib\":%.1f}\n",
      static_cast<long long>(total), workers, batch, enqueue_s, enqueue_cpu_s,
      total / enqueue_s, run_s, run_cpu_s, total / run_s,
      static_cast<long long>(stats.claims),
      static_cast<long long>(stats.flushes),
      static_cast<long long>(completed), usage.ru_maxrss / 1024.0);
  return completed == total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t total = argc > 1 ? std::atoll(argv[1]) : 100000;
  const int workers = argc > 2 ? std::atoi(argv[2]) : 2;
  const int batch = argc > 3 ? std::atoi(argv[3]) : 64;
  if (total < 1 || workers < 1 || batch < 1) {
    std::fprintf(stderr,
                 "usage: queue_bench [jobs] [workers] [claim_batch] [dir]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  fs::path dir;
  if (argc > 4) {
    dir = argv[4];
  } else {
    std::string tmpl = (fs::temp_directory_path() / "queue-bench-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  const int rc = Bench(dir, total, workers, batch);
  std::error_code ec;
  for (const char* name : {"catalog.db", "catalog.db-wal", "catalog.db-shm"}) {
    fs::remove(dir / name, ec);
  }
  if (argc <= 4) fs::remove(dir, ec);
  return rc;
}
