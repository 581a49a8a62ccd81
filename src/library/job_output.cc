#include "library/job_output.h"

#include <string>

#include "util/time_format.h"

namespace phodex::library {
namespace {

nlohmann::json NullIfEmpty(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

}  // namespace

nlohmann::json JobToJson(const catalog::Job& job) {
  const bool running = job.state == catalog::JobState::kRunning;
  return nlohmann::json{
      {"id", job.id.value},
      {"kind", job.kind},
      {"priority", job.priority},
      {"state", catalog::JobStateName(job.state)},
      {"attempts", job.attempts},
      {"max_attempts", job.max_attempts},
      {"file", job.file ? nlohmann::json(job.file->value)
                        : nlohmann::json(nullptr)},
      {"version", job.version},
      {"run_at", util::Rfc3339Utc(job.run_at_ns)},
      {"created", util::Rfc3339Utc(job.created_ns)},
      {"updated", util::Rfc3339Utc(job.updated_ns)},
      {"error", NullIfEmpty(job.last_error)},
      {"owner", running ? NullIfEmpty(job.lease_owner)
                        : nlohmann::json(nullptr)},
      {"lease_expires", running ? nlohmann::json(util::Rfc3339Utc(
                                      job.lease_expires_ns))
                                : nlohmann::json(nullptr)},
  };
}

nlohmann::json KindsToJson(const std::vector<KindSummary>& summaries) {
  nlohmann::json kinds = nlohmann::json::array();
  for (const KindSummary& k : summaries) {
    nlohmann::json j = {{"kind", k.kind}, {"paused", k.paused}};
    for (size_t i = 0; i < k.counts.size(); ++i) {
      j[std::string(catalog::JobStateName(static_cast<catalog::JobState>(i)))] =
          k.counts[i];
    }
    kinds.push_back(std::move(j));
  }
  return kinds;
}

nlohmann::json JobsSummaryToJson(const JobsSummary& summary) {
  nlohmann::json failed = nlohmann::json::array();
  for (const catalog::Job& job : summary.failed) failed.push_back(JobToJson(job));
  return nlohmann::json{
      {"kinds", KindsToJson(summary.kinds)},
      {"failed", std::move(failed)},
      {"next", summary.next ? nlohmann::json(summary.next->value)
                            : nlohmann::json(nullptr)},
  };
}

}  // namespace phodex::library
