#pragma once
// Resolving user-given paths against the catalog's roots; adding roots
// with their identity (scan/root_identity.h); root names. Single-threaded.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/context.h"
#include "catalog/catalog.h"

namespace phodex::app {

struct RootScope {
  catalog::Root root;
  std::string scope;  // rel folder below the root; "" = the whole root
};

// The root that holds absolute path `abs` (itself or below it).
std::optional<RootScope> FindRootFor(const std::vector<catalog::Root>& roots,
                                     const std::string& abs);

struct AddedRoot {
  catalog::Root root;  // with its identity, when it could be recorded
  // Why no marker file was written (a read-only folder), or why no
  // identity at all could be recorded; "" when all went well.
  std::string identity_note;
};

// Adds folder `path` as a root and records its identity (writes the
// marker file at it where it can). Refuses a folder inside another root
// or one that contains a root (files would be cataloged twice), and a
// `name` that ValidateRootName refuses. An empty `name` becomes the
// folder's name, made valid (SanitizedRootName) and unique.
Result<AddedRoot> AddRoot(Context& ctx, catalog::Catalog& cat,
                          const std::string& path, std::string name);

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
Result<catalog::Root> ResolveRootArg(Context& ctx,
                                     const std::vector<catalog::Root>& roots,
                                     const std::string& arg, RootArg how);

// The lock a scan of `root` holds (beside the catalog), so that two
// processes never scan or remove the same root at once.
std::string RootLockPath(const Context& ctx, RootId root);

// Resolves `path` to a canonical absolute folder path.
Result<std::string> CanonicalFolder(Context& ctx, const std::string& path);

}  // namespace phodex::app
