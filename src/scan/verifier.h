#pragma once
// `phodex verify`: a fixity check. Re-reads every cataloged file (or those
// under a path), hashes every byte and compares with the full hash the
// catalog holds. A file whose content changed while its size and mtime did
// not is damaged (bit rot, silent corruption, a tool that rewrote it and
// restored the mtime). Files without a full hash get one: the baseline for
// the next verify. Files whose stat changed since the last scan are left
// to the next scan, not called damaged.
//
// Thread-compatible; hashes on a oneTBB arena internally.

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "os/file_system.h"

namespace phodex::scan {

struct VerifyOptions {
  bool sha256 = false;  // compute (and check, where stored) SHA-256 too
  int threads = 0;      // 0: one per core; at most kMaxThreads
};

struct VerifyFinding {
  enum class Kind { kDamaged, kMissing, kChanged, kError } kind;
  std::string path;
  std::string detail;
};

struct VerifyReport {
  int64_t checked = 0;    // hashed and equal to the stored hash
  int64_t baselined = 0;  // had no full hash; now it has one
  int64_t damaged = 0;
  int64_t missing = 0;
  int64_t changed = 0;    // stat differs from the catalog: rescan
  int64_t errors = 0;
  int64_t bytes = 0;
  bool interrupted = false;
  std::vector<VerifyFinding> findings;  // every non-OK file

  // Adds the counts of `r` (another scope of the same run) to these and
  // takes its findings.
  VerifyReport& operator+=(VerifyReport&& r) {
    checked += r.checked;
    baselined += r.baselined;
    damaged += r.damaged;
    missing += r.missing;
    changed += r.changed;
    errors += r.errors;
    bytes += r.bytes;
    interrupted |= r.interrupted;
    for (VerifyFinding& f : r.findings) findings.push_back(std::move(f));
    return *this;
  }
};

Result<VerifyReport> Verify(catalog::Catalog& catalog, os::FileSystem& fs,
                            const catalog::FileQuery& query,
                            const VerifyOptions& options,
                            const std::atomic<bool>* cancel);

}  // namespace phodex::scan
