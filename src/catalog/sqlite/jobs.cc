// JobQueue on SQLite (catalog/job_queue.h). SKELETON: every method says
// kUnsupported until the queue's implementation lands.

#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {
namespace {
std::unexpected<Error> NotYet() {
  return MakeError(ErrorCode::kUnsupported, "the job queue is not built yet");
}
}  // namespace

Result<EnqueueResult> SqliteCatalog::EnqueueJobs(
    const std::vector<JobSpec>&, int64_t) {
  return NotYet();
}
Result<std::vector<Job>> SqliteCatalog::ClaimJobs(const ClaimRequest&) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::RenewLeases(const std::vector<JobLease>&,
                                               int64_t) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::FinishJobs(const std::vector<JobOutcome>&,
                                              int64_t) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::ReleaseJobs(const std::vector<JobLease>&,
                                           int64_t) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::ReclaimExpiredLeases(int64_t, int64_t) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::AgeJobs(const AgeRequest&) {
  return NotYet();
}
Result<std::vector<JobCount>> SqliteCatalog::CountJobs() {
  return NotYet();
}
Result<std::vector<Job>> SqliteCatalog::ListJobs(const JobFilter&) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::RetryJobs(const JobFilter&, int64_t) {
  return NotYet();
}
Result<int64_t> SqliteCatalog::CancelJobs(const JobFilter&, int64_t) {
  return NotYet();
}
Status SqliteCatalog::SetKindPaused(std::string_view, Pause) {
  return NotYet();
}
Result<std::vector<std::string>> SqliteCatalog::PausedKinds() {
  return NotYet();
}
Result<int64_t> SqliteCatalog::PruneJobs(int64_t) { return NotYet(); }

}  // namespace phodex::catalog::sqlite
