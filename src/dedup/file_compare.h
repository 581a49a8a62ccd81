#pragma once
// The checks `phodex dupes --apply` makes right before it acts on a copy:
// the catalog's facts may be old, so the keeper and the victim are stat'ed
// again and compared byte for byte. Anything unexpected is a reason to
// leave the file alone, never an error to push through.
//
// Stateless functions; thread-safe when the FileSystem is.

#include <cstdint>
#include <string>

#include "core/error.h"
#include "dedup/exact_duplicates.h"
#include "os/file_system.h"

namespace phodex::dedup {

// Bytes read per block by SameBytes (two blocks in memory at once).
inline constexpr size_t kCompareBlockBytes = 1 << 20;

// "" when `f.path` is a regular file whose size is `size` and whose mtime,
// device and inode are those the catalog holds; otherwise why not ("gone",
// "changed since the scan (mtime)", ...).
std::string CheckUnchanged(os::FileSystem& fs, const DuplicateFile& f,
                           int64_t size);

// Whether files `a` and `b` hold the same bytes. Streams both in
// kCompareBlockBytes blocks and stops at the first difference, or with
// kCancelled once the process is interrupted (os/process.h).
Result<bool> SameBytes(os::FileSystem& fs, const std::string& a,
                       const std::string& b);

// Everything checked before acting on `victim`: keeper and victim unchanged
// since the scan, two distinct files, the same bytes, and both still
// unchanged after the read (nothing wrote to them meanwhile). "" when all
// hold, else the reason to skip `victim`.
std::string VerifyDuplicate(os::FileSystem& fs, const DuplicateFile& keeper,
                            const DuplicateFile& victim, int64_t size);

}  // namespace phodex::dedup
