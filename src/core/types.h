#pragma once
// The vocabulary shared by every module: ids, file facts, media kinds.
// Plain value types; thread-compatible.

#include <cstdint>
#include <string>

namespace phodex {

// Strongly typed row ids, so a FileId is never passed where a RootId goes.
template <typename Tag>
struct Id {
  int64_t value = 0;
  friend bool operator==(Id, Id) = default;
  friend auto operator<=>(Id, Id) = default;
};
using RootId = Id<struct RootTag>;
using FileId = Id<struct FileTag>;
using OperationId = Id<struct OperationTag>;

enum class FileType : uint8_t { kRegular, kDirectory, kSymlink, kOther };

// A file time: whole seconds since the Unix epoch (UTC) and nanoseconds
// into that second, as the kernel's timespec has it. Not int64
// nanoseconds: those end in 2262 (and begin in 1677), while file systems
// hold times far beyond (ext4 to 2446, XFS bigtime, btrfs and tmpfs to the
// end of time_t); a file dated 2446 came out as 1861 and sorted as the
// oldest copy. Any time_t fits, and comparing never overflows.
// Normalised: 0 <= nsec < 1e9 (a time before the epoch has a negative
// `sec`: 1969-12-31T23:59:59.25Z is {-1, 250000000}), so the defaulted
// ordering is chronological.
struct FileTime {
  int64_t sec = 0;
  int32_t nsec = 0;

  // Seconds and nanoseconds in any range (a timespec, an old catalog's
  // split value), normalised.
  // REQUIRES: the normalised seconds fit int64 (nsec within one second of
  // the range does: the kernel gives 0 <= nsec < 1e9).
  static constexpr FileTime FromParts(int64_t sec, int64_t nsec) {
    constexpr int64_t kNsPerSec = 1'000'000'000;
    int64_t carry = nsec / kNsPerSec;
    int64_t rest = nsec % kNsPerSec;
    if (rest < 0) {
      rest += kNsPerSec;
      --carry;
    }
    return FileTime{sec + carry, static_cast<int32_t>(rest)};
  }
  // From int64 nanoseconds since the epoch (clocks, tests).
  static constexpr FileTime FromNanos(int64_t ns) { return FromParts(0, ns); }

  friend bool operator==(const FileTime&, const FileTime&) = default;
  friend auto operator<=>(const FileTime&, const FileTime&) = default;
};

// The most threads a phodex thread pool runs (`scan --threads`, `verify
// --threads`, `[scan] threads`): options above are refused, and the pools
// clamp to it. oneTBB aborts the process when the kernel refuses a thread
// (`--threads 100000` died in pthread_create); 1024 threads reserve 8 GiB
// of address space for stacks, which any 64-bit machine gives.
inline constexpr int kMaxThreads = 1024;

// What one lstat/stat says about a path.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t size = 0;
  FileTime mtime;
  // When the inode last changed (data or attributes): with size, mtime and
  // inode what tells a file that is still being written from a settled
  // one (watch/settle_tracker.h). Not stored in the catalog.
  FileTime ctime;
  FileType type = FileType::kOther;
};

}  // namespace phodex
