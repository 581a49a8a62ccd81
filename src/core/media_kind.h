#pragma once
// Which files phodex catalogs, decided by extension (case-insensitive) and
// confirmed by the first bytes of the file where that is cheap.
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace phodex {

enum class MediaKind : unsigned char { kPhoto, kRaw, kVideo, kSidecar, kOther };

// "photo", "raw", "video", "sidecar", "other" (stable: catalog and JSON).
const char* MediaKindName(MediaKind kind);
std::optional<MediaKind> ParseMediaKind(std::string_view name);

// Kind from the file name's extension; kOther for anything not cataloged.
MediaKind KindFromName(std::string_view file_name);

// What the content says, given the leading bytes of a file and the kind its
// name suggests.
enum class SniffVerdict {
  kConfirmed,   // signature matches the extension's format (or is compatible)
  kOtherMedia,  // a known media signature of another kind (see `actual`)
  kMismatch,    // the extension's format has a known signature; this isn't it
  kUnknown,     // no cheap signature for this format: trust the extension
};

struct SniffResult {
  SniffVerdict verdict;
  MediaKind actual;      // the kind to record
  std::string detail;    // e.g. "content is PNG, not JPEG" (for last_error)
};

SniffResult SniffKind(std::string_view file_name, std::string_view head);

}  // namespace phodex
