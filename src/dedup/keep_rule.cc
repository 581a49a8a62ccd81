#include "dedup/keep_rule.h"

#include <algorithm>

#include "os/file_system.h"
#include "util/text.h"

namespace phodex::dedup {
namespace {

// Oldest first, then the shorter path, then the smaller path.
bool OlderFirst(const DuplicateFile& a, const DuplicateFile& b) {
  if (a.mtime != b.mtime) return a.mtime < b.mtime;
  if (a.path.size() != b.path.size()) return a.path.size() < b.path.size();
  return a.path < b.path;
}

bool Matches(const std::string& glob, const DuplicateFile& f) {
  if (glob.find('/') == std::string::npos) {
    return util::GlobMatch(glob, os::BaseName(f.path));
  }
  return util::GlobMatch(glob, f.path);
}

// Index of the best file among `candidates` by `less`.
template <typename Less>
size_t Best(const DuplicateGroup& g, const std::vector<size_t>& candidates,
            Less less) {
  return *std::min_element(
      candidates.begin(), candidates.end(),
      [&](size_t a, size_t b) { return less(g.files[a], g.files[b]); });
}

}  // namespace

Result<KeepRule> ParseKeepRule(std::string_view text) {
  KeepRule r;
  if (text == "oldest") return r;
  if (text == "newest") {
    r.kind = KeepRule::Kind::kNewest;
    return r;
  }
  if (text == "shortest-path") {
    r.kind = KeepRule::Kind::kShortestPath;
    return r;
  }
  for (auto [prefix, kind] :
       {std::pair{std::string_view("root:"), KeepRule::Kind::kRoot},
        std::pair{std::string_view("path-glob:"), KeepRule::Kind::kPathGlob}}) {
    if (text.starts_with(prefix) && text.size() > prefix.size()) {
      r.kind = kind;
      r.arg = std::string(text.substr(prefix.size()));
      return r;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "expected oldest, newest, shortest-path, root:NAME or "
                   "path-glob:GLOB, got '" +
                       std::string(text) + "'",
                   "--keep");
}

KeptCopies ChooseKept(
    const DuplicateGroup& group, const KeepRule& rule,
    const std::function<std::string(const std::string&)>& root_name_of) {
  std::vector<size_t> all(group.files.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  KeptCopies out;
  switch (rule.kind) {
    case KeepRule::Kind::kOldest:
      out.kept = {Best(group, all, OlderFirst)};
      break;
    case KeepRule::Kind::kNewest:
      out.kept = {Best(group, all, [](const auto& a, const auto& b) {
        return a.mtime != b.mtime ? a.mtime > b.mtime
                                        : OlderFirst(a, b);
      })};
      break;
    case KeepRule::Kind::kShortestPath:
      out.kept = {Best(group, all, [](const auto& a, const auto& b) {
        return a.path.size() != b.path.size() ? a.path.size() < b.path.size()
                                              : OlderFirst(a, b);
      })};
      break;
    case KeepRule::Kind::kRoot:
    case KeepRule::Kind::kPathGlob: {
      std::vector<size_t> match;
      for (size_t i : all) {
        const DuplicateFile& f = group.files[i];
        if (rule.kind == KeepRule::Kind::kRoot
                ? root_name_of(f.root_path) == rule.arg
                : Matches(rule.arg, f)) {
          match.push_back(i);
        }
      }
      if (match.empty()) {
        out.why_none = rule.kind == KeepRule::Kind::kRoot
                           ? "no copy in root '" + rule.arg + "'"
                           : "no copy matches '" + rule.arg + "'";
        break;
      }
      std::sort(match.begin(), match.end(), [&](size_t a, size_t b) {
        return OlderFirst(group.files[a], group.files[b]);
      });
      // erase, not resize(1): GCC 12 sees resize's growth path and warns
      // (-Warray-bounds, a false positive) in Release builds.
      if (rule.kind == KeepRule::Kind::kRoot) {
        match.erase(match.begin() + 1, match.end());
      }
      out.kept = std::move(match);
      break;
    }
  }
  return out;
}

}  // namespace phodex::dedup
