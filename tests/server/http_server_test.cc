// The HTTP server on loopback (server/http_server.h) with every route of
// the API over a real catalog: keep-alive, limits, errors as problem
// details, authentication on a non-loopback configuration, the loopback
// guards (Host, Origin), streaming originals with Range and ETag, event
// streams with resume, and a stop with streams open.

#include "server/http_server.h"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Reads one response from `s` (Content-Length bodies; a body without one
// runs to the close). Leaves the connection open for the next.
Reply ReadReply(tcp::socket& s, std::string& pending, bool head = false) {
  Reply r;
  boost::system::error_code ec;
  while (pending.find("\r\n\r\n") == std::string::npos) {
    char buf[4096];
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) return r;
    pending.append(buf, n);
  }
  const size_t end = pending.find("\r\n\r\n");
  const std::string head_text = pending.substr(0, end);
  pending.erase(0, end + 4);
  size_t line_end = head_text.find("\r\n");
  const std::string status_line = head_text.substr(0, line_end);
  r.status = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const size_t next = head_text.find("\r\n", line_end + 2);
    const std::string line = head_text.substr(line_end + 2, next - line_end - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      r.headers[name] = line.substr(colon + 2);
    }
    line_end = next;
  }
  if (head || r.status == 304 || r.status == 204) return r;
  if (r.headers.count("content-length")) {
    const size_t len = std::stoul(r.headers["content-length"]);
    while (pending.size() < len) {
      char buf[65536];
      const size_t n = s.read_some(net::buffer(buf), ec);
      if (ec) break;
      pending.append(buf, n);
    }
    r.body = pending.substr(0, len);
    pending.erase(0, len);
  } else {
    for (;;) {
      char buf[4096];
      const size_t n = s.read_some(net::buffer(buf), ec);
      if (ec) break;
      pending.append(buf, n);
    }
    r.body = std::move(pending);
    pending.clear();
  }
  return r;
}

class HttpServerTest : public ApiTest {
 protected:
  void StartServer(AuthOptions auth = {}) {
    api_.auth().Configure(std::move(auth));
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.open_library = [this] { return OpenExtraLibrary(); };
    auto s = HttpServer::Start(router_, api_, std::move(o));
    ASSERT_TRUE(s) << s.error().ToString();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  tcp::socket Connect() {
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                            static_cast<unsigned short>(server_->port())));
    return s;
  }
  // One request on a new connection. `extra` are whole header lines.
  Reply Send(const std::string& method, const std::string& target,
             const std::string& extra = "", const std::string& body = "") {
    tcp::socket s = Connect();
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                      extra + "Content-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body;
    net::write(s, net::buffer(req));
    std::string pending;
    return ReadReply(s, pending, method == "HEAD");
  }

  net::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveAnswersSeveralRequestsOnOneConnection) {
  StartServer();
  tcp::socket s = Connect();
  std::string pending;
  for (int i = 0; i < 3; ++i) {
    const std::string req =
        "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    net::write(s, net::buffer(req));
    const Reply r = ReadReply(s, pending);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"ok\":true"), std::string::npos) << r.body;
  }
}

