#pragma once
// The roots of a library: the rules for adding one (never inside or around
// another root: its files would be cataloged twice), its name, its
// identity (scan/root_identity.h), resolving what a user typed to a root
// or a folder of one, and the use cases of `phodex root` (add, list,
// remove, rebind) that the CLI and the coming server share.
// Single-threaded (one thread at a time calls into one Library).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/locks.h"
#include "core/error.h"
#include "library/library.h"
#include "os/file_system.h"

namespace phodex::library {

// A root, or a folder of it.
struct RootScope {
  catalog::Root root;
  std::string scope;  // rel folder below the root; "" = the whole root
};

// The root that holds absolute path `abs` (itself or below it).
std::optional<RootScope> FindRootFor(const std::vector<catalog::Root>& roots,
                                     const std::string& abs);

// Resolves `path` to a canonical absolute folder path (kInvalidArgument
// "not a folder" for anything else).
Result<std::string> CanonicalFolder(os::FileSystem& fs,
                                    const std::string& path);

// A catalog query for a path a user typed: a root, a folder or file in one,
// possibly one that no longer exists (what exists is resolved, the rest
// taken literally). kNotFound "not inside any root" otherwise.
Result<catalog::FileQuery> QueryForPath(os::FileSystem& fs,
                                        catalog::Catalog& cat,
                                        const std::string& path);

// Root names are what users type and scripts print: they may not be empty
// or only spaces, hold control characters (newlines, escapes) or bytes
// that are not UTF-8, contain '/' (so a name never reads as a path), be
// "." or "..", or start with '-' (it would read as an option). kOk, or
// kInvalidArgument saying why.
Status ValidateRootName(std::string_view name);
// A valid name made from a folder's name: control characters, '/' and
// invalid bytes become '_', leading '-' and spaces go; "root" if nothing
// is left.
std::string SanitizedRootName(std::string_view folder_name);

// How `root remove` and friends read their argument.
enum class RootArg {
  kNameOrPath,  // a path that leads to a root's folder, else a root's name
  kName,        // --name
  kPath,        // --path
};
// The root `arg` means. With kNameOrPath, a path (relative or absolute,
// resolved; or, for an absolute path whose folder is gone, as written)
// that is a root's folder wins over names, and an argument that is the
// path of one root and the name of another is refused as ambiguous
// (kInvalidArgument, saying how to choose). kNotFound when nothing
// matches.
Result<catalog::Root> ResolveRootArg(os::FileSystem& fs,
                                     const std::vector<catalog::Root>& roots,
                                     const std::string& arg, RootArg how);

// --- Use cases -----------------------------------------------------------

struct AddRootRequest {
  std::string path;  // the folder
  std::string name;  // "" = the folder's name, made valid and unique
};
struct AddedRoot {
  catalog::Root root;  // with its identity, when it could be recorded
  // Why no marker file was written (a read-only folder), or why no
  // identity at all could be recorded; "" when all went well.
  std::string identity_note;
};
// Adds folder `path` as a root and records its identity (writes the
// marker file at it where it can). Refuses (kInvalidArgument) a folder
// inside another root or one that contains a root, and a `name` that
// ValidateRootName refuses; kAlreadyExists for a folder that is a root or
// a name that is taken.
Result<AddedRoot> AddRoot(Library& lib, const AddRootRequest& req);

// A root as `root list` shows it.
struct RootListing {
  catalog::RootStats stats;
  // "" for a root whose drive is there; else why it is offline.
  std::string offline_reason;
};
Result<std::vector<RootListing>> ListRoots(Library& lib);

// Which root `remove` and `rebind` act on.
struct RootTarget {
  std::string arg;  // what the user typed
  RootArg how = RootArg::kNameOrPath;
  // Whether to wait for a scan of the root to end.
  catalog::Locks::Wait wait = catalog::Locks::Wait::kNo;
};

struct RemoveRootRequest {
  RootTarget target;
  catalog::Purge purge = catalog::Purge::kNo;
};
// Removes the root (its records kept, marked removed, unless purged),
// under its lock: kBusy while it is being scanned. Returns the root.
Result<catalog::Root> RemoveRoot(Library& lib, const RemoveRootRequest& req);

struct RebindRootRequest {
  RootTarget target;
  // Records the identity even when none of the root's cataloged files is
  // at its folder.
  bool force = false;
};
struct RebindResult {
  catalog::Root root;
  // None of the root's cataloged files is at its folder (is its drive
  // mounted?) and `force` was not given: nothing was recorded.
  bool library_missing = false;
  // Why no marker file was written; "" when it was.
  std::string marker_error;
};
// Records the root's identity anew from what is at its folder now (its
// library moved to another drive, or its marker was deleted), under its
// lock (kBusy while it is being scanned).
Result<RebindResult> RebindRoot(Library& lib, const RebindRootRequest& req);

}  // namespace phodex::library
