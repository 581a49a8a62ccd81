#include "scan/root_identity.h"

#include <random>
#include <vector>

namespace phodex::scan {
namespace {

// One line (33 bytes) per root ever added there, by any catalog: room for
// 30,000 catalogs that came and went (tests, benchmarks) on one drive.
constexpr size_t kMaxMarkerBytes = 1024 * 1024;
constexpr size_t kUuidHexDigits = 32;

constexpr std::string_view kMarkerHeader =
    "# phodex: this folder is a library root. This file tells phodex that\n"
    "# the drive is mounted (an empty mount point has none); please keep\n"
    "# it. One line per root (catalogs may share a drive).\n";

bool IsUuid(std::string_view s) {
  if (s.size() != kUuidHexDigits) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string MarkerPath(const std::string& root_path) {
  return os::JoinPath(root_path, kRootMarkerName);
}

// The uuids a marker lists (other lines are comments).
std::vector<std::string> ParseMarker(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? "" : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.remove_suffix(1);
    }
    if (IsUuid(line)) out.emplace_back(line);
  }
  return out;
}

Result<std::string> ReadMarkerText(os::FileSystem& fs,
                                   const std::string& root_path) {
  PHODEX_ASSIGN_OR_RETURN(
      auto file,
      fs.OpenForRead(MarkerPath(root_path), os::AccessPattern::kSequential));
  std::string text(
      std::min<size_t>(static_cast<size_t>(file->size()), kMaxMarkerBytes),
      '\0');
  PHODEX_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, text.data(), text.size()));
  text.resize(n);
  return text;
}

// "(ext4, UUID 3f1c…)"
std::string Describe(const FileSystemIdentity& id) {
  std::string out = id.type.empty() ? "type unknown" : id.type;
  if (!id.uuid.empty()) out += ", UUID " + id.uuid;
  return "(" + out + ")";
}

std::string OnAnotherFileSystem(const FileSystemIdentity& now,
                                const FileSystemIdentity& was) {
  return "its folder is on another file system " + Describe(now) +
         " than its drive's " + Describe(was);
}

}  // namespace

std::string NewRootUuid() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < kUuidHexDigits) {
    uint32_t bits = rd();
    for (int i = 0; i < 8 && out.size() < kUuidHexDigits; ++i, bits >>= 4) {
      out += kHex[bits & 0xF];
    }
  }
  return out;
}

MarkerRead ReadMarker(os::FileSystem& fs, const std::string& root_path,
                      const std::string& uuid) {
  auto text = ReadMarkerText(fs, root_path);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) return {};
    return {MarkerState::kUnreadable, text.error().ToString()};
  }
  for (const std::string& u : ParseMarker(*text)) {
    if (u == uuid) return {MarkerState::kNames, ""};
  }
  return {MarkerState::kOther, ""};
}

Status WriteMarker(os::FileSystem& fs, const std::string& root_path,
                   const std::string& uuid) {
  std::vector<std::string> uuids;
  // A marker longer than what is read names roots past the cut: rewriting
  // it would drop them.
  if (auto st = fs.Stat(MarkerPath(root_path), os::Follow::kNo);
      st && st->size > static_cast<int64_t>(kMaxMarkerBytes)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "marker file over " + std::to_string(kMaxMarkerBytes) +
                         " bytes; not rewritten",
                     "write root marker", MarkerPath(root_path));
  }
  auto old = ReadMarkerText(fs, root_path);
  if (old) {
    uuids = ParseMarker(*old);
  } else if (old.error().code() != ErrorCode::kNotFound) {
    // Never replace a marker we could not read: it may name other roots.
    return std::unexpected(old.error());
  }
  for (const std::string& u : uuids) {
    if (u == uuid) return {};
  }
  uuids.push_back(uuid);
  std::string text(kMarkerHeader);
  for (const std::string& u : uuids) text += u + "\n";
  return fs.AtomicWrite(MarkerPath(root_path), text);
}

Result<RecordedIdentity> RecordRootIdentity(os::FileSystem& fs,
                                            const std::string& root_path,
                                            int64_t now_ns) {
  RecordedIdentity out;
  PHODEX_ASSIGN_OR_RETURN(out.identity.fs, fs.IdentifyFileSystem(root_path));
  out.identity.uuid = NewRootUuid();
  out.identity.recorded_ns = now_ns;
  if (Status st = WriteMarker(fs, root_path, out.identity.uuid); st) {
    out.identity.marker = true;
  } else {
    out.marker_error = st.error().ToString();
  }
  return out;
}

