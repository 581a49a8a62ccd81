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

// What one lstat/stat says about a path. Times in ns since the Unix epoch.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  FileType type = FileType::kOther;
};

}  // namespace phodex
