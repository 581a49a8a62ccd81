#pragma once
// `phodex status --json` (docs/cli.md, "phodex status"): the catalog, its
// roots, counts per kind, thumbnails, recent operations, file errors and
// the running service, as one JSON object, written here once for the CLI
// and the coming HTTP API. The field names are a stable interface: later
// issues add fields, never rename them. Thread-compatible.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "library/queries.h"

namespace phodex::library {

// `service` is null when no service runs; else the status file's object
// (library/service_status.h) with "state" first: "running", "stale" (not
// written for kServiceStatusStaleAfter: hung, or its disk is full), or
// "starting" (no status written yet: only "state" and "error", why the
// file could not be read, or null).
// `thumbs_dir`: the thumbnail cache's folder, when the settings were read.
// With status.dashboard (GET /api/v1/status, docs/api.md "Status") each
// root also has "state" and "disk" ({"total_bytes", "free_bytes"} or
// null), and the object ends with "jobs" (JobsSummaryToJson's "kinds")
// and "process" (library/process_health.h); without it the JSON is
// exactly `phodex status --json`'s.
nlohmann::ordered_json StatusToJson(const LibraryStatus& status,
                                    const std::string& catalog_path,
                                    const std::optional<std::string>& thumbs_dir);

// StatusToJson with the dashboard's catalog path and thumbnail folder
// (GET /api/v1/status). REQUIRES: status.dashboard.
nlohmann::ordered_json ServerStatusToJson(const LibraryStatus& status);

// The "service" object alone (null for nullopt).
nlohmann::ordered_json RunningServiceToJson(
    const std::optional<RunningService>& service);

}  // namespace phodex::library
