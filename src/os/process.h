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
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// Installs SIGINT/SIGTERM handlers: the first signal sets the returned flag
// (the scan stops at the next folder and commits what it has); a second one
// exits at once with status 130. Idempotent.
const std::atomic<bool>& InstallInterruptHandler();
// True once a SIGINT/SIGTERM was received.
bool Interrupted();

int CurrentPid();
std::string HostName();
std::optional<std::string> GetEnv(const char* name);
bool IsTerminal(int fd);
// Columns of the terminal on `fd`, or 80.
int TerminalWidth(int fd);

}  // namespace phodex::os
