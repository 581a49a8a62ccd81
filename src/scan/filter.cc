#include "scan/filter.h"

#include "util/text.h"

namespace phodex::scan {
namespace {

// The built-in exclusions (docs/cli.md, "Exclusions"), names compared
// case-insensitively, checked without fnmatch: this runs for every entry of
// a million-file tree.
bool BuiltinExcluded(std::string_view name) {
  const std::string lower = util::AsciiLower(name);
  const std::string_view n = lower;
  auto ends_with = [&](std::string_view suffix) {
    return n.size() >= suffix.size() &&
           n.substr(n.size() - suffix.size()) == suffix;
  };
  if (n.empty()) return false;
  if (n.back() == '~' || ends_with(".tmp") || ends_with(".temp")) return true;
  // phodex's own: the root marker (scan/root_identity.h) and the
  // temporary files of atomic writes, copies and links
  // (".NAME.phodex-tmp-XXXXXX", ".NAME.phodex-copy-…", ".NAME.phodex-link-…").
  if (n == ".phodex-root") return true;
  if (n[0] == '.' && (n.find(".phodex-tmp-") != std::string_view::npos ||
                      n.find(".phodex-copy-") != std::string_view::npos ||
                      n.find(".phodex-link-") != std::string_view::npos)) {
    return true;
  }
  if (n.starts_with(".trash-")) return true;
  static constexpr std::string_view kNames[] = {
      "$recycle.bin", "system volume information", "@eadir", ".thumbnails",
      "lost+found",   ".ds_store",                 "thumbs.db", "desktop.ini"};
  for (std::string_view k : kNames) {
    if (n == k) return true;
  }
  return false;
}

}  // namespace

Filter::Filter(FilterOptions options) : options_(std::move(options)) {
  for (const std::string& g : options_.exclude_globs) {
    (g.find('/') == std::string::npos ? name_globs_ : path_globs_).push_back(g);
  }
  for (std::string& d : options_.exclude_abs_dirs) {
    while (d.size() > 1 && d.back() == '/') d.pop_back();
  }
  for (const std::string& g : options_.exclude_abs_file_globs) {
    const size_t slash = g.rfind('/');
    if (slash == std::string::npos) continue;
    own_files_.emplace_back(slash == 0 ? "/" : g.substr(0, slash),
                            g.substr(slash + 1));
  }
}

bool Filter::MatchesAny(std::string_view name, std::string_view rel) const {
  if (!options_.include_hidden && !name.empty() && name[0] == '.') return true;
  if (BuiltinExcluded(name)) return true;
  for (const std::string& g : name_globs_) {
    if (util::GlobMatch(g, name)) return true;
  }
  for (const std::string& g : path_globs_) {
    if (util::GlobMatch(g, rel)) return true;
  }
  return false;
}

bool Filter::ExcludesDir(std::string_view name, std::string_view rel,
                         std::string_view abs) const {
  if (MatchesAny(name, rel)) return true;
  for (const std::string& d : options_.exclude_abs_dirs) {
    if (abs == d) return true;
  }
  return false;
}

bool Filter::ExcludesFile(std::string_view name, std::string_view rel) const {
  return MatchesAny(name, rel);
}

bool Filter::ExcludesFileIn(std::string_view dir_abs,
                            std::string_view name) const {
  for (const auto& [dir, glob] : own_files_) {
    if (dir == dir_abs && util::GlobMatch(glob, name)) return true;
  }
  return false;
}

}  // namespace phodex::scan
