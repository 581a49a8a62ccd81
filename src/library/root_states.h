#pragma once
// The roots as the API's roots resource shows them (docs/api.md,
// "Roots"): `root list`'s counts and offline check (library/roots.h),
// with the state the running service gives each root (watched by
// inotify, polled, offline), and the use cases that address a root by
// its id. Single-threaded (one thread at a time per Library).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/types.h"
#include "core/error.h"
#include "library/folders.h"
#include "library/library.h"
#include "library/roots.h"
#include "library/service.h"

namespace phodex::library {

// How a root is kept in step with its disk now: "watched" (inotify),
// "polled" (folder listings on a timer), "offline" (its drive is not
// there), or "not watched" (no service runs, or it has not taken the root
// up yet).
struct RootState {
  RootListing listing;
  std::string state;
  // Why polled or offline ("" when watched or not watched).
  std::string reason;
  // The service's view of the root, when a service runs and knows it.
  std::optional<RootServiceState> service;
};

// The state of a root from `listing` (its offline check) and the
// service's view of it (null: none runs or it does not know the root).
RootState StateOf(RootListing listing, const RootServiceState* service);

// Every root in use with its state, as ListRoots (library/roots.h) lists
// them, but with the counts from `cache` (computed once per catalog
// content version: at a million files, Stats reads them for seconds).
// `service_status` is the running service's status JSON
// (ServiceStatusToJson), or nullopt when none runs; JSON that is not a
// service status counts as none.
Result<std::vector<RootState>> ListRootStates(
    Library& lib, FolderCache& cache,
    const std::optional<nlohmann::ordered_json>& service_status);

// The root in use with this id; kNotFound otherwise (an id <= 0 too).
Result<catalog::Root> FindRootById(Library& lib, int64_t id);

// Removes the root with this id as RemoveRoot does (records kept, marked
// removed; kBusy while it is scanned); kNotFound for an unknown id.
Result<catalog::Root> RemoveRootById(Library& lib, int64_t id);

// {"id", "name", "path", "added", "last_scan", "present", "removed",
// "bytes", "offline", "state", "reason", "watched_folders",
// "last_reconcile", "next_reconcile", "reconciling"}: the first names as
// `status --json`'s roots; times RFC 3339 UTC or null; the service's
// fields null when no service knows the root.
nlohmann::ordered_json RootStateToJson(const RootState& root);

}  // namespace phodex::library
