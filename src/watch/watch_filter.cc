#include "watch/watch_filter.h"

#include <utility>

#include "os/file_system.h"
#include "util/text.h"

namespace phodex::watch {
namespace {

// phodex's own files (scan/filter.cc has the same list for the scan).
bool IsPhodexOwnName(std::string_view name) {
  if (name == ".phodex-root") return true;
  if (os::IsWriteTempName(name)) return true;
  return !name.empty() && name[0] == '.' &&
         (name.find(".phodex-tmp-") != std::string_view::npos ||
          name.find(".phodex-copy-") != std::string_view::npos ||
          name.find(".phodex-link-") != std::string_view::npos);
}

// Folders no photographer wants cataloged; the scan never enters them.
bool IsBuiltinExcludedFolder(std::string_view name) {
  const std::string lower = util::AsciiLower(name);
  if (lower.starts_with(".trash-")) return true;
  static constexpr std::string_view kNames[] = {
      "$recycle.bin", "system volume information", "@eadir", ".thumbnails",
      "lost+found"};
  for (std::string_view k : kNames) {
    if (lower == k) return true;
  }
  return false;
}

}  // namespace

std::string JoinRel(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string rel = dir;
  rel += '/';
  rel += name;
  return rel;
}

std::string AbsPath(const std::string& root_path, const std::string& rel) {
  return rel.empty() ? root_path : os::JoinPath(root_path, rel);
}

WatchFilter::WatchFilter(const WatchOptions& options, std::string root_path)
    : include_hidden_(options.include_hidden),
      root_path_(std::move(root_path)) {
  for (const std::string& g : options.exclude) {
    if (g.starts_with('/')) {
      abs_globs_.push_back(g);
    } else {
      (g.find('/') == std::string::npos ? name_globs_ : path_globs_)
          .push_back(g);
    }
  }
}

bool WatchFilter::ExcludesName(std::string_view name,
                               std::string_view rel) const {
  if (IsPhodexOwnName(name)) return true;
  if (!include_hidden_ && !name.empty() && name[0] == '.') return true;
  for (const std::string& g : name_globs_) {
    if (util::GlobMatch(g, name)) return true;
  }
  for (const std::string& g : path_globs_) {
    if (util::GlobMatch(g, rel)) return true;
  }
  if (!abs_globs_.empty()) {
    const std::string abs = AbsPath(root_path_, std::string(rel));
    for (const std::string& g : abs_globs_) {
      if (util::GlobMatch(g, abs)) return true;
    }
  }
  return false;
}

bool WatchFilter::ExcludesFolder(std::string_view name,
                                 std::string_view rel) const {
  return IsBuiltinExcludedFolder(name) || ExcludesName(name, rel);
}

bool WatchFilter::ExcludesFile(std::string_view name,
                               std::string_view rel) const {
  return ExcludesName(name, rel);
}

}  // namespace phodex::watch
