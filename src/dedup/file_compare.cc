#include "dedup/file_compare.h"

#include <cstring>
#include <vector>

#include "os/process.h"
#include "util/metrics.h"

namespace phodex::dedup {

std::string CheckUnchanged(os::FileSystem& fs, const DuplicateFile& f,
                           int64_t size) {
  auto st = fs.Stat(f.path, os::Follow::kNo);
  if (!st) {
    return st.error().code() == ErrorCode::kNotFound
               ? "gone since the scan"
               : "cannot stat: " + st.error().message();
  }
  if (st->type != FileType::kRegular) return "no longer a regular file";
  if (st->size != size) return "changed since the scan (size)";
  if (st->mtime != f.mtime) return "changed since the scan (mtime)";
  if (st->dev != f.dev || st->ino != f.ino) {
    return "replaced since the scan (inode)";
  }
  return "";
}

Result<bool> SameBytes(os::FileSystem& fs, const std::string& a,
                       const std::string& b, uint64_t limit) {
  PHODEX_METRIC_RECORD("dedup.compare");
  PHODEX_ASSIGN_OR_RETURN(auto fa,
                          fs.OpenForRead(a, os::AccessPattern::kSequential));
  PHODEX_ASSIGN_OR_RETURN(auto fb,
                          fs.OpenForRead(b, os::AccessPattern::kSequential));
  if (fa->size() != fb->size()) return false;
  std::vector<char> ba(kCompareBlockBytes);
  std::vector<char> bb(kCompareBlockBytes);
  uint64_t offset = 0;
  for (;;) {
    // Two videos of many gigabytes must not hold up Ctrl-C: the copy is
    // then skipped ("interrupted") and the run stops before the next one.
    if (os::Interrupted()) {
      return MakeError(ErrorCode::kCancelled, "interrupted", "compare", b);
    }
    PHODEX_ASSIGN_OR_RETURN(size_t na,
                            fa->ReadAt(offset, ba.data(), ba.size()));
    PHODEX_ASSIGN_OR_RETURN(size_t nb,
                            fb->ReadAt(offset, bb.data(), bb.size()));
    if (na != nb) return false;  // one grew or shrank while read
    if (na == 0) return true;
    if (std::memcmp(ba.data(), bb.data(), na) != 0) return false;
    offset += na;
    if (offset >= limit) return true;
  }
}

std::string VerifyDuplicate(os::FileSystem& fs, const DuplicateFile& keeper,
                            const DuplicateFile& victim, int64_t size) {
  if (keeper.dev == victim.dev && keeper.ino == victim.ino) {
    return "is the keeper itself (a hard link)";
  }
  if (keeper.ino == victim.ino && keeper.mtime == victim.mtime) {
    return "the same file seen through two mounts (the same inode number "
           "and mtime on two devices: a bind mount, an overlay or a share of "
           "one folder?)";
  }
  if (std::string why = CheckUnchanged(fs, keeper, size); !why.empty()) {
    return "the copy kept is " + why + " (" + keeper.path + ")";
  }
  if (std::string why = CheckUnchanged(fs, victim, size); !why.empty()) {
    return why;
  }
  auto same = SameBytes(fs, keeper.path, victim.path);
  if (!same) return "cannot compare: " + same.error().ToString();
  if (!*same) return "content differs from the copy kept (" + keeper.path + ")";
  // A writer may have been at work while we read.
  if (!CheckUnchanged(fs, keeper, size).empty() ||
      !CheckUnchanged(fs, victim, size).empty()) {
    return "changed while being compared";
  }
  return "";
}

std::string ProveSecondCopy(os::FileSystem& fs, const DuplicateFile& keeper,
                            const std::string& aside, int64_t size) {
  auto listed = fs.IsListed(keeper.path);
  if (!listed) {
    return "cannot list the folder of the copy kept: " +
           listed.error().ToString();
  }
  if (!*listed) return kKeeperVanished;
  if (std::string why = CheckUnchanged(fs, keeper, size); !why.empty()) {
    if (why.starts_with("gone")) return kKeeperVanished;
    return "the copy kept changed when this copy was moved aside (" + why +
           "): the same file seen through two mounts?";
  }
  auto same = SameBytes(fs, keeper.path, aside, kCompareBlockBytes);
  if (!same && same.error().code() == ErrorCode::kNotFound) {
    return kKeeperVanished;
  }
  if (!same) {
    return "cannot read the copy kept again: " + same.error().ToString();
  }
  if (!*same) {
    return "the copy kept changed when this copy was moved aside (content): "
           "the same file seen through two mounts?";
  }
  return "";
}

}  // namespace phodex::dedup
