#include "scan/stage_runner.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "os/file_system.h"
#include "scan/retry_policy.h"

namespace phodex::scan {

catalog::FileErrorEntry FirstErrors::Record(const Error& error,
                                            std::string abs) {
  catalog::FileErrorEntry e{std::move(abs), error.op(), error.message()};
  Add(e);
  return e;
}

void FirstErrors::Add(catalog::FileErrorEntry e) {
  util::MutexLock lock(mu_);
  if (first_.size() < kMax) first_.push_back(std::move(e));
}

std::vector<catalog::FileErrorEntry> FirstErrors::Get() const {
  util::MutexLock lock(mu_);
  return first_;
}

void StageRunner::Run(DirChanges& changes) {
  std::vector<FileChange>& files = changes.changes;
  std::vector<std::vector<catalog::FileErrorEntry>> errors(files.size());
  std::vector<char> dropped(files.size(), 0);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, files.size(), 4),
                    [&](const tbb::blocked_range<size_t>& range) {
                      for (size_t i = range.begin(); i != range.end(); ++i) {
                        // Interrupted: the rest of a big folder is left
                        // out (the next scan finds it again) rather than
                        // read, so Ctrl-C stops within a file per thread.
                        dropped[i] =
                            cancel_.cancelled() || RunOn(files[i], errors[i]);
                      }
                    });
  std::vector<FileChange> kept;
  kept.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    for (auto& e : errors[i]) changes.errors.push_back(std::move(e));
    if (!dropped[i]) kept.push_back(std::move(files[i]));
  }
  changes.changes = std::move(kept);
}

bool StageRunner::RunOn(FileChange& c,
                        std::vector<catalog::FileErrorEntry>& errors) {
  const std::string abs = os::JoinPath(root_abs_, c.upsert.rel);
  c.upsert.content_version = stages_.wants.content_version;
  c.upsert.error.reset();
  for (Stage* stage : stages_.stages) {
    auto st = stage->Process(abs, c.upsert);
    if (st) continue;
    // Cut short by an interrupt: nothing is known; the next scan reads it.
    if (st.error().code() == ErrorCode::kCancelled) return true;
    progress_.errors.fetch_add(1, std::memory_order_relaxed);
    Error err = st.error();
    if (err.code() == ErrorCode::kNotFound) {
      errors.push_back(errors_.Record(
          Error(err.code(), "vanished during the scan", err.op(), err.path()),
          abs));
      return true;
    }
    errors.push_back(errors_.Record(err, abs));
    c.upsert.error = std::string(stage->name()) + ": " + err.ToString();
    // A passing failure: the next scan tries again even if it is
    // unchanged (scan/retry_policy.h).
    if (!RecordAsDone(err)) c.upsert.content_version = 0;
  }
  return false;
}

}  // namespace phodex::scan
