#pragma once
// Who may call the API (docs/api.md, "Authentication"). On a loopback bind
// (the default) every request is let in, but a state-changing one only
// from the same origin, and only with a loopback Host header (a page on
// another site cannot post to it, nor reach it by DNS rebinding). On any
// other bind every request needs credentials, whatever address it comes
// from, except the open routes (login, the web app's files):
//  - `Authorization: Bearer <token>` (library/api_token.h), or
//  - the session cookie POST /api/v1/login sets (HttpOnly, SameSite=Strict),
//    and then, for a state-changing request, the session's CSRF token in
//    the X-CSRF-Token header.
// Sessions live in memory: a restart logs browsers out. Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "server/http_types.h"
#include "server/router.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::server {

inline constexpr std::string_view kSessionCookie = "phodex_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

struct AuthOptions {
  // A non-loopback bind: credentials on every request but the open ones.
  bool required = false;
  // The API token; empty: none (then only loopback binds work).
  std::string token;
  // How long a login lasts, and how many sessions are kept (the oldest
  // goes first).
  std::chrono::seconds session_life{std::chrono::hours(24 * 30)};
  size_t max_sessions = 256;
};

class Auth {
 public:
  explicit Auth(AuthOptions options = {}) : options_(std::move(options)) {}
  // Replaces the options (before the server starts); sessions are dropped.
  void Configure(AuthOptions options);

  struct Decision {
    int status = 200;  // 200 let in; 401 no or bad credentials; 403
                       // cross-origin, bad Host or missing CSRF token
    std::string slug;  // the problem's type when refused
    std::string detail;
    Request::Credential credential = Request::Credential::kNone;
  };
  // What to do with `req` for `route` (null: no route; then only whether
  // the caller may learn that: a 404 needs credentials too). `now` in
  // steady seconds.
  Decision Check(const Request& req, const Route* route,
                 int64_t now_s) const;

  struct Session {
    std::string id;
    std::string csrf;
  };
  // A new session for a caller that gave the right token; kPermissionDenied
  // otherwise (the same answer for a wrong and a missing token).
  Result<Session> Login(std::string_view token, int64_t now_s);
  // Ends the session `req`'s cookie names, if any.
  void Logout(const Request& req);
  // The session `req`'s cookie names, if valid now.
  std::optional<Session> SessionOf(const Request& req, int64_t now_s) const;
  // "phodex_session=ID; HttpOnly; SameSite=Strict; Path=/; Max-Age=N".
  std::string CookieFor(const Session& s) const;
  // An expired cookie, for logout.
  static std::string ClearCookie();

  bool required() const;

 private:
  struct Entry {
    std::string csrf;
    int64_t expires_s = 0;
    int64_t created_s = 0;
  };
  std::optional<Session> FindLocked(std::string_view id, int64_t now_s) const
      REQUIRES(mu_);

  mutable util::Mutex mu_;
  AuthOptions options_ GUARDED_BY(mu_);
  std::map<std::string, Entry, std::less<>> sessions_ GUARDED_BY(mu_);
};

// The value of cookie `name` in a Cookie header ("" when absent).
std::string_view CookieValue(std::string_view header, std::string_view name);
// Whether a Host header names this machine's loopback ("localhost",
// "127.0.0.1", "[::1]", with or without a port).
bool IsLoopbackHost(std::string_view host);

}  // namespace phodex::server