RootCheck JudgeRootIdentity(const RootIdentity& recorded,
                            const MarkerRead& marker,
                            const FileSystemIdentity& now) {
  RootCheck out;
  out.fs_now = now;
  auto offline = [&](std::string reason) {
    out.presence = RootPresence::kOffline;
    out.reason = std::move(reason);
    return out;
  };
  const std::string name(kRootMarkerName);
  if (recorded.marker) {
    switch (marker.state) {
      case MarkerState::kNames:
        break;
      case MarkerState::kMissing:
        return offline("its marker file " + name + " is not there");
      case MarkerState::kOther:
        return offline("the marker file " + name +
                       " there belongs to another root");
      case MarkerState::kUnreadable:
        return offline("its marker file " + name +
                       " cannot be read: " + marker.error);
    }
  }
  bool fs_confirms = false;
  const FileSystemIdentity& was = recorded.fs;
  if (!was.uuid.empty() && !now.uuid.empty()) {
    if (was.uuid != now.uuid) return offline(OnAnotherFileSystem(now, was));
    fs_confirms = true;
  } else if (!was.type.empty() && !now.type.empty() && was.type != now.type) {
    return offline(OnAnotherFileSystem(now, was));
  } else if (!recorded.marker && was.fsid != 0 && now.fsid != 0) {
    // Without a marker the statfs id is all there is; it follows the
    // device number on FAT, exFAT and XFS (docs/cli.md says so).
    if (was.fsid != now.fsid) {
      return offline("its folder is on another file system (statfs id " +
                     std::to_string(now.fsid) + ", not " +
                     std::to_string(was.fsid) + ")");
    }
    fs_confirms = true;
  }
  if (marker.state == MarkerState::kNames || fs_confirms) {
    out.presence = RootPresence::kOnline;
  } else {
    out.reason =
        "nothing identifies its drive here (no marker, no file "
        "system UUID or id)";
  }
  return out;
}

RootCheck CheckRootIdentity(os::FileSystem& fs, const catalog::Root& root) {
  RootCheck out;
  auto now = fs.IdentifyFileSystem(root.path);
  if (!now) {
    if (now.error().code() == ErrorCode::kNotFound) {
      out.presence = RootPresence::kOffline;
      out.reason = "its folder is missing";
    } else {
      // The walk will fail with this error; it is not a drive question.
      out.reason = now.error().ToString();
    }
    return out;
  }
  if (auto st = fs.Stat(root.path, os::Follow::kYes);
      st && st->type != FileType::kDirectory) {
    out.presence = RootPresence::kOffline;
    out.reason = "it is not a folder";
    return out;
  }
  if (!root.identity) {
    out.fs_now = *now;
    out.reason =
        "no identity recorded yet (added before phodex recorded "
        "them)";
    return out;
  }
  return JudgeRootIdentity(
      *root.identity, ReadMarker(fs, root.path, root.identity->uuid), *now);
}

Result<std::optional<RootIdentity>> RefreshRootIdentity(
    os::FileSystem& fs, const catalog::Root& root, const RootCheck& check,
    int64_t now_ns) {
  if (!root.identity) {
    PHODEX_ASSIGN_OR_RETURN(RecordedIdentity rec,
                            RecordRootIdentity(fs, root.path, now_ns));
    return std::optional<RootIdentity>(std::move(rec.identity));
  }
  RootIdentity id = *root.identity;
  if (!id.marker) id.marker = WriteMarker(fs, root.path, id.uuid).has_value();
  if (check.fs_now) {
    if (id.fs.uuid.empty()) id.fs.uuid = check.fs_now->uuid;
    if (id.fs.type.empty()) id.fs.type = check.fs_now->type;
    if (id.fs.fsid == 0) id.fs.fsid = check.fs_now->fsid;
  }
  if (id == *root.identity) return std::optional<RootIdentity>();
  id.recorded_ns = now_ns;
  return std::optional<RootIdentity>(std::move(id));
}

}  // namespace phodex::scan
