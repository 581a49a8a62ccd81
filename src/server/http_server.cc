#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <array>
#include <deque>
#include <exception>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "server/problem.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace phodex::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kBodyLimit = 1024 * 1024;
constexpr std::chrono::seconds kIdle{60};
constexpr std::chrono::seconds kWriteTimeout{60};
constexpr std::chrono::seconds kPing{20};
constexpr size_t kPiece = 64 * 1024;

// --- A body streamed from a ByteSource ------------------------------------

struct SourceBody {
  struct value_type {
    std::shared_ptr<ByteSource> source;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  static uint64_t size(const value_type& v) { return v.length; }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;
    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& v)
        : v_(v), pos_(v.offset), end_(v.offset + v.length) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(
        beast::error_code& ec) {
      ec = {};
      if (pos_ >= end_) return boost::none;
      buf_.resize(kPiece);
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(kPiece, end_ - pos_));
      auto got = v_.source->ReadAt(pos_, buf_.data(), want);
      if (!got || *got == 0) {
        // The file shrank or failed mid-way: the connection is cut (the
        // client sees a short body, never wrong bytes).
        ec = http::error::short_read;
        return boost::none;
      }
      pos_ += *got;
      return {{net::const_buffer(buf_.data(), *got), pos_ < end_}};
    }

   private:
    const value_type& v_;
    uint64_t pos_;
    uint64_t end_;
    std::vector<char> buf_;
  };
};

// --- The handler threads ---------------------------------------------------

class HandlerPool {
 public:
  using Task = std::function<void(library::Library&)>;

  HandlerPool(std::vector<std::shared_ptr<library::Library>> libs,
              size_t max_queued)
      : max_queued_(max_queued) {
    for (auto& lib : libs) {
      threads_.emplace_back([this, lib] { Run(*lib); });
    }
  }
  ~HandlerPool() { Stop(); }

  // False when the queue is full or the pool stopped.
  bool Submit(Task task) {
    util::MutexLock l(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
    cv_.NotifyOne();
    return true;
  }

  // The tasks not begun are dropped; those running finish.
  void Stop() {
    {
      util::MutexLock l(mu_);
      stopping_ = true;
      queue_.clear();
      cv_.NotifyAll();
    }
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void Run(library::Library& lib) {
    for (;;) {
      Task task;
      {
        util::MutexLock l(mu_);
        while (!stopping_ && queue_.empty()) cv_.Wait(mu_);
        if (stopping_) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task(lib);
    }
  }

  const size_t max_queued_;
  util::Mutex mu_;
  util::CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::deque<Task> queue_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// --- Requests in and responses out -------------------------------------------

// Runs the route, turning an escaped exception into a problem.
Response RunRoute(const Route& route, Call& call) {
  try {
    return route.handler(call);
  } catch (const nlohmann::json::exception& e) {
    return BadRequest(std::string("the request's JSON is not as expected: ") +
                      e.what());
  } catch (const std::exception& e) {
    Response r = Problem(500, "internal", "Internal error",
                         "see the service's log");
    r.log_detail = e.what();
    return r;
  }
}

std::string FormatEvents(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) {
    out += "id: " + std::to_string(e.id) + "\nevent: " + e.type +
           "\ndata: " + e.data + "\n\n";
  }
  return out;
}

class ServerImpl;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerImpl& server)
      : stream_(std::move(socket)), server_(server), ping_(stream_.get_executor()) {}
  ~Session();

  void Start();
  void Close();

 private:
  void DoRead();
  void OnRead(beast::error_code ec, size_t);
  void Dispatch(Request req);
  void Send(Response res);
  template <class Message>
  void Write(std::shared_ptr<Message> msg);
  void AfterWrite(bool close, beast::error_code ec);
  void SendError(int status, std::string_view slug, std::string_view title);
  // Event streams.
  void StartEvents(const Response& res);
  void PumpEvents();
  void SchedulePing();
  // A read that only ends when the client goes (it sends nothing more):
  // it holds the stream's session alive and closes it then.
  void WatchForHangUp();

  beast::tcp_stream stream_;
  ServerImpl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request being answered.
  bool keep_alive_ = false;
  unsigned version_ = 11;
  Method method_ = Method::kGet;
  std::string route_;
  Clock::time_point started_;
  bool closed_ = false;
  // Event stream state.
  bool streaming_ = false;
  bool writing_ = false;
  int64_t last_event_ = 0;
  int64_t subscription_ = 0;
  std::string out_;
  net::steady_timer ping_;
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const Router& router, Api& api, ServerOptions options)
      : router_(router), api_(api), options_(std::move(options)),
        acceptor_(ioc_) {}
  ~ServerImpl() override { Stop(); }

