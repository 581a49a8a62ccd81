#pragma once
// Process-level system facilities: locks between processes, signals,
// the environment, terminals. Thread-safe unless noted.

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"

namespace phodex::os {

// An exclusive advisory lock (flock) on a file, held until destruction or
// process death (so kill -9 never leaves a stale lock). The file holds the
// owner's pid for the message the next process prints.
class FileLock {
 public:
  enum class Wait { kNo, kYes };
  // Fails with kBusy (message names the holder's pid) when another process
  // holds the lock and `wait` is kNo.
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path,
                                                   Wait wait);
  // Whether a process holds the lock at `path` now (this one too, through
  // another FileLock). Never waits and never creates the file (false when
  // it is missing or cannot be opened): a probe for a reading command
  // (`phodex status` asks whether `serve` runs). It takes a shared lock
  // for an instant, so an Acquire with kNo that races it may fail with
  // kBusy: a caller that must not, retries.
  static bool HeldElsewhere(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// Signals that stop a one-shot command: SIGINT (Ctrl-C), SIGTERM and
// SIGHUP (the terminal went away). Every command ends with status 130 on
// any of them (docs/cli.md, "Exit statuses"), in one of two modes:
//   - immediate (ExitOnInterrupt, set up by main for every command): the
//     first signal ends the process at once with status 130, as a kill
//     would, but with that status. For commands that have nothing to
//     finish: queries, and anything that is safe to stop at any instant
//     (the catalog is transactional, locks die with the process);
//   - cooperative (InstallInterruptHandler, called by a command that has
//     begun an operation): the first signal sets the returned flag, which
//     the command's loops check; it stops, commits what it has, ends its
//     operation `interrupted` and returns 130. A second signal exits at
//     once with 130 (still safe: see docs/architecture.md, "Guarantees").
// In both modes an exit is held back while a DeferInterruptExit exists.
// The long-running `serve` takes the three signals on a thread instead
// (os/signals.h, RaiseInterrupt below) and reloads on SIGHUP.
void ExitOnInterrupt();
// Switches to the cooperative mode (installing the handlers if needed) and
// returns the flag. Idempotent.
const std::atomic<bool>& InstallInterruptHandler();
// True once SIGINT, SIGTERM or SIGHUP was received (or RaiseInterrupt).
bool Interrupted();
// What SIGINT or SIGTERM does in the current mode, for a process that
// takes its signals on a thread of its own (os/signals.h: `phodex serve`,
// cooperative): the first call sets the flag Interrupted() reads, which
// also stops the waits below os/ (a worker's answer, a file compare); a
// second ends the process with 130 (held back by DeferInterruptExit).
void RaiseInterrupt();

// While one exists (on any thread), a signal that would end the process
// (immediate mode, or a second one) waits until the last one is gone, then
// ends it with 130. For short steps that must not be cut in the middle: an
// atomic write between creating its temporary file and renaming or
// removing it, so an interrupt never leaves a stray temp. Thread-safe.
class DeferInterruptExit {
 public:
  DeferInterruptExit();
  ~DeferInterruptExit();
  DeferInterruptExit(const DeferInterruptExit&) = delete;
  DeferInterruptExit& operator=(const DeferInterruptExit&) = delete;
};

// Makes a write to a pipe whose reader is gone fail with EPIPE instead of
// killing the process with SIGPIPE (a closed progress pipe, `| head`), so
// that every command can finish what it began. Process-wide; idempotent.
void IgnoreBrokenPipe();

// Standard output, checked (docs/cli.md, "Exit statuses"). Opens
// /dev/null on whichever of descriptors 0, 1 and 2 is closed, so that no
// file phodex opens later (a log, a config) becomes its standard output,
// and replaces the C `stdout` stream (printf, puts) by one that writes to
// descriptor 1 and remembers the first error (a closed descriptor 1 fails
// every write with EBADF, as it would have). Line-buffered on a terminal,
// fully buffered otherwise. Call once, first thing, from one thread.
//
// After a failed write the output is dropped. In the immediate mode (see
// above: nothing to finish) the process ends at once through
// `on_error(errno)`, which must not return (app prints the reason and
// exits); once a command is cooperative it goes on and finishes its
// operation, and FinishStandardOutput tells what failed at the end.
void CheckStandardOutput(void (*on_error)(int err));
// Flushes stdout and returns the errno of its first failed write (EPIPE:
// the reader went away), or 0.
int FinishStandardOutput();

// Whether process `pid` on this host may still be the one that began an
// operation at `started_unix_ns`: it exists (any user's), is not a zombie,
// and did not start after that moment (a later process that reuses the
// pid does not count). False only when the answer is known: for operations
// stranded by kill -9, a crash or a power cut. pid 0: unknown, true.
bool ProcessMayBeRunning(int pid, int64_t started_unix_ns);

int CurrentPid();
std::string HostName();
// Gives back to the system the heap memory this process holds but no
// longer uses (glibc's malloc_trim): for a long-running process after a
// one-off peak (`serve` after a reconciliation of a big root), whose
// allocator would otherwise keep the peak for good. Thread-safe; takes
// milliseconds.
void ReleaseFreeMemory();
// This process's resident memory (VmRSS), in bytes; 0 when unknown.
int64_t ResidentBytes();
// The CPU time this process has used, user and system together, in
// seconds (getrusage); 0 when unknown.
double CpuSeconds();
// When this process started, in Unix ns (from /proc); 0 when unknown.
int64_t ProcessStartedUnixNs();
std::optional<std::string> GetEnv(const char* name);
bool IsTerminal(int fd);
// Columns of the terminal on `fd`, or 80.
int TerminalWidth(int fd);

}  // namespace phodex::os
