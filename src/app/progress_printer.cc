#include "app/progress_printer.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "os/clock.h"
#include "os/process.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

const char* PhaseName(int phase) {
  switch (phase) {
    case 0: return "loading";
    case 1: return "walking";
    case 2: return "finishing";
    default: return "done";
  }
}

std::string FormatClock(double seconds) {
  const int s = static_cast<int>(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, (s / 60) % 60,
                  s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

ProgressPrinter::ProgressPrinter(ProgressMode mode,
                                 const scan::ScanProgress& progress,
                                 std::string root_name)
    : mode_(mode), progress_(progress), root_name_(std::move(root_name)) {}

ProgressPrinter::~ProgressPrinter() { Stop(); }

void ProgressPrinter::Start() {
  start_ns_ = os::SystemClock().MonotonicNs();
  if (mode_ == ProgressMode::kNone) return;
  thread_ = std::thread([this] { Loop(); });
}

void ProgressPrinter::Stop() {
  if (!thread_.joinable()) return;
  {
    util::MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  thread_.join();
  PrintOnce(true);
}

void ProgressPrinter::Loop() {
  const auto period = mode_ == ProgressMode::kTty
                          ? std::chrono::milliseconds(200)
                          : std::chrono::milliseconds(1000);
  util::MutexLock lock(mu_);
  auto next = std::chrono::steady_clock::now() + period;
  while (!stop_) {
    if (cv_.WaitUntil(mu_, next) || stop_) continue;  // woken, or stopped
    lock.Unlock();
    PrintOnce(false);
    lock.Lock();
    next = std::chrono::steady_clock::now() + period;
  }
}

void ProgressPrinter::PrintOnce(bool final) {
  if (failed_.load()) return;
  const double elapsed =
      static_cast<double>(os::SystemClock().MonotonicNs() - start_ns_) / 1e9;
  const int64_t files = progress_.files.load();
  const int64_t expected = progress_.expected_files.load();
  const double rate = elapsed > 0 ? static_cast<double>(files) / elapsed : 0;
  // ETA only once the total is known (the catalog's count from last time)
  // and while we are below it.
  double eta = -1;
  if (expected > 0 && rate > 0 && files < expected) {
    eta = static_cast<double>(expected - files) / rate;
  }
  if (mode_ == ProgressMode::kJson) {
    nlohmann::json j = {
        {"type", final ? "scan_end" : "progress"},
        {"root", root_name_},
        {"phase", PhaseName(progress_.phase.load())},
        {"files", files},
        {"dirs", progress_.dirs.load()},
        {"bytes", progress_.bytes.load()},
        {"errors", progress_.errors.load()},
        {"added", progress_.added.load()},
        {"updated", progress_.updated.load()},
        {"removed", progress_.removed.load()},
        {"other_files", progress_.other_files.load()},
        {"elapsed_s", elapsed},
        {"files_per_s", rate},
        {"expected_files", expected >= 0 ? nlohmann::json(expected) : nullptr},
        {"eta_s", eta >= 0 ? nlohmann::json(eta) : nullptr},
    };
    if (std::fprintf(stderr, "%s\n", j.dump().c_str()) < 0 ||
        std::fflush(stderr) != 0) {
      failed_ = true;
    }
    return;
  }
  const std::string name = util::EscapeForTerminal(root_name_);
  std::string line = "[" + name + "] " + util::GroupThousands(files) +
                     " files  " + util::GroupThousands(progress_.dirs.load()) +
                     " folders  " + util::HumanBytes(progress_.bytes.load()) +
                     "  " + util::GroupThousands(static_cast<uint64_t>(rate)) +
                     " files/s  " +
                     util::GroupThousands(progress_.errors.load()) +
                     " errors  " + FormatClock(elapsed);
  if (eta >= 0) line += "  ETA " + FormatClock(eta);
  const size_t width = static_cast<size_t>(os::TerminalWidth(2));
  if (line.size() >= width) line.resize(width - 1);
  if (std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "") <
          0 ||
      std::fflush(stderr) != 0) {
    failed_ = true;
  }
}

}  // namespace phodex::app
