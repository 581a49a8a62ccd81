#include "library/roots.h"

#include "library/path_scope.h"
#include "scan/root_identity.h"
#include "util/text.h"

namespace phodex::library {
namespace {

bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.starts_with("/");
  return path.size() > dir.size() && path.starts_with(dir) &&
         path[dir.size()] == '/';
}

// C0 controls, DEL, and C1 controls (U+0080..U+009F, 0xC2 0x80..0x9F in
// UTF-8: some terminals take U+009B as an escape).
bool HasControl(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

// A name shown in messages: escaped, quoted.
std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (char c : util::EscapeBytes(s)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::optional<RootScope> FindRootFor(const std::vector<catalog::Root>& roots,
                                     const std::string& abs) {
  for (const catalog::Root& r : roots) {
    if (abs == r.path) return RootScope{r, ""};
    if (IsUnder(abs, r.path)) {
      const size_t skip = r.path == "/" ? 1 : r.path.size() + 1;
      return RootScope{r, abs.substr(skip)};
    }
  }
  return std::nullopt;
}

Result<std::string> CanonicalFolder(os::FileSystem& fs,
                                    const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::string abs, fs.RealPath(path));
  PHODEX_ASSIGN_OR_RETURN(FileStat st, fs.Stat(abs, os::Follow::kYes));
  if (st.type != FileType::kDirectory) {
    return MakeError(ErrorCode::kInvalidArgument, "not a folder", "", path);
  }
  return abs;
}

Status ValidateRootName(std::string_view name) {
  auto refuse = [&](const std::string& why) -> Status {
    return MakeError(ErrorCode::kInvalidArgument,
                     "root name " + Quoted(name) + " " + why, "name root");
  };
  if (name.find_first_not_of(" \t") == std::string_view::npos) {
    return refuse("is empty");
  }
  if (HasControl(name)) {
    return refuse("holds control characters (newlines, escapes)");
  }
  if (!util::IsValidUtf8(name)) return refuse("is not valid UTF-8");
  if (name.find('/') != std::string_view::npos) {
    return refuse("holds '/': names may not look like paths");
  }
  if (name == "." || name == "..") return refuse("looks like a path");
  if (name.front() == '-') return refuse("starts with '-'");
  return {};
}

std::string SanitizedRootName(std::string_view folder_name) {
  // EscapeBytes makes it valid UTF-8 (invalid bytes become "\xNN").
  const std::string valid = util::EscapeBytes(folder_name);
  std::string out;
  for (size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c == 0xC2 && i + 1 < valid.size() &&
        static_cast<unsigned char>(valid[i + 1]) <= 0x9F) {
      ++i;  // a C1 control (two bytes)
      out += '_';
    } else if (c < 0x20 || c == 0x7F || c == '/') {
      out += '_';
    } else {
      out += valid[i];
    }
  }
  const size_t start = out.find_first_not_of(" \t-");
  out = start == std::string::npos ? "" : out.substr(start);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  if (out.empty() || out == "." || out == "..") out = "root";
  return out;
}

Result<AddedRoot> AddRoot(Library& lib, const AddRootRequest& req) {
  catalog::Catalog& cat = lib.catalog();
  PHODEX_ASSIGN_OR_RETURN(std::string abs, CanonicalFolder(lib.fs(), req.path));
  std::string name = req.name;
  const bool explicit_name = !name.empty();
  if (explicit_name) PHODEX_TRY(ValidateRootName(name));
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  for (const catalog::Root& r : roots) {
    if (r.path == abs) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "already a root, named " + Quoted(r.name), "add root",
                       abs);
    }
    if (IsUnder(abs, r.path)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "inside root " + Quoted(r.name) + " (" + r.path +
                           "); scan it as part of that root",
                       "add root", abs);
    }
    if (IsUnder(r.path, abs)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "contains root " + Quoted(r.name) + " (" + r.path +
                           "); remove that root first",
                       "add root", abs);
    }
  }
  if (name.empty()) name = SanitizedRootName(os::BaseName(abs));
  const std::string base = name;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const catalog::Root& r : roots) taken |= r.name == name;
    if (!taken) break;
    if (explicit_name) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "a root named " + Quoted(name) + " exists", "add root",
                       abs);
    }
    name = base + "-" + std::to_string(n);
  }
  os::Clock& clock = lib.clock();
  AddedRoot out;
  PHODEX_ASSIGN_OR_RETURN(out.root, cat.AddRoot(abs, name, clock.NowUnixNs()));
  // The root exists first, so a refused add never leaves a uuid in a
  // marker; a crash before the identity is stored leaves a root without
  // one, which its first good scan records (scan/root_identity.h).
  auto id = scan::RecordRootIdentity(lib.fs(), abs, clock.NowUnixNs());
  if (!id) {
    out.identity_note = "its identity could not be recorded (" +
                        id.error().ToString() +
                        "); its first scan that finds files records it";
    return out;
  }
  PHODEX_TRY(cat.SetRootIdentity(out.root.id, id->identity));
  out.root.identity = id->identity;
  if (!id->marker_error.empty()) {
    out.identity_note = "no marker file written (" + id->marker_error +
                        "); its file system identifies its drive";
  }
  return out;
}

