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

#include "catalog/catalog.h"
#include "core/error.h"
#include "library/library.h"
#include "library/service_status.h"

namespace phodex::library {

// --- status ---------------------------------------------------------------

struct StatusRequest {
  // The thumbnail cache's settings key, for the thumbnail totals; none:
  // no totals (the settings could not be read).
  std::optional<std::string> thumbs_key;
  // How many of the newest operations.
  int64_t recent_operations = 5;
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
};
Result<LibraryStatus> GetStatus(Library& lib, const StatusRequest& req);

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
// Recorded file errors, of one operation or of all.
Result<std::vector<catalog::FileErrorRow>> ListFileErrors(
    Library& lib, std::optional<OperationId> op, int64_t limit);

}  // namespace phodex::library
