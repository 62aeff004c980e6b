// HttpServer and its connections.
#include "http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/logging.h"
#include "net/connection.h"
#include "net/socket_util.h"

namespace cachet {

class HttpServer::Conn : public Connection {
 public:
  Conn(EventLoop* loop, int fd, HttpServer* server)
      : Connection(loop, fd), server_(server), parser_(server->options_.limits) {
    last_activity_ms_ = MonotonicUs() / 1000;
  }

  // Closes the connection if it idled past the timeout, or answers 408 when the request in
  // progress has taken longer than that to arrive (however steadily it dribbles in).
  void CheckTimeout(int64_t now_ms) {
    if (closed() || failed_) return;
    int64_t timeout = server_->options_.timeout_ms;
    if (parser_.InRequest()) {
      if (now_ms - request_start_ms_ < timeout) return;
      Fail(408, "the request took longer than " + std::to_string(timeout / 1000) + " s to arrive");
    } else if (now_ms - last_activity_ms_ >= timeout) {
      Close();  // idle, or not reading what it asked for
    }
  }

 protected:
  size_t OnInput(std::string_view data) override {
    last_activity_ms_ = MonotonicUs() / 1000;
    // A client that keeps sending without reading its replies is cut off: replies queue here.
    if (pending_output() > kMaxQueuedOutput) {
      Close();
      return data.size();
    }
    bool was_in_request = parser_.InRequest();
    std::vector<HttpRequest> requests;
    int status = parser_.Feed(data, &requests);
    // A request that began in this read (after any that completed) starts its clock now.
    if (parser_.InRequest() && (!was_in_request || !requests.empty())) {
      request_start_ms_ = last_activity_ms_;
    }
    for (const HttpRequest& request : requests) {
      server_->stats_.requests.fetch_add(1, std::memory_order_relaxed);
      HttpResponse response = server_->handler_(request);
      if (request.method == "HEAD") response.omit_body = true;
      server_->Count(response.status);
      AppendHttpResponse(response, request.keep_alive, output());
      if (!request.keep_alive) {
        CloseAfterReply();
        return data.size();
      }
    }
    if (status != 0) Fail(status, parser_.error());  // after the good requests' replies
    return data.size();
  }

  void OnClosed() override {
    server_->stats_.connections.fetch_sub(1, std::memory_order_relaxed);
    server_->conns_.erase(this);
  }

 private:
  void Fail(int status, const std::string& message) {
    failed_ = true;
    HttpResponse response = server_->error_body_(status, message);
    server_->Count(status);
    AppendHttpResponse(response, false, output());
    CloseAfterReply();
  }

  HttpServer* server_;
  HttpRequestParser parser_;
  int64_t last_activity_ms_ = 0;
  int64_t request_start_ms_ = 0;
  bool failed_ = false;  // an error reply is queued and the connection closes after it
  static constexpr size_t kMaxQueuedOutput = 8 * 1024 * 1024;
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, ErrorBody error_body, Tick tick)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      error_body_(std::move(error_body)),
      tick_(std::move(tick)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  int fd = ListenTcp(options_.host, options_.port, 128, error);
  if (fd < 0) {
    *error = "HTTP port: " + *error;
    return false;
  }
  port_ = BoundPort(fd);
  loop_ = std::make_unique<EventLoop>(-1);
  listener_ = std::make_unique<Listener>(loop_.get(), fd, [this](int cfd) { Accept(cfd); });
  listener_->Start();
  loop_->AddPeriodic(1000, [this] {
    CheckTimeouts();
    listener_->ResumeIfPaused();
    if (tick_) tick_();
  });
  EventLoop* loop = loop_.get();
  thread_ = std::thread([loop] { loop->Run(); });
  LOG_NOTICE("HTTP admin API on http://%s:%d/", options_.host.c_str(), port_);
  return true;
}

void HttpServer::Stop() {
  if (!loop_) return;
  loop_->Stop();
  if (thread_.joinable()) thread_.join();
  for (auto& [raw, conn] : std::unordered_map<Conn*, std::shared_ptr<Conn>>(conns_)) {
    if (!conn->closed()) conn->Close();
  }
  loop_->Drain();
  conns_.clear();
  listener_.reset();
  loop_.reset();
}

void HttpServer::Accept(int fd) {
  if (conns_.size() >= options_.max_connections) {
    std::string out;
    AppendHttpResponse(error_body_(503, "too many HTTP connections"), false, &out);
    ssize_t ignored = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    (void)ignored;
    close(fd);
    Count(503);
    return;
  }
  auto conn = std::make_shared<Conn>(loop_.get(), fd, this);
  conns_[conn.get()] = conn;
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
  stats_.connections_total.fetch_add(1, std::memory_order_relaxed);
  conn->Start();
}

void HttpServer::CheckTimeouts() {
  int64_t now = MonotonicUs() / 1000;
  std::vector<std::shared_ptr<Conn>> all;
  all.reserve(conns_.size());
  for (auto& [raw, conn] : conns_) all.push_back(conn);
  for (auto& conn : all) {
    conn->CheckTimeout(now);
    conn->Flush();
  }
}

void HttpServer::Count(int status) {
  auto& counter = status >= 500   ? stats_.responses_5xx
                  : status >= 400 ? stats_.responses_4xx
                                  : stats_.responses_2xx;
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace cachet