Result<catalog::Root> ResolveRootArg(os::FileSystem& fs,
                                     const std::vector<catalog::Root>& roots,
                                     const std::string& arg, RootArg how) {
  const catalog::Root* by_path = nullptr;
  const catalog::Root* by_name = nullptr;
  if (how != RootArg::kName) {
    // A folder that exists is compared resolved; one that is gone (the
    // drive is unplugged) as written, if absolute.
    std::string abs;
    if (auto real = fs.RealPath(arg)) {
      abs = *real;
    } else if (arg.starts_with('/')) {
      abs = arg;
      while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
    }
    for (const catalog::Root& r : roots) {
      if (!abs.empty() && r.path == abs) by_path = &r;
    }
  }
  if (how != RootArg::kPath) {
    for (const catalog::Root& r : roots) {
      if (r.name == arg) by_name = &r;
    }
  }
  if (by_path && by_name && by_path->id != by_name->id) {
    std::string choose = "--path " + Quoted(arg);
    if (!arg.starts_with('/')) choose += " (or " + Quoted("./" + arg) + ")";
    return MakeError(
        ErrorCode::kInvalidArgument,
        Quoted(arg) + " is both the folder of root " + Quoted(by_path->name) +
            " and the name of another root (at " +
            util::EscapeBytes(by_name->path) + "); say which: " + choose +
            " or --name " + Quoted(arg));
  }
  if (by_path) return *by_path;
  if (by_name) return *by_name;
  const char* what = how == RootArg::kName   ? "named"
                     : how == RootArg::kPath ? "at"
                                             : "named or at";
  return MakeError(ErrorCode::kNotFound, std::string("no root ") + what + " " +
                                             Quoted(arg) +
                                             " (phodex root list)");
}

Result<catalog::FileQuery> QueryForPath(os::FileSystem& fs,
                                        catalog::Catalog& cat,
                                        const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  return ScopeOfPath(fs, roots, path);
}

Result<std::vector<RootListing>> ListRoots(Library& lib) {
  PHODEX_ASSIGN_OR_RETURN(catalog::CatalogStats stats, lib.catalog().Stats());
  std::vector<RootListing> out;
  for (catalog::RootStats& rs : stats.roots) {
    RootListing l;
    const scan::RootCheck check = scan::CheckRootIdentity(lib.fs(), rs.root);
    if (check.presence == scan::RootPresence::kOffline) {
      l.offline_reason = check.reason;
    }
    l.stats = std::move(rs);
    out.push_back(std::move(l));
  }
  return out;
}

namespace {

// The root `remove` and `rebind` name, holding its lock (never under a
// running scan).
struct LockedRoot {
  catalog::Root root;
  std::unique_ptr<catalog::Lock> lock;
};
Result<LockedRoot> LockTarget(Library& lib, const RootTarget& target) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  PHODEX_ASSIGN_OR_RETURN(
      catalog::Root root,
      ResolveRootArg(lib.fs(), roots, target.arg, target.how));
  auto lock = lib.locks().LockRoot(root.id, target.wait);
  if (!lock) {
    return MakeError(ErrorCode::kBusy, "root '" + util::EscapeBytes(root.name) +
                                           "' is being scanned: " +
                                           lock.error().ToString());
  }
  return LockedRoot{std::move(root), std::move(*lock)};
}

// Whether any of (up to 32 of) the files the catalog holds for `root` is
// at its path, or the catalog holds none: the folder holds its library.
Result<bool> LibraryIsThere(Library& lib, const catalog::Root& root) {
  catalog::FileQuery q;
  q.root = root.id;
  q.limit = 32;
  int64_t known = 0;
  bool found = false;
  PHODEX_TRY(lib.catalog().ForEachFile(q, [&](const catalog::FileRow& r) {
    ++known;
    found = found ||
            lib.fs().Stat(os::JoinPath(root.path, r.rel), os::Follow::kNo);
  }));
  return known == 0 || found;
}

}  // namespace

Result<catalog::Root> RemoveRoot(Library& lib, const RemoveRootRequest& req) {
  PHODEX_ASSIGN_OR_RETURN(LockedRoot locked, LockTarget(lib, req.target));
  PHODEX_TRY(lib.catalog().RemoveRoot(locked.root.id, req.purge,
                                      lib.clock().NowUnixNs()));
  return locked.root;
}

Result<RebindResult> RebindRoot(Library& lib, const RebindRootRequest& req) {
  PHODEX_ASSIGN_OR_RETURN(LockedRoot locked, LockTarget(lib, req.target));
  RebindResult out;
  out.root = locked.root;
  PHODEX_ASSIGN_OR_RETURN(bool there, LibraryIsThere(lib, locked.root));
  if (!there && !req.force) {
    out.library_missing = true;
    return out;
  }
  PHODEX_ASSIGN_OR_RETURN(
      scan::RecordedIdentity id,
      scan::RecordRootIdentity(lib.fs(), locked.root.path,
                               lib.clock().NowUnixNs()));
  PHODEX_TRY(lib.catalog().SetRootIdentity(locked.root.id, id.identity));
  out.root.identity = id.identity;
  out.marker_error = id.marker_error;
  return out;
}

}  // namespace phodex::library
