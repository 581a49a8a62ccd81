#pragma once
// catalog::Locks as lock files in the data folder (flock, released by the
// kernel when the process dies): the locks of an embedded catalog, whose
// processes all run on one machine. Thread-safe.

#include <memory>

#include "catalog/locks.h"
#include "library/data_folder.h"

namespace phodex::library {

class FileLocks final : public catalog::Locks {
 public:
  explicit FileLocks(DataFolder data) : data_(std::move(data)) {}

  Result<std::unique_ptr<catalog::Lock>> LockRoot(RootId root,
                                                  Wait wait) override;
  Result<std::unique_ptr<catalog::Lock>> LockDupes(Wait wait) override;

 private:
  const DataFolder data_;
};

}  // namespace phodex::library