  Status Bind();
  void Begin(std::vector<std::shared_ptr<library::Library>> libs);
  int port() const override { return port_; }
  void Stop() override;

  const Router& router() const { return router_; }
  Api& api() { return api_; }
  net::io_context& ioc() { return ioc_; }
  HandlerPool& pool() { return *pool_; }
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  void Warn(std::string_view what) {
    if (options_.log_warning) options_.log_warning(what);
  }

  // A session is made on the loop thread, but its last reference may go
  // on a handler thread (or at Stop), hence the lock.
  void Add(const std::shared_ptr<Session>& s) {
    util::MutexLock l(sessions_mu_);
    sessions_.insert(s.get());
  }
  void Remove(Session* s) {
    util::MutexLock l(sessions_mu_);
    sessions_.erase(s);
  }
  size_t SessionCount() {
    util::MutexLock l(sessions_mu_);
    return sessions_.size();
  }
  // On the loop thread: every session closed.
  void CloseAll();

 private:
  void Accept();

  const Router& router_;
  Api& api_;
  const ServerOptions options_;
  // Before ioc_: sessions destroyed with the loop's pending work still
  // remove themselves from it.
  util::Mutex sessions_mu_;
  std::set<Session*> sessions_ GUARDED_BY(sessions_mu_);
  std::unique_ptr<HandlerPool> pool_;
  net::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::thread loop_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
};

Session::~Session() {
  if (subscription_ != 0) server_.api().events().Unsubscribe(subscription_);
  server_.Remove(this);
}

void Session::Start() {
  server_.Add(shared_from_this());
  DoRead();
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  ping_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

void Session::DoRead() {
  if (closed_ || server_.stopping()) return Close();
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(kBodyLimit);
  stream_.expires_after(kIdle);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::OnRead,
                                             shared_from_this()));
}

void Session::SendError(int status, std::string_view slug,
                        std::string_view title) {
  keep_alive_ = false;
  Send(Problem(status, slug, title));
}

void Session::OnRead(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == beast::error::timeout || ec == net::error::eof ||
      ec == net::error::connection_reset) {
    return Close();
  }
  started_ = Clock::now();
  method_ = Method::kOther;
  route_.clear();
  version_ = 11;
  if (ec == http::error::body_limit) {
    return SendError(413, "too-large", "The request body is too large");
  }
  if (ec == http::error::header_limit) {
    return SendError(431, "too-large", "The request head is too large");
  }
  if (ec) return SendError(400, "bad-request", "Not an HTTP request");
  http::request<http::string_body> msg = parser_->release();
  keep_alive_ = msg.keep_alive();
  version_ = msg.version();
  Request req;
  req.method = MethodFromName(std::string_view(msg.method_string()));
  method_ = req.method;
  req.target = std::string(msg.target());
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.body = std::move(msg.body());
  Dispatch(std::move(req));
}

void Session::Dispatch(Request req) {
  if (Status st = ParseTarget(req.target, req.path, req.query); !st) {
    return Send(BadRequest(st.error().message()));
  }
  Router::Match match = server_.router().Find(req.method, req.path);
  const Auth::Decision d =
      server_.api().auth().Check(req, match.route, SteadyNowSeconds());
  if (d.status != 200) {
    Response r = Problem(d.status, d.slug,
                         d.status == 401 ? "Unauthorized" : "Forbidden",
                         d.detail);
    if (d.status == 401) r.With("WWW-Authenticate", "Bearer");
    return Send(std::move(r));
  }
  if (match.route == nullptr) {
    if (match.allowed.empty()) return Send(NotFound());
    std::string allow;
    for (Method m : match.allowed) {
      allow += (allow.empty() ? "" : ", ") + std::string(MethodName(m));
    }
    return Send(Problem(405, "method-not-allowed", "Method not allowed")
                    .With("Allow", allow));
  }
  route_ = match.route->pattern;
  req.params = std::move(match.params);
  req.credential = d.credential;
  const Route* route = match.route;
  auto self = shared_from_this();
  const bool queued = server_.pool().Submit(
      [self, route, req = std::move(req)](library::Library& lib) mutable {
        Call call{req, lib, self->server_.api()};
        Response res = RunRoute(*route, call);
        // The reference goes with the answer, so the session's last one
        // is dropped on the loop thread, not here.
        net::io_context& ioc = self->server_.ioc();
        net::post(ioc, [self = std::move(self), res = std::move(res)]() mutable {
          self->Send(std::move(res));
        });
      });
  if (!queued) {
    Send(Problem(503, "overloaded", "The server is busy")
             .With("Retry-After", "1"));
  }
}

