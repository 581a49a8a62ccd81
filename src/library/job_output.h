#pragma once
// How phodex shows the job queue as JSON (`phodex jobs --json`, later the
// API), written here once so the two cannot drift. The field names are a
// stable interface (docs/cli.md, "phodex jobs"): later issues add fields,
// never rename them. Thread-compatible.

#include <nlohmann/json.hpp>

#include "catalog/job_queue.h"
#include "library/jobs.h"

namespace phodex::library {

// id, kind, priority, state, attempts, max_attempts, file (null when
// none), version, run_at, created, updated, error (null when none), owner
// and lease_expires (null unless running).
nlohmann::json JobToJson(const catalog::Job& job);

// [{"kind", "paused", "available", "running", "retryable", "completed",
// "failed", "cancelled"}...]: the "kinds" of JobsSummaryToJson.
nlohmann::json KindsToJson(const std::vector<KindSummary>& kinds);

// {"kinds": [{"kind", "paused", "available", "running", "retryable",
// "completed", "failed", "cancelled"}...], "failed": [JobToJson...],
// "next": id of the last failed job shown when more follow, else null}.
nlohmann::json JobsSummaryToJson(const JobsSummary& summary);

}  // namespace phodex::library
