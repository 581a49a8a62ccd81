// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/session: how a
// browser gets and drops its session cookie (server/auth.h). Login and
// session are open: the web app asks whether it must show its login.

#include "server/api.h"
#include "server/problem.h"
#include "server/routes.h"

namespace phodex::server {

void AddAuthRoutes(Router& r) {
  r.Add(
      Method::kPost, "/api/v1/login",
      [](Call& call) {
        auto body = nlohmann::json::parse(call.request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() ||
            !body.contains("token") || !body["token"].is_string()) {
          return BadRequest("expected {\"token\": \"...\"}");
        }
        auto session = call.api.auth().Login(body["token"].get<std::string>(),
                                             SteadyNowSeconds());
        if (!session) {
          return Problem(401, "unauthorized", "Unauthorized",
                         "the token is not valid");
        }
        Response res = Json({{"csrf", session->csrf}});
        res.With("Set-Cookie", call.api.auth().CookieFor(*session));
        res.With("Cache-Control", "no-store");
        return res;
      },
      /*open=*/true);
  r.Post("/api/v1/logout", [](Call& call) {
    call.api.auth().Logout(call.request);
    Response res;
    res.status = 204;
    res.With("Set-Cookie", Auth::ClearCookie());
    return res;
  });
  r.Add(
      Method::kGet, "/api/v1/session",
      [](Call& call) {
        auto s = call.api.auth().SessionOf(call.request, SteadyNowSeconds());
        nlohmann::ordered_json j;
        j["auth_required"] = call.api.auth().required();
        j["authenticated"] =
            s.has_value() || call.request.credential == Request::Credential::kToken;
        j["csrf"] = s ? nlohmann::ordered_json(s->csrf) : nullptr;
        return Json(j).With("Cache-Control", "no-store");
      },
      /*open=*/true);
}

}  // namespace phodex::server
