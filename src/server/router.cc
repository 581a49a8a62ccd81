#include "server/router.h"

#include <cassert>

namespace phodex::server {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" into {}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start || end != path.size()) {
      out.push_back(path.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

bool IsParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// How well `pattern` matches: -1 no match, else the number of literal
// segments (more literal wins).
int MatchScore(std::string_view pattern, const std::vector<std::string_view>& segs,
               Pairs* params) {
  const std::vector<std::string_view> pat = Segments(pattern);
  if (pat.size() != segs.size()) return -1;
  int literal = 0;
  Pairs found;
  for (size_t i = 0; i < pat.size(); ++i) {
    if (IsParam(pat[i])) {
      if (segs[i].empty()) return -1;
      found.emplace_back(std::string(pat[i].substr(1, pat[i].size() - 2)),
                         std::string(segs[i]));
    } else if (pat[i] == segs[i]) {
      ++literal;
    } else {
      return -1;
    }
  }
  if (params) *params = std::move(found);
  return literal;
}

}  // namespace

void Router::Add(Method method, std::string pattern, Handler handler,
                 bool open) {
  for ([[maybe_unused]] const Route& r : routes_) {
    assert(!(r.method == method && r.pattern == pattern));
  }
  Route route;
  route.method = method;
  route.pattern = std::move(pattern);
  route.open = open;
  route.writes = method != Method::kGet && method != Method::kHead;
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(Method method, std::string_view path) const {
  const std::vector<std::string_view> segs = Segments(path);
  const Method want = method == Method::kHead ? Method::kGet : method;
  Match best;
  int best_score = -1;
  for (const Route& r : routes_) {
    const int score = MatchScore(r.pattern, segs, nullptr);
    if (score < 0) continue;
    if (r.method != want) {
      best.allowed.push_back(r.method);
      continue;
    }
    if (score > best_score) {
      best_score = score;
      best.route = &r;
    }
  }
  if (best.route != nullptr) {
    MatchScore(best.route->pattern, segs, &best.params);
    best.allowed.clear();
  }
  return best;
}

}  // namespace phodex::server
