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

}  // namespace phodex::scan
