#pragma once
// Is this the root's drive? A scan of an unmounted drive must not read as
// "every file was deleted": an empty mount point, a mount point with a
// stray .DS_Store or an empty folder in it, another drive mounted in its
// place, or a plain folder faking it are *offline*, and nothing is marked
// removed (docs/architecture.md, "An unmounted drive is not a deleted
// library"; docs/cli.md, "Root identity").
//
// A root's identity (core/root_identity.h) is recorded when it is added:
//   - a marker file, `.phodex-root` at the root, holding the root's random
//     uuid (one line per root: two catalogs may share a drive). Written
//     atomically where the folder is writable; a read-only root (a camera
//     card, a read-only share) has none;
//   - the file system it is on: UUID, type, statfs id (each where known).
// A scan checks it first (CheckRootIdentity). Roots added before the
// catalog recorded identities (schema v7) get one after their first
// completed scan that finds cataloged files where the catalog expected
// them (RefreshRootIdentity); until then the older nets (an empty root
// folder, the removal limit) guard them.
//
// Functions are thread-compatible; they touch the file system only
// through os::FileSystem.

#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "core/root_identity.h"
#include "os/file_system.h"

namespace phodex::scan {

// The marker's name at a root; never cataloged (scan/filter.h).
inline constexpr std::string_view kRootMarkerName = ".phodex-root";

// 128 random bits as 32 lower-case hex digits.
std::string NewRootUuid();

// What the marker file at a root says about `uuid`.
enum class MarkerState {
  kNames,       // it is there and lists `uuid`
  kMissing,     // there is no marker file
  kOther,       // a marker is there but does not list `uuid`
  kUnreadable,  // it could not be read (permission, I/O error)
};
struct MarkerRead {
  MarkerState state = MarkerState::kMissing;
  std::string error;  // kUnreadable: why
};
MarkerRead ReadMarker(os::FileSystem& fs, const std::string& root_path,
                      const std::string& uuid);

// Adds `uuid` to the marker at `root_path` (creating it), atomically; the
// uuids already listed stay. Errors: those of os::FileSystem::AtomicWrite
// (kPermissionDenied for a read-only folder or mount).
Status WriteMarker(os::FileSystem& fs, const std::string& root_path,
                   const std::string& uuid);

struct RecordedIdentity {
  RootIdentity identity;
  // Why no marker was written ("" when one was).
  std::string marker_error;
};

// A new identity for the root at `root_path` (an existing folder): a new
// uuid, written into its marker where it can be, and its file system as
// found now.
Result<RecordedIdentity> RecordRootIdentity(os::FileSystem& fs,
                                            const std::string& root_path,
                                            int64_t now_ns);

enum class RootPresence {
  kOnline,      // its marker or its file system confirms its drive is there
  kUnverified,  // nothing contradicts it, nothing confirms it (no identity
                // yet, or none that can be determined here)
  kOffline,     // its folder is missing, or its identity is missing or
                // different: its drive is not mounted, or another is
};

struct RootCheck {
  RootPresence presence = RootPresence::kUnverified;
  // kOffline: why ("its marker file .phodex-root is missing");
  // kUnverified: why nothing could confirm it.
  std::string reason;
  // The file system found now (null when it could not be identified).
  std::optional<FileSystemIdentity> fs_now;
};

// Pure: the verdict from the recorded identity, the marker's state and the
// file system found now. The rules (docs/cli.md, "Root identity"):
//   1. Where phodex wrote a marker, it must be there and list the root.
//   2. The file system must be the recorded one: the same UUID where both
//      are known; else the same type where both are known; for a root
//      without a marker, also the same statfs id where both are known.
//   3. Online when the marker or the file system's UUID or id confirmed
//      it; unverified when nothing could (no marker, nothing known).
RootCheck JudgeRootIdentity(const RootIdentity& recorded,
                            const MarkerRead& marker,
                            const FileSystemIdentity& now);

// Checks the root as the catalog holds it. A missing root folder is
// offline; a root without a recorded identity is unverified unless its
// folder is missing.
RootCheck CheckRootIdentity(os::FileSystem& fs, const catalog::Root& root);

// After a completed scan that confirmed the root (`check` online) or found
// cataloged files where the catalog expected them: the identity to
// record, or null when the stored one stands. A root without one gets a
// new one (RecordRootIdentity); a root without a marker gets one where it
// can now be written; file-system fields unknown so far are filled in.
// REQUIRES: the caller has that evidence.
Result<std::optional<RootIdentity>> RefreshRootIdentity(
    os::FileSystem& fs, const catalog::Root& root, const RootCheck& check,
    int64_t now_ns);

}  // namespace phodex::scan