void Session::Send(Response res) {
  if (closed_) return;
  if (!res.log_detail.empty()) {
    server_.Warn("API " + route_ + ": " + res.log_detail);
  }
  if (server_.options().observe) {
    server_.options().observe(
        route_, method_, res.status,
        std::chrono::duration<double>(Clock::now() - started_).count());
  }
  if (res.events_after && res.status == 200) return StartEvents(res);
  auto fill = [&](auto& msg) {
    msg.version(version_);
    msg.result(static_cast<unsigned>(res.status));
    msg.keep_alive(keep_alive_);
    if (!res.content_type.empty()) {
      msg.set(http::field::content_type, res.content_type);
    }
    msg.set("X-Content-Type-Options", "nosniff");
    bool cache_set = false;
    for (const auto& [k, v] : res.headers) {
      msg.insert(k, v);
      if (beast::iequals(k, "cache-control")) cache_set = true;
    }
    if (!cache_set) msg.set(http::field::cache_control, "no-store");
  };
  const bool head = method_ == Method::kHead;
  if (res.file && !head) {
    auto msg = std::make_shared<http::response<SourceBody>>();
    fill(*msg);
    msg->body().source = res.file->source;
    msg->body().offset = static_cast<uint64_t>(res.file->offset);
    msg->body().length = static_cast<uint64_t>(res.file->length);
    msg->prepare_payload();
    return Write(msg);
  }
  if (head) {
    // The head a GET would get, with its Content-Length, and no body.
    auto msg = std::make_shared<http::response<http::empty_body>>();
    fill(*msg);
    msg->content_length(res.file ? static_cast<uint64_t>(res.file->length)
                                 : res.body.size());
    return Write(msg);
  }
  auto msg = std::make_shared<http::response<http::string_body>>();
  fill(*msg);
  msg->body() = std::move(res.body);
  msg->prepare_payload();
  Write(msg);
}

template <class Message>
void Session::Write(std::shared_ptr<Message> msg) {
  stream_.expires_after(kWriteTimeout);
  const bool close = msg->need_eof() || !keep_alive_;
  http::async_write(
      stream_, *msg,
      [self = shared_from_this(), msg, close](beast::error_code ec, size_t) {
        self->AfterWrite(close, ec);
      });
}

void Session::AfterWrite(bool close, beast::error_code ec) {
  if (ec || close || server_.stopping()) return Close();
  DoRead();
}

// --- Event streams ------------------------------------------------------------

