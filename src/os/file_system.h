#pragma once
// The only way phodex touches the file system (../shared/STYLE.md, rule 14).
// PosixFileSystem is the real one; tests use tests/fakes/fake_file_system.h
// to build worlds with permission errors, vanishing files and loops.
//
// Implementations must be thread-safe: the walker calls them from several
// threads at once.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace phodex::os {

enum class Follow { kNo, kYes };

// One entry of a directory listing with its lstat (or stat, when following
// symlinks) already taken, relative to the open directory, which is much
// cheaper than a stat by absolute path.
struct DirEntry {
  std::string name;
  // Set when the entry could be stat'ed; otherwise `error` says why (the file
  // vanished between readdir and stat, permission denied, ...).
  std::optional<FileStat> stat;
  std::optional<Error> error;
};

// A file opened for reading at arbitrary offsets. Thread-compatible.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `buf`; returns how many were
  // read (fewer only at the end of the file).
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // The size when the file was opened (fstat of the open descriptor).
  virtual int64_t size() const = 0;
};

enum class AccessPattern { kRandom, kSequential };

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Lists `dir` (not "." and ".."), each entry stat'ed. kYes follows
  // symlinks for the stat (a dangling link reports its error).
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& dir,
                                                Follow follow) = 0;

  virtual Result<FileStat> Stat(const std::string& path, Follow follow) = 0;

  // Opens `path` for reading. kSequential tells the kernel the whole file
  // will be read once (read-ahead on, no cache pollution hints).
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path, AccessPattern pattern) = 0;

  // Canonical absolute path (symlinks resolved); the path must exist.
  virtual Result<std::string> RealPath(const std::string& path) = 0;

  // mkdir -p.
  virtual Status MakeDirs(const std::string& path) = 0;

  // Writes `data` to `path` atomically: temp file in the same folder, fsync,
  // rename, fsync of the folder. A crash leaves the old file or the new one.
  virtual Status AtomicWrite(const std::string& path,
                             std::string_view data) = 0;
};

// The real file system. Stateless; thread-safe.
std::unique_ptr<FileSystem> NewPosixFileSystem();

// Joins two path pieces with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

// The folder part of a path ("/a/b/c.jpg" -> "/a/b", "c" -> ".").
std::string DirName(std::string_view path);

// The last component ("/a/b/c.jpg" -> "c.jpg").
std::string_view BaseName(std::string_view path);

}  // namespace phodex::os
