#pragma once
// Settling: a new or changed file is processed only once it has stopped
// changing, so a half-copied photo is never indexed and a video written
// over minutes is processed once, complete (docs/serve.md, "Settle").
//
// A file is settled when its size, mtime, ctime and inode were the same
// at two looks at least `settle` apart. Where the file system's clock is
// this machine's (local disks: SettleOptions::Clocks::kLocal), a file
// whose ctime is already `settle` in the past is settled at the first
// look: nothing has written to it or changed its attributes since, and
// ctime cannot be set by a user. Network file systems take their times
// from the server's clock, so only the two looks count there.
//
// The service lists a folder, asks Check for each file the listing shows,
// applies the settled ones and defers the folder (ChangeAggregator::Defer)
// to the earliest `retry_at_ns` of the rest. Files no longer listed are
// forgotten by Sweep.
//
// Pure logic on wall time (ctime is wall time): tests step `now` by hand.
// Single-threaded.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/types.h"

namespace phodex::watch {

struct SettleOptions {
  std::chrono::nanoseconds settle = std::chrono::seconds(2);
  enum class Clocks { kLocal, kRemote };
  Clocks clocks = Clocks::kLocal;
};

struct SettleVerdict {
  bool settled = false;
  // When not settled: when to look again (Unix ns): when the stat seen
  // will have been unchanged for `settle` (counted from its first look, or
  // from its ctime if earlier on local clocks).
  int64_t retry_at_ns = 0;
};

class SettleTracker {
 public:
  explicit SettleTracker(SettleOptions options);

  // Whether `rel` of `root`, which a look at `now_ns` (Unix ns) found as
  // `stat`, is settled. A settled file is forgotten (a later change starts
  // over).
  SettleVerdict Check(RootId root, const std::string& rel,
                      const FileStat& stat, int64_t now_ns);
  // Check with the clock source of this file's root (a service that
  // watches local roots and polls network ones keeps one tracker).
  SettleVerdict Check(RootId root, const std::string& rel,
                      const FileStat& stat, int64_t now_ns,
                      SettleOptions::Clocks clocks);

  // Forgets what is tracked for `root` at or below folder `rel_dir` and
  // was last looked at before `before_ns` (files that went away).
  void Sweep(RootId root, const std::string& rel_dir, int64_t before_ns);
  void Forget(RootId root);

  // Files waiting to settle, for `phodex status`.
  size_t waiting() const;

 private:
  struct Look {
    FileStat stat;
    int64_t first_ns = 0;  // when this stat was first seen
    int64_t last_ns = 0;   // when last looked at
  };
  SettleOptions options_;
  std::map<std::pair<RootId, std::string>, Look> looks_;
};

}  // namespace phodex::watch
