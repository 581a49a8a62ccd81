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

// Whether files `a` and `b` have the same size and hold the same bytes in
// their first `limit` bytes (all of them by default). Streams both in
// kCompareBlockBytes blocks and stops at the first difference, or with
// kCancelled once the process is interrupted (os/process.h).
Result<bool> SameBytes(os::FileSystem& fs, const std::string& a,
                       const std::string& b, uint64_t limit = UINT64_MAX);

// Everything checked before acting on `victim`: keeper and victim unchanged
// since the scan, two distinct files, not one file seen through two mounts
// as far as stat tells (the same inode number and mtime on two devices:
// an overlay of one file system, NFS or SMB report the real inode), the
// same bytes, and both still unchanged after the read (nothing wrote to
// them meanwhile). "" when all hold, else the reason to skip `victim`.
std::string VerifyDuplicate(os::FileSystem& fs, const DuplicateFile& keeper,
                            const DuplicateFile& victim, int64_t size);

// The reason ProveSecondCopy gives when the keeper disappeared with the
// victim's name.
inline constexpr char kKeeperVanished[] =
    "the copy kept vanished when this copy was moved aside: the two paths "
    "are the same file (a bind mount, an overlay or a share of one folder?)";

// The proof that `keeper` is a second copy and not the victim itself seen
// through another mount (a "path double"), made while the victim's name
// is gone (renamed to `aside`): the keeper must still be listed in a fresh
// listing of its folder (os::FileSystem::IsListed: the kernel's name cache
// may still resolve a path double), still be the file compared (type,
// size, mtime, device and inode), and open by its path with its first
// kCompareBlockBytes equal to those of `aside`. Byte equality alone proves
// nothing: a file is byte-identical to itself. "" when all hold, else the
// reason to put the victim back and skip it.
std::string ProveSecondCopy(os::FileSystem& fs, const DuplicateFile& keeper,
                            const std::string& aside, int64_t size);

}  // namespace phodex::dedup