void Session::StartEvents(const Response& res) {
  streaming_ = true;
  last_event_ = *res.events_after;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: "
                     "nosniff\r\nConnection: close\r\n";
  for (const auto& [k, v] : res.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  // The server's retry hint for EventSource, then whatever is pending.
  out_ = std::move(head) + "retry: 2000\n\n";
  std::weak_ptr<Session> weak = shared_from_this();
  net::io_context& ioc = server_.ioc();
  subscription_ = server_.api().events().Subscribe([weak, &ioc] {
    net::post(ioc, [weak] {
      if (auto self = weak.lock()) self->PumpEvents();
    });
  });
  SchedulePing();
  WatchForHangUp();
  PumpEvents();
}

void Session::WatchForHangUp() {
  stream_.expires_never();
  auto sink = std::make_shared<std::array<char, 512>>();
  stream_.socket().async_read_some(
      net::buffer(*sink),
      [self = shared_from_this(), sink](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->WatchForHangUp();  // a client that talks is ignored
      });
}

void Session::PumpEvents() {
  if (closed_ || writing_) return;
  if (server_.stopping()) return Close();
  const std::vector<Event> events = server_.api().events().After(last_event_);
  if (!events.empty()) {
    out_ += FormatEvents(events);
    last_event_ = events.back().id;
  }
  if (out_.empty()) return;
  writing_ = true;
  auto data = std::make_shared<std::string>(std::move(out_));
  out_.clear();
  stream_.expires_after(kWriteTimeout);
  net::async_write(stream_, net::buffer(*data),
                   [self = shared_from_this(), data](beast::error_code ec,
                                                     size_t) {
                     self->writing_ = false;
                     if (ec) return self->Close();
                     self->PumpEvents();
                   });
}

void Session::SchedulePing() {
  ping_.expires_after(kPing);
  ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    // A comment line: keeps proxies from timing the stream out and finds a
    // client that is gone.
    self->out_ += ": ping\n\n";
    self->PumpEvents();
    self->SchedulePing();
  });
}

// --- The server -----------------------------------------------------------------

Status ServerImpl::Bind() {
  beast::error_code ec;
  net::ip::address address;
  if (options_.host == "localhost") {
    address = net::ip::make_address("127.0.0.1");
  } else {
    address = net::ip::make_address(options_.host, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "not a numeric address: " + options_.host +
                           " (give an IPv4 or IPv6 address, or localhost)");
    }
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    const ErrorCode code = ec == net::error::address_in_use ? ErrorCode::kAlreadyExists
                           : ec == net::error::access_denied
                               ? ErrorCode::kPermissionDenied
                           : ec == boost::system::errc::address_not_available
                               ? ErrorCode::kInvalidArgument
                               : ErrorCode::kIo;
    return MakeError(code, "cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void ServerImpl::Begin(std::vector<std::shared_ptr<library::Library>> libs) {
  pool_ = std::make_unique<HandlerPool>(std::move(libs), options_.max_queued);
  Accept();
  loop_ = std::thread([this] {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        Warn(std::string("HTTP server: ") + e.what());
      }
    }
  });
}

void ServerImpl::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping_) return;
      // Out of file descriptors and the like: wait a little, go on.
      Warn("HTTP server: accept: " + ec.message());
    } else if (SessionCount() >= options_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(std::move(socket), *this)->Start();
    }
    if (!stopping_) Accept();
  });
}

void ServerImpl::CloseAll() {
  // Each alive session, held while it is closed (one going away meanwhile
  // is skipped).
  std::vector<std::shared_ptr<Session>> all;
  {
    util::MutexLock l(sessions_mu_);
    for (Session* s : sessions_) {
      if (auto held = s->weak_from_this().lock()) all.push_back(std::move(held));
    }
  }
  for (const auto& s : all) s->Close();
}

void ServerImpl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  std::promise<void> closed;
  if (loop_.joinable()) {
    // Close the listener and every connection on the loop thread; wait
    // for it a little (a loop stuck in a read of a dead NAS is not waited
    // for: the stop must take under 2 s).
    net::post(ioc_, [this, &closed] {
      beast::error_code ec;
      acceptor_.close(ec);
      CloseAll();
      closed.set_value();
    });
    closed.get_future().wait_for(std::chrono::seconds(1));
  }
  if (pool_) pool_->Stop();
  if (loop_.joinable()) {
    // `closed` outlives the loop: after the join the posted work either
    // ran or never will (a stopped io_context destroys it unrun).
    ioc_.stop();
    loop_.join();
  }
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const Router& router,
                                                      Api& api,
                                                      ServerOptions options) {
  if (!options.open_library) {
    return MakeError(ErrorCode::kInvalidArgument, "no library factory");
  }
  std::vector<std::shared_ptr<library::Library>> libs;
  for (int i = 0; i < std::max(1, options.handler_threads); ++i) {
    PHODEX_ASSIGN_OR_RETURN(auto lib, options.open_library());
    libs.push_back(std::move(lib));
  }
  auto server = std::make_unique<ServerImpl>(router, api, std::move(options));
  PHODEX_TRY(server->Bind());
  server->Begin(std::move(libs));
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace phodex::server
