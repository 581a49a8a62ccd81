#pragma once
// Exact duplicates: groups of files with identical content, within and
// across roots. Found by size (the catalog), then the quick hash (first and
// last 64 KiB; from the scan, or read now where missing), then the full
// hash (read only for files still in a group, and stored for next time).
// Hard links to one inode are one file: they waste no space and are never
// offered as duplicates to remove. Empty files are not duplicates.
//
// Thread-compatible; hashes in parallel internally.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/content_hash.h"
#include "core/error.h"

namespace phodex::dedup {

// How to hash a file (media/ provides them; injected so that dedup does
// not depend on media, and tests can count reads).
struct Hashers {
  std::function<Result<ContentHash>(const std::string& abs_path)> quick;
  std::function<Result<ContentHash>(const std::string& abs_path)> full;
};

struct DuplicateFile {
  FileId id;
  std::string path;       // absolute
  std::string root_path;  // the root holding it
  std::string rel;        // path relative to the root
  uint64_t dev = 0;
  uint64_t ino = 0;
  FileTime mtime;
};

struct DuplicateGroup {
  int64_t size = 0;
  ContentHash hash;
  std::vector<DuplicateFile> files;  // sorted by path
  int64_t distinct_inodes = 0;
  int64_t wasted = 0;  // size x (distinct inodes - 1)
};

struct DuplicateOptions {
  // Only files whose absolute path is one of these or below one (empty:
  // the whole catalog).
  std::vector<std::string> scopes;
  int threads = 0;  // 0: one per core; at most kMaxThreads
};

struct DuplicateReport {
  std::vector<DuplicateGroup> groups;  // largest waste first
  int64_t wasted = 0;
  int64_t files_read = 0;  // files hashed now (quick or full)
  std::vector<std::string> errors;  // files that could not be read
};

// The sets of paths in `group` that are one file (hard links of each
// other), each sorted; sets of one path are left out.
std::vector<std::vector<std::string>> HardLinkSets(const DuplicateGroup& group);

Result<DuplicateReport> FindExactDuplicates(catalog::Catalog& catalog,
                                            const Hashers& hashers,
                                            const DuplicateOptions& options);

}  // namespace phodex::dedup
