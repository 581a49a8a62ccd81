#pragma once
// The world the API's route tests run in: LibraryTest's catalog, file
// system and library (tests/library/library_fixture.h), a Router with every
// route of /api/v1 and an Api without a running service. Call() sends a
// request to the router as the server would after it let the request in
// (no socket, no auth: tests/server/http_server_test.cc covers those).
// Single-threaded.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "server/api.h"
#include "server/http_types.h"
#include "server/router.h"
#include "tests/library/library_fixture.h"

namespace phodex::server {

class ApiTest : public library::LibraryTest {
 protected:
  ApiTest() { AddApiRoutes(router_); }

  // Routes `target` as the server does (ParseTarget, Router::Find) and
  // calls the handler; 404/405/400 as the server answers them.
  Response Call(Method method, const std::string& target,
                const std::string& body = "", Pairs headers = {}) {
    Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers = std::move(headers);
    req.credential = Request::Credential::kToken;
    if (Status st = ParseTarget(target, req.path, req.query); !st) {
      Response r;
      r.status = 400;
      return r;
    }
    Router::Match m = router_.Find(method, req.path);
    if (m.route == nullptr) {
      Response r;
      r.status = m.allowed.empty() ? 404 : 405;
      return r;
    }
    req.params = std::move(m.params);
    server::Call call{req, *lib_, hooked_api_ ? *hooked_api_ : api_};
    return m.route->handler(call);
  }
  Response Get(const std::string& target) { return Call(Method::kGet, target); }

  // A Library over a catalog connection of its own (for a handler thread
  // of a real server), sharing the fixture's file system, clock and locks.
  Result<std::shared_ptr<library::Library>> OpenExtraLibrary() {
    struct Owned {
      std::unique_ptr<catalog::Catalog> catalog;
      std::unique_ptr<library::Library> library;
    };
    auto owned = std::make_shared<Owned>();
    PHODEX_ASSIGN_OR_RETURN(owned->catalog,
                            catalog::OpenSqliteCatalog(CatalogPath(), {}));
    library::Parts parts;
    parts.catalog = owned->catalog.get();
    parts.fs = fs_.get();
    parts.clock = &clock_;
    parts.locks = &locks_;
    parts.data = data_;
    parts.config = lib_->config();
    owned->library = std::make_unique<library::Library>(std::move(parts));
    library::Library* lib = owned->library.get();
    return std::shared_ptr<library::Library>(std::move(owned), lib);
  }
  Response Post(const std::string& target, const nlohmann::json& body) {
    return Call(Method::kPost, target, body.dump(),
                {{"content-type", "application/json"}});
  }
  // The body as JSON; fails the test when it is not.
  static nlohmann::json Body(const Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }

  // From now on, routes see an Api with these hooks (a running service's).
  void UseHooks(ApiHooks hooks) {
    hooked_api_ = std::make_unique<Api>(std::move(hooks));
  }

  Api api_{ApiHooks{}};
  std::unique_ptr<Api> hooked_api_;
  Router router_;
};

}  // namespace phodex::server
