#pragma once
// The read-only use cases: what `status`, `ls`, `show` and `ops` ask of a
// library, answered as typed values (the CLI prints them; the coming HTTP
// API writes them as JSON with library/file_output.h and
// library/operation_output.h). None of them writes, begins an operation
// or takes a lock (GetStatus's probe of a running service holds its lock
// shared for an instant, never waiting). Single-threaded (one thread at a
// time per Library).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "core/error.h"
#include "library/catalog_figures.h"
#include "library/library.h"
#include "library/process_health.h"
#include "library/service_status.h"
#include "os/file_system.h"

namespace phodex::library {

// --- status ---------------------------------------------------------------

struct StatusRequest {
  // The thumbnail cache's settings key, for the thumbnail totals; none:
  // no totals (the settings could not be read).
  std::optional<std::string> thumbs_key;
  // How many of the newest operations.
  int64_t recent_operations = 5;
  // The dashboard's figures too (LibraryStatus::dashboard: GET
  // /api/v1/status and /metrics). `phodex status` leaves them off, so its
  // JSON stays as it was.
  bool dashboard = false;
  // Unset: the catalog-wide figures are read now; set: through this cache
  // (the server's, library/catalog_figures.h), at most max_age old, with
  // the thumbnail totals of the settings' cache (thumbs_key unused).
  FiguresCache* figures = nullptr;
  // How the running service is found: kProbe, through its lock and status
  // file (`phodex status`); kGiven: it is `service` (nullopt: none runs),
  // for the server, which runs inside it and asks it directly.
  enum class ServiceLookup { kProbe, kGiven };
  ServiceLookup service_lookup = ServiceLookup::kProbe;
  std::optional<RunningService> service;
};

// What the dashboard adds to a status (docs/api.md, "Status").
struct RootDashboard {
  // "watched", "polled" or "offline", as the running service watches the
  // root; without a service (or a root it does not know yet) "offline"
  // when the root's drive is missing, else "not watched".
  std::string state;
  // The root's file system; nullopt when it cannot tell (offline).
  std::optional<os::DiskSpace> space;
};
struct Dashboard {
  std::vector<RootDashboard> roots;  // per LibraryStatus::stats.roots
  // Every kind that has jobs or is paused, with its counts per state.
  std::vector<catalog::JobCount> jobs;
  std::vector<std::string> paused_kinds;
  ProcessHealth process;
  // For StatusToJson: the embedded catalog's file ("" for a server
  // catalog: its URL may hold a password), the thumbnail cache's folder.
  std::string catalog_path;
  std::optional<std::string> thumbs_dir;
};
struct LibraryStatus {
  catalog::CatalogStats stats;
  // The catalog's size, when the backend can tell.
  std::optional<int64_t> size_on_disk;
  // Per stats.roots, looked at now (a statfs, the marker): "" for a root
  // whose drive is there, else why it is offline.
  std::vector<std::string> offline_reasons;
  // Thumbnails as the catalog records them (no walk of the cache), when
  // asked for and readable.
  std::optional<catalog::PixelTotals> pixels;
  // The newest operations (empty when they cannot be read).
  std::vector<catalog::Operation> recent;
  // The `phodex serve` running on this catalog, if one holds its lock
  // (library/service_status.h); nullopt when none runs.
  std::optional<RunningService> service;
  // Set when asked for (StatusRequest::dashboard).
  std::optional<Dashboard> dashboard;
};
Result<LibraryStatus> GetStatus(Library& lib, const StatusRequest& req);

// The status as `phodex serve`'s API shows it (GET /api/v1/status,
// /metrics): GetStatus with the dashboard, the thumbnail totals of the
// settings' cache, the catalog-wide figures through `figures` (null: read
// now), and the service as the server's hook gives its JSON
// (library::ServiceStatusToJson; nullopt: none runs).
struct ServerStatusRequest {
  FiguresCache* figures = nullptr;
  std::optional<nlohmann::ordered_json> service;
  int64_t recent_operations = 5;
};
Result<LibraryStatus> GetServerStatus(Library& lib,
                                      const ServerStatusRequest& req);

// --- ls -----------------------------------------------------------------

struct ListFilesRequest {
  // A root, folder or file a user typed (library::QueryForPath); "" = all.
  std::string path;
  std::optional<MediaKind> kind;
  catalog::FileQuery::Presence presence = catalog::FileQuery::Presence::kPresent;
  // At most this many files; -1 = all.
  int64_t limit = -1;
  // Read each file's metadata pairs (what the JSON form shows).
  bool with_pairs = false;
  // Only images whose pixels were measured and whose sharpness is below
  // [quality] blurry, or whose clipped highlights are over kBlownOutShare.
  bool blurry = false;
  bool blown_out = false;
};
inline constexpr double kBlownOutShare = 0.05;
// Calls `each` for every file `req` selects, in the catalog's order;
// `started` (if set) once the path is resolved, before the first file.
// Returns how many files were listed. kNotFound when the path is in no
// root.
Result<int64_t> ListFiles(Library& lib, const ListFilesRequest& req,
                          const std::function<void(const catalog::FileRow&)>& each,
                          const std::function<void()>& started = {});

// --- show ---------------------------------------------------------------

// The file at `path` (a file, not a folder), with its tags and metadata
// pairs; nullopt when the catalog holds no file there. kNotFound when the
// path is in no root.
Result<std::optional<catalog::FileRow>> GetFileAt(Library& lib,
                                                  const std::string& path);

// --- ops ----------------------------------------------------------------

// The newest `limit` operations, newest first.
Result<std::vector<catalog::Operation>> ListOperations(Library& lib,
                                                       int64_t limit);
// A page of the history, newest first (GET /api/v1/operations).
struct OperationsPageRequest {
  // Cursor: operations older than this one (the page before's `next`).
  std::optional<OperationId> before;
  std::optional<std::string> type;
  int64_t limit = 50;  // REQUIRES: >= 1
};
struct OperationsPage {
  std::vector<catalog::Operation> operations;
  // Set when more may follow: the last id shown, the next page's cursor.
  std::optional<OperationId> next;
};
Result<OperationsPage> ListOperationsPage(Library& lib,
                                          const OperationsPageRequest& req);

// One operation with its newest file errors, at most `errors_limit`
// (GET /api/v1/operations/{id}); kNotFound when there is none.
struct OperationDetail {
  catalog::Operation operation;
  std::vector<catalog::FileErrorRow> errors;
  bool more_errors = false;  // it recorded more than those shown
};
Result<OperationDetail> GetOperation(Library& lib, OperationId id,
                                     int64_t errors_limit);

// Recorded file errors, of one operation or of all.
Result<std::vector<catalog::FileErrorRow>> ListFileErrors(
    Library& lib, std::optional<OperationId> op, int64_t limit);

}  // namespace phodex::library
