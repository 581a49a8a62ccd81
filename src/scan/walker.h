#pragma once
// The parallel directory walk: one pass over each tree, several folders in
// flight at once (oneTBB work stealing), each folder listed once with its
// entries stat'ed relative to the open folder. Applies the exclusion
// filter, never follows symlinks unless asked (and then is loop-safe), and
// stays on the root's file system unless asked otherwise.
//
// Walker is used by one Walk() at a time; the visitor it calls must be
// thread-safe.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/media_kind.h"
#include "core/types.h"
#include "os/file_system.h"
#include "scan/filter.h"
#include "scan/progress.h"

namespace phodex::scan {

// A file the catalog cares about (photo, raw, video, sidecar).
struct WalkEntry {
  std::string name;
  FileStat stat;
  MediaKind kind = MediaKind::kOther;
};

class WalkVisitor {
 public:
  virtual ~WalkVisitor() = default;
  // One folder's cataloged files. `rel_dir` is "" for the root. Called
  // concurrently from several threads, once per folder.
  virtual void OnDirectory(std::string_view rel_dir,
                           std::vector<WalkEntry>&& files) = 0;
  // `rel` could not be read (a folder that cannot be listed, an entry that
  // cannot be stat'ed). What the catalog knows at or below `rel` must be
  // kept, not marked removed. Called concurrently.
  virtual void OnError(std::string_view rel, const Error& error) = 0;
};

struct WalkOptions {
  os::Follow follow_symlinks = os::Follow::kNo;
  enum class FileSystems { kOne, kAll } file_systems = FileSystems::kOne;
  // Checked before each folder; once it returns true the walk winds down.
  std::function<bool()> should_stop;
  // Regular files named as an atomic write's temp (os::IsWriteTempName)
  // with an mtime before this are removed: strays of a phodex killed while
  // writing there. 0: none are.
  int64_t remove_write_temps_before_ns = 0;
};

class Walker {
 public:
  Walker(os::FileSystem& fs, const Filter& filter, WalkOptions options,
         ScanProgress& progress)
      : fs_(fs), filter_(filter), options_(options), progress_(progress) {}

  // Walks the folder `start_rel` ("" = the whole root) below `root_abs`
  // using the calling thread's oneTBB arena. Fails only when the start
  // folder itself cannot be read; everything below is reported through
  // the visitor and the walk goes on.
  Status Walk(const std::string& root_abs, const std::string& start_rel,
              WalkVisitor& visitor);

 private:
  // Removes `name` in `dir` when it is a stray temp (see WalkOptions).
  bool RemoveIfStrayTemp(const std::string& dir, const std::string& name,
                         const FileStat& st);

  os::FileSystem& fs_;
  const Filter& filter_;
  const WalkOptions options_;
  ScanProgress& progress_;
};

}  // namespace phodex::scan
