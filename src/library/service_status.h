#pragma once
// The status file of a running `phodex serve`: what the service last said
// of itself (Service::Snapshot, the address it listens on, its settings),
// written to the data folder (DataFolder::ServiceStatusPath) every few
// seconds by the serve process and removed when it stops cleanly. `phodex
// status` reads it, but only while the service holds its lock
// (DataFolder::ServeLockPath): a file left by a killed service is never
// taken for a running one. The JSON is also the "service" object of
// `phodex status --json`; its fields are a stable interface (docs/cli.md,
// "phodex status"; docs/serve.md): later issues add fields, never rename
// them. Thread-compatible (free functions over values).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "library/data_folder.h"
#include "library/service.h"
#include "os/file_system.h"

namespace phodex::library {

// How often the serve process rewrites the file, and how old it may be
// before `status` calls it stale (the service hangs, or its disk is full).
inline constexpr std::chrono::seconds kServiceStatusInterval{2};
inline constexpr std::chrono::seconds kServiceStatusStaleAfter{10};

// The settings a service runs with, as `status` shows them (seconds).
struct ServiceSettings {
  double delay_s = 0;
  double delete_hold_s = 0;
  double settle_s = 0;
  double reconcile_interval_s = 0;
  double polled_interval_s = 0;
  double poll_interval_s = 0;
  bool thumbs = true;
};
ServiceSettings SettingsOf(const ServiceOptions& options);

// What the file holds.
struct ServiceStatusFile {
  ServiceStatus status;
  // --listen ("127.0.0.1:7447"), and whether it is served (the HTTP side
  // arrives with the next issue: false until then).
  std::string listen;
  bool http = false;
  ServiceSettings settings;
};

// The JSON (docs/cli.md, "phodex status --json"): times as RFC 3339 UTC
// strings, queue depth as {"kind","state","count"} rows.
nlohmann::ordered_json ServiceStatusToJson(const ServiceStatusFile& file);
// Back from the JSON; kCorrupt when a field is missing or of a wrong type.
Result<ServiceStatusFile> ServiceStatusFromJson(
    const nlohmann::ordered_json& json);

// Writes the file at `path`, replacing it atomically (readers see the old
// or the new content, never a part). Without fsync (FileSystem::
// WriteCacheFile): it is rewritten every 2 s, and after a power cut the
// service that wrote it is gone anyway.
Status WriteServiceStatus(os::FileSystem& fs, const std::string& path,
                          const ServiceStatusFile& file);
// Reads it; kNotFound when there is none, kCorrupt when it is not ours.
Result<ServiceStatusFile> ReadServiceStatus(os::FileSystem& fs,
                                            const std::string& path);

// A running service, as `phodex status` finds it.
struct RunningService {
  // What its status file says; nullopt while it has not written one yet
  // (it is starting) or when the file cannot be read (`why`).
  std::optional<ServiceStatusFile> file;
  std::string why;
  // The file was written within kServiceStatusStaleAfter of `now`.
  bool fresh = false;
};
// The service that runs this process, from the JSON its ServiceStatusToJson
// gave (the server asks the service in its own process: fresh); `why`
// says what was wrong with a JSON that is not one.
RunningService RunningServiceFromJson(const nlohmann::ordered_json& json);

// The service running on the catalog of `data`, if one holds its lock now
// (a probe that never waits and creates nothing), with its status file.
std::optional<RunningService> FindRunningService(os::FileSystem& fs,
                                                 const DataFolder& data,
                                                 int64_t now_unix_ns);

}  // namespace phodex::library
