#pragma once
// A scanned file's upsert with a fixed stat (size `size`, mtime 5 ns,
// inode 9, device 1), for the catalog tests.

#include <string>
#include <utility>

#include "catalog/types.h"

namespace phodex::catalog {

inline FileUpsert Upsert(std::string rel, int64_t size = 1,
                         MediaKind kind = MediaKind::kPhoto) {
  FileUpsert u;
  u.rel = std::move(rel);
  u.stat.size = size;
  u.stat.mtime = FileTime::FromNanos(5);
  u.stat.ino = 9;
  u.stat.dev = 1;
  u.kind = kind;
  return u;
}

}  // namespace phodex::catalog
