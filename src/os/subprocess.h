#pragma once
// Child processes talked to over pipes: how phodex isolates third-party
// parsers that may crash or hang on hostile files (media/extractor_pool.h).
// The parent writes requests to the child's stdin and reads replies from
// its stdout with a deadline; a child that dies or overruns costs one
// request, and the caller starts a new one.
//
// Subprocess is thread-compatible (one thread talks to one child at a time).
// The worker-side helpers act on the calling process.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "os/unique_fd.h"

namespace phodex::os {

struct SubprocessOptions {
  // argv[0] is the program (an absolute path; no PATH search).
  std::vector<std::string> argv;
  // Caps the child's address space (RLIMIT_AS), so a parser that tries to
  // allocate without bound fails with bad_alloc instead of taking the
  // machine down. 0: no limit (sanitizer builds reserve terabytes of
  // address space and cannot run under a cap).
  int64_t address_space_bytes = 0;
};

class Subprocess {
 public:
  // Starts the child with stdin and stdout connected to pipes; stderr is
  // inherited. Fails if the program cannot be started.
  static Result<std::unique_ptr<Subprocess>> Spawn(
      const SubprocessOptions& options);
  // Kills the child (SIGKILL) if it still runs, and reaps it.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Writes all of `data` to the child's stdin. Fails (kIo) if the child
  // has gone.
  Status Write(std::string_view data);
  // Reads exactly `n` bytes from the child's stdout. Fails with kTimedOut
  // when `deadline` passes first, with kCancelled within 100 ms of an
  // interrupt (os/process.h: the command is stopping; a parser that hangs
  // must not hold it up until the deadline), and with kIo ("ended") when
  // the child closes its stdout (usually: it died).
  Result<std::string> ReadExactly(size_t n,
                                  std::chrono::steady_clock::time_point deadline);
  // Kills the child and reaps it. Idempotent.
  void Kill();
  // Reaps the child (waiting for it to end) and says how it ended:
  // "exited with status 1", "killed by signal 11 (Segmentation fault)".
  std::string WaitForExit();
  int pid() const { return pid_; }

 private:
  Subprocess(int pid, UniqueFd in, UniqueFd out)
      : pid_(pid), in_(std::move(in)), out_(std::move(out)) {}
  int pid_;
  bool reaped_ = false;
  int wait_status_ = 0;
  UniqueFd in_;   // the child's stdin (we write)
  UniqueFd out_;  // the child's stdout (we read)
};

// The absolute path of the running program (for re-executing it as a
// worker).
Result<std::string> SelfExecutablePath();

// --- Worker side ------------------------------------------------------------
// For a process started as a Subprocess worker: it ends within a second of
// its parent (even on kill -9 of the parent, even while stuck in a
// parser) and ignores SIGINT, SIGTERM and SIGHUP (the terminal's Ctrl-C
// or hang-up reach the whole process group; the parent decides when
// workers stop).
void BecomeWorkerProcess();
// Reads exactly `n` bytes from stdin. Returns an empty optional-like
// kNotFound error on a clean end of input before the first byte.
Result<std::string> ReadStdinExactly(size_t n);
// Writes all of `data` to stdout (unbuffered).
Status WriteStdout(std::string_view data);

}  // namespace phodex::os
