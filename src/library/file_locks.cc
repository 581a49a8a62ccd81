#include "library/file_locks.h"

#include <chrono>
#include <thread>

#include "os/process.h"

namespace phodex::library {
namespace {

class FileLockHandle final : public catalog::Lock {
 public:
  explicit FileLockHandle(std::unique_ptr<os::FileLock> lock)
      : lock_(std::move(lock)) {}

 private:
  std::unique_ptr<os::FileLock> lock_;
};

Result<std::unique_ptr<catalog::Lock>> Acquire(const std::string& path,
                                               catalog::Locks::Wait wait) {
  PHODEX_ASSIGN_OR_RETURN(
      auto lock, os::FileLock::Acquire(path, wait == catalog::Locks::Wait::kYes
                                                 ? os::FileLock::Wait::kYes
                                                 : os::FileLock::Wait::kNo));
  return std::make_unique<FileLockHandle>(std::move(lock));
}

}  // namespace

bool ServiceLockHeld(const DataFolder& data) {
  return os::FileLock::HeldElsewhere(data.ServeLockPath());
}

Result<std::unique_ptr<catalog::Lock>> FileLocks::LockService() {
  constexpr int kTries = 5;
  for (int attempt = 1;; ++attempt) {
    auto lock = Acquire(data_.ServeLockPath(), Wait::kNo);
    if (lock || lock.error().code() != ErrorCode::kBusy || attempt == kTries) {
      return lock;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::unique_ptr<catalog::Lock>> FileLocks::LockRoot(RootId root,
                                                           Wait wait) {
  return Acquire(data_.RootLockPath(root), wait);
}

Result<std::unique_ptr<catalog::Lock>> FileLocks::LockDupes(Wait wait) {
  return Acquire(data_.DupesLockPath(), wait);
}

}  // namespace phodex::library
