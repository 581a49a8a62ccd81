#include "server/auth.h"

#include <algorithm>

#include "library/api_token.h"

namespace phodex::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "http://host:port" -> "host:port"; "" when it is not an http(s) origin.
std::string_view OriginHost(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.starts_with(scheme)) {
      origin.remove_prefix(scheme.size());
      return origin.substr(0, origin.find('/'));
    }
  }
  return {};
}

Auth::Decision Refuse(int status, std::string slug, std::string detail) {
  Auth::Decision d;
  d.status = status;
  d.slug = std::move(slug);
  d.detail = std::move(detail);
  return d;
}

}  // namespace

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    const std::string_view part = Trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view()
                                            : header.substr(semi + 1);
    const size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return part.substr(eq + 1);
    }
  }
  return {};
}

bool IsLoopbackHost(std::string_view host) {
  // Strip the port: "[::1]:7447", "127.0.0.1:7447", "localhost:7447".
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.starts_with("127.") ||
         host.ends_with(".localhost");
}

void Auth::Configure(AuthOptions options) {
  util::MutexLock l(mu_);
  options_ = std::move(options);
  sessions_.clear();
}

bool Auth::required() const {
  util::MutexLock l(mu_);
  return options_.required;
}

std::optional<Auth::Session> Auth::FindLocked(std::string_view id,
                                              int64_t now_s) const {
  if (id.empty()) return std::nullopt;
  // Constant-time over the stored ids is not needed: an id is 256 random
  // bits looked up in a map, and a miss says nothing about its neighbours.
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.expires_s <= now_s) return std::nullopt;
  return Session{it->first, it->second.csrf};
}

std::optional<Auth::Session> Auth::SessionOf(const Request& req,
                                             int64_t now_s) const {
  util::MutexLock l(mu_);
  return FindLocked(CookieValue(req.Header("cookie"), kSessionCookie), now_s);
}

Auth::Decision Auth::Check(const Request& req, const Route* route,
                           int64_t now_s) const {
  util::MutexLock l(mu_);
  const bool writes = route != nullptr && route->writes;
  // A browser tells where a request comes from; a state-changing one from
  // another site is refused whatever its credentials (CSRF), and so is any
  // request whose Host is not this server on a loopback bind (DNS
  // rebinding: a page of evil.example resolved to 127.0.0.1).
  const std::string_view host = req.Header("host");
  if (!options_.required && !host.empty() && !IsLoopbackHost(host)) {
    return Refuse(403, "bad-host",
                  "this server listens on loopback only; the Host header "
                  "must name it");
  }
  if (writes) {
    const std::string_view origin = req.Header("origin");
    if (!origin.empty() && OriginHost(origin) != host) {
      return Refuse(403, "cross-origin",
                    "a state-changing request from another origin");
    }
    if (origin.empty() && req.Header("sec-fetch-site") == "cross-site") {
      return Refuse(403, "cross-origin",
                    "a state-changing request from another site");
    }
  }
  Decision ok;
  // Bearer token first: it is not ambient, so it needs no CSRF token.
  const std::string_view authz = req.Header("authorization");
  if (authz.size() > 7 && std::equal(authz.begin(), authz.begin() + 7,
                                     "Bearer ", [](char a, char b) {
                                       return std::tolower(static_cast<unsigned char>(a)) ==
                                              std::tolower(static_cast<unsigned char>(b));
                                     })) {
    if (!options_.token.empty() &&
        library::SameToken(Trim(authz.substr(7)), options_.token)) {
      ok.credential = Request::Credential::kToken;
      return ok;
    }
    if (options_.required) {
      return Refuse(401, "unauthorized", "the API token is not valid");
    }
  }
  if (auto s = FindLocked(CookieValue(req.Header("cookie"), kSessionCookie),
                          now_s)) {
    if (writes && !library::SameToken(req.Header(kCsrfHeader), s->csrf)) {
      return Refuse(403, "csrf",
                    "a state-changing request with a session cookie needs "
                    "the session's X-CSRF-Token header");
    }
    ok.credential = Request::Credential::kCookie;
    return ok;
  }
  if (route != nullptr && route->open) {
    ok.credential = Request::Credential::kOpen;
    return ok;
  }
  if (options_.required) {
    return Refuse(401, "unauthorized",
                  "credentials needed: Authorization: Bearer <token> (`phodex "
                  "token` shows it) or a session from POST /api/v1/login");
  }
  ok.credential = Request::Credential::kNone;
  return ok;
}

Result<Auth::Session> Auth::Login(std::string_view token, int64_t now_s) {
  std::string expected;
  {
    util::MutexLock l(mu_);
    expected = options_.token;
  }
  if (expected.empty() || !library::SameToken(token, expected)) {
    return MakeError(ErrorCode::kPermissionDenied, "the token is not valid");
  }
  PHODEX_ASSIGN_OR_RETURN(std::string id, library::RandomSecret(32));
  PHODEX_ASSIGN_OR_RETURN(std::string csrf, library::RandomSecret(32));
  util::MutexLock l(mu_);
  // Expired ones go first, then the oldest while there are too many.
  std::erase_if(sessions_, [&](const auto& e) { return e.second.expires_s <= now_s; });
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(
        sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
          return a.second.created_s < b.second.created_s;
        });
    sessions_.erase(oldest);
  }
  sessions_[id] = Entry{csrf, now_s + options_.session_life.count(), now_s};
  return Session{std::move(id), std::move(csrf)};
}

void Auth::Logout(const Request& req) {
  const std::string_view id = CookieValue(req.Header("cookie"), kSessionCookie);
  util::MutexLock l(mu_);
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

std::string Auth::CookieFor(const Session& s) const {
  util::MutexLock l(mu_);
  return std::string(kSessionCookie) + "=" + s.id +
         "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
         std::to_string(options_.session_life.count());
}

std::string Auth::ClearCookie() {
  return std::string(kSessionCookie) +
         "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
}

}  // namespace phodex::server