TEST_F(HttpServerTest, ErrorsAreProblemDetails) {
  StartServer();
  Reply r = Send("GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  EXPECT_NE(r.body.find("urn:phodex:problem:not-found"), std::string::npos);
  r = Send("DELETE", "/api/v1/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET");
  for (const char* bad : {"/api/v1/../../etc/passwd", "/api/v1/files/%2e%2e",
                          "/api/v1/files/1%00", "/api/v1/%zz"}) {
    r = Send("GET", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << bad;
  }
  // Not HTTP at all: 400, and the connection is closed.
  tcp::socket s = Connect();
  net::write(s, net::buffer(std::string("HELLO\r\n\r\n")));
  std::string pending;
  EXPECT_EQ(ReadReply(s, pending).status, 400);
}

TEST_F(HttpServerTest, OversizedRequestsAreRefused) {
  StartServer();
  // Refused from its head, before a byte of the body is read.
  tcp::socket big = Connect();
  net::write(big, net::buffer(std::string(
                      "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 2097152\r\n\r\n")));
  std::string pending;
  Reply r = ReadReply(big, pending);
  EXPECT_EQ(r.status, 413);
  r = Send("GET", "/api/v1/health",
           "X-Big: " + std::string(32 * 1024, 'y') + "\r\n");
  EXPECT_EQ(r.status, 431);
}

TEST_F(HttpServerTest, OffLoopbackEveryRequestNeedsCredentials) {
  AuthOptions auth;
  auth.required = true;
  auth.token = std::string(64, 'a');
  StartServer(auth);
  // No credentials, a wrong token, a malformed header: 401 and no data.
  Reply r = Send("GET", "/api/v1/files");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(r.body.find("\"files\""), std::string::npos);
  r = Send("GET", "/api/v1/files",
           "Authorization: Bearer " + std::string(64, 'b') + "\r\n");
  EXPECT_EQ(r.status, 401);
  r = Send("GET", "/api/v1/files", "Authorization: Basic YTpi\r\n");
  EXPECT_EQ(r.status, 401);
  // Not even whether a route exists.
  EXPECT_EQ(Send("GET", "/api/v1/nothing").status, 401);
  // The token lets in; the open routes need none.
  r = Send("GET", "/api/v1/files",
           "Authorization: Bearer " + std::string(64, 'a') + "\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Send("GET", "/api/v1/health").status, 200);
  EXPECT_EQ(Send("GET", "/api/v1/openapi.json").status, 200);

  // A browser: a wrong login, then a right one; the cookie lets it read,
  // but a write needs the CSRF token too.
  r = Send("POST", "/api/v1/login", "Content-Type: application/json\r\n",
           R"({"token": "nope"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.Header("set-cookie").empty());
  r = Send("POST", "/api/v1/login", "Content-Type: application/json\r\n",
           R"({"token": ")" + std::string(64, 'a') + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string set_cookie = r.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = nlohmann::json::parse(r.body)["csrf"];
  r = Send("GET", "/api/v1/files", "Cookie: " + cookie + "\r\n");
  EXPECT_EQ(r.status, 200);
  r = Send("POST", "/api/v1/logout", "Cookie: " + cookie + "\r\n");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("csrf"), std::string::npos);
  r = Send("POST", "/api/v1/logout",
           "Cookie: " + cookie + "\r\nX-CSRF-Token: " + std::string(64, '0') +
               "\r\n");
  EXPECT_EQ(r.status, 403);
  r = Send("POST", "/api/v1/logout",
           "Cookie: " + cookie + "\r\nX-CSRF-Token: " + csrf + "\r\n");
  EXPECT_EQ(r.status, 204);
  // The session is gone.
  EXPECT_EQ(Send("GET", "/api/v1/files", "Cookie: " + cookie + "\r\n").status,
            401);
}

TEST_F(HttpServerTest, OnLoopbackOtherSitesCannotReachIt) {
  StartServer();
  // DNS rebinding: a name that is not this machine's.
  tcp::socket s = Connect();
  net::write(s, net::buffer(std::string(
                    "GET /api/v1/files HTTP/1.1\r\nHost: evil.example:7447\r\n"
                    "Connection: close\r\n\r\n")));
  std::string pending;
  EXPECT_EQ(ReadReply(s, pending).status, 403);
  // A cross-site write.
  Reply r = Send("POST", "/api/v1/logout", "Origin: http://evil.example\r\n");
  EXPECT_EQ(r.status, 403);
  r = Send("POST", "/api/v1/logout", "Sec-Fetch-Site: cross-site\r\n");
  EXPECT_EQ(r.status, 403);
  // The same origin may.
  r = Send("POST", "/api/v1/logout", "Origin: http://127.0.0.1\r\n");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(Send("GET", "/api/v1/files").status, 200);
}

TEST_F(HttpServerTest, OriginalsStreamWithRangesAndValidators) {
  OpenAndScan();
  std::string bytes;
  for (int i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>('a' + i % 26));
  WriteJpeg("big.jpg", bytes);
  Rescan();
  const std::string whole = std::string("\xFF\xD8\xFF\xE0", 4) + bytes;
  StartServer();
  auto row = catalog_->FindFile(root_.id, "big.jpg");
  ASSERT_TRUE(row && *row);
  const std::string url =
      "/api/v1/files/" + std::to_string((*row)->id.value) + "/original";
  Reply r = Send("GET", url);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, whole);
  EXPECT_EQ(r.Header("accept-ranges"), "bytes");
  const std::string etag = r.Header("etag");
  ASSERT_FALSE(etag.empty());
  // First byte, middle, suffix, open end, past the end.
  r = Send("GET", url, "Range: bytes=0-0\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, whole.substr(0, 1));
  EXPECT_EQ(r.Header("content-range"),
            "bytes 0-0/" + std::to_string(whole.size()));
  r = Send("GET", url, "Range: bytes=1000-70999\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, whole.substr(1000, 70000));
  r = Send("GET", url, "Range: bytes=-10\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, whole.substr(whole.size() - 10));
  r = Send("GET", url, "Range: bytes=299990-\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, whole.substr(299990));
  r = Send("GET", url, "Range: bytes=" + std::to_string(whole.size()) + "-\r\n");
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("content-range"), "bytes */" + std::to_string(whole.size()));
  // Unchanged: 304 without a body.
  r = Send("GET", url, "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(r.status, 304);
  // HEAD: the length, no body.
  r = Send("HEAD", url);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), std::to_string(whole.size()));
  // A file changed behind the catalog's back is not served as the old one.
  WriteJpeg("big.jpg", "shorter");
  r = Send("GET", url);
  EXPECT_EQ(r.status, 409);
  // Ids are ids.
  for (const char* bad : {"/api/v1/files/0/original", "/api/v1/files/-1/original",
                          "/api/v1/files/abc/original",
                          "/api/v1/files/99999999999999999999/original",
                          "/api/v1/files/424242/original"}) {
    EXPECT_EQ(Send("GET", bad).status, 404) << bad;
  }
}

TEST_F(HttpServerTest, EventsStreamAndResumeFromTheLastId) {
  StartServer();
  const int64_t first = api_.events().Publish("scan", {{"n", 1}});
  api_.events().Publish("scan", {{"n", 2}});
  // A client that saw the first gets the second at once, then new ones.
  tcp::socket s = Connect();
  net::write(s, net::buffer(
                    "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Last-Event-ID: " + std::to_string(first) + "\r\n\r\n"));
  std::string got;
  auto read_until = [&](const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.find(what) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      boost::system::error_code ec;
      const size_t n = s.read_some(net::buffer(buf), ec);
      if (ec) break;
      got.append(buf, n);
    }
    return got.find(what) != std::string::npos;
  };
  ASSERT_TRUE(read_until("{\"n\":2}")) << got;
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  EXPECT_EQ(got.find("{\"n\":1}"), std::string::npos) << got;
  api_.events().Publish("file", {{"n", 3}});
  ASSERT_TRUE(read_until("event: file\ndata: {\"n\":3}")) << got;
  // A stop with the stream open ends it promptly.
  const auto t0 = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_FALSE(read_until("never"));
}

TEST_F(HttpServerTest, AResumeOlderThanWhatIsKeptGetsAReset) {
  StartServer();
  for (size_t i = 0; i < EventHub::kKeep + 10; ++i) {
    api_.events().Publish("job", {{"i", i}});
  }
  tcp::socket s = Connect();
  net::write(s, net::buffer(std::string(
                    "GET /api/v1/events?after=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")));
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find("event: reset") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    boost::system::error_code ec;
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  EXPECT_NE(got.find("event: reset"), std::string::npos) << got;
}

TEST_F(HttpServerTest, ASecondServerOnTheSamePortIsRefusedClearly) {
  StartServer();
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = server_->port();
  o.open_library = [this] { return OpenExtraLibrary(); };
  auto second = HttpServer::Start(router_, api_, std::move(o));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(second.error().message().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace phodex::server
