#pragma once
// Shows a running scan's progress on stderr: a live line on a terminal, or
// one JSON object per line (--progress=json, documented in docs/cli.md)
// for other programs. Runs its own thread between Start() and Stop().
// Once a write fails (the reader of a progress pipe went away: EPIPE, as
// SIGPIPE is ignored), it prints nothing more and the scan goes on.

#include <atomic>
#include <string>
#include <thread>

#include "scan/progress.h"
#include "util/mutex.h"

namespace phodex::app {

enum class ProgressMode { kNone, kTty, kJson };

class ProgressPrinter {
 public:
  ProgressPrinter(ProgressMode mode, const scan::ScanProgress& progress,
                  std::string root_name);
  ~ProgressPrinter();
  void Start();
  // Prints the final state and stops the thread.
  void Stop();

 private:
  void Loop() EXCLUDES(mu_);
  void PrintOnce(bool final);

  const ProgressMode mode_;
  const scan::ScanProgress& progress_;
  const std::string root_name_;
  int64_t start_ns_ = 0;
  util::Mutex mu_;
  util::CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::atomic<bool> failed_{false};  // a write failed: print no more
  std::thread thread_;
};

}  // namespace phodex::app
