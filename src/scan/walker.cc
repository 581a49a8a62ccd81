#include "scan/walker.h"

#include <tbb/parallel_for_each.h>

#include <optional>
#include <unordered_set>

#include "util/metrics.h"
#include "util/mutex.h"

namespace phodex::scan {
namespace {

struct DirTask {
  std::string rel;
  std::string abs;
  bool is_start = false;
};


struct DevIno {
  uint64_t dev, ino;
  bool operator==(const DevIno&) const = default;
};
struct DevInoHash {
  size_t operator()(const DevIno& d) const {
    return std::hash<uint64_t>()(d.ino * 0x9E3779B97F4A7C15ULL ^ d.dev);
  }
};

// Folders already entered, by identity, so a symlink or bind-mount loop is
// entered once. Thread-safe.
class VisitedDirs {
 public:
  // True the first time a folder is seen.
  bool Insert(const FileStat& st) EXCLUDES(mu_) {
    util::MutexLock lock(mu_);
    return set_.insert({st.dev, st.ino}).second;
  }

 private:
  util::Mutex mu_;
  std::unordered_set<DevIno, DevInoHash> set_ GUARDED_BY(mu_);
};

}  // namespace

bool Walker::RemoveIfStrayTemp(const std::string& dir, const std::string& name,
                               const FileStat& st) {
  if (options_.remove_write_temps_before_ns == 0 ||
      !os::IsWriteTempName(name) ||
      st.mtime >= FileTime::FromNanos(options_.remove_write_temps_before_ns)) {
    return false;
  }
  const std::string abs = os::JoinPath(dir, name);
  if (options_.follow_symlinks == os::Follow::kYes) {
    // `st` is what a link points to: never remove through a link.
    auto own = fs_.Stat(abs, os::Follow::kNo);
    if (!own || own->type != FileType::kRegular) return false;
  }
  return fs_.RemoveFile(abs).has_value();
}

Status Walker::Walk(const std::string& root_abs, const std::string& start_rel,
                    WalkVisitor& visitor) {
  const std::string start_abs = os::JoinPath(root_abs, start_rel);
  PHODEX_ASSIGN_OR_RETURN(FileStat root_stat,
                          fs_.Stat(start_abs, os::Follow::kYes));
  if (root_stat.type != FileType::kDirectory) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "scan",
                     start_abs);
  }
  // Set when the start folder cannot be listed: that stops the scan.
  std::optional<Error> start_error;

  VisitedDirs visited;
  visited.Insert(root_stat);
  const uint64_t root_dev = root_stat.dev;

  auto body = [&](const DirTask& task,
                  tbb::feeder<DirTask>& feeder) {
    if (options_.should_stop && options_.should_stop()) return;
    auto listing = fs_.ListDir(task.abs, options_.follow_symlinks);
    progress_.dirs.fetch_add(1, std::memory_order_relaxed);
    if (!listing && task.is_start) {
      start_error = listing.error();
      return;
    }
    if (!listing) {
      progress_.errors.fetch_add(1, std::memory_order_relaxed);
      visitor.OnError(task.rel, listing.error());
      return;
    }
    std::vector<WalkEntry> files;
    int64_t other = 0, excluded = 0, links = 0, bytes = 0;
    for (os::DirEntry& e : *listing) {
      const std::string rel = os::JoinPath(task.rel, e.name);
      if (!e.stat) {
        // Dangling symlink while following: not a file we lost.
        if (options_.follow_symlinks == os::Follow::kYes &&
            e.error->code() == ErrorCode::kNotFound) {
          ++links;
          continue;
        }
        progress_.errors.fetch_add(1, std::memory_order_relaxed);
        visitor.OnError(rel, *e.error);
        continue;
      }
      const FileStat& st = *e.stat;
      switch (st.type) {
        case FileType::kDirectory: {
          const std::string abs = os::JoinPath(task.abs, e.name);
          if (filter_.ExcludesDir(e.name, rel, abs)) {
            ++excluded;
            break;
          }
          if (options_.file_systems == WalkOptions::FileSystems::kOne &&
              st.dev != root_dev) {
            progress_.skipped_mounts.fetch_add(1, std::memory_order_relaxed);
            break;
          }
          if (!visited.Insert(st)) break;  // loop or second path to it
          feeder.add(DirTask{rel, abs});
          break;
        }
        case FileType::kRegular: {
          if (RemoveIfStrayTemp(task.abs, e.name, st)) break;
          if (filter_.ExcludesFile(e.name, rel) ||
              filter_.ExcludesFileIn(task.abs, e.name)) {
            ++excluded;
            break;
          }
          const MediaKind kind = KindFromName(e.name);
          if (kind == MediaKind::kOther) {
            ++other;
            break;
          }
          bytes += st.size;
          files.push_back(WalkEntry{std::move(e.name), st, kind});
          break;
        }
        case FileType::kSymlink: ++links; break;
        case FileType::kOther: ++other; break;
      }
    }
    progress_.other_files.fetch_add(other, std::memory_order_relaxed);
    progress_.excluded.fetch_add(excluded, std::memory_order_relaxed);
    progress_.skipped_links.fetch_add(links, std::memory_order_relaxed);
    progress_.bytes.fetch_add(bytes, std::memory_order_relaxed);
    progress_.files.fetch_add(static_cast<int64_t>(files.size()),
                              std::memory_order_relaxed);
    visitor.OnDirectory(task.rel, std::move(files));
  };

  std::vector<DirTask> start = {DirTask{start_rel, start_abs, true}};
  tbb::parallel_for_each(start.begin(), start.end(), body);
  if (start_error) return std::unexpected(*start_error);
  return {};
}

}  // namespace phodex::scan
