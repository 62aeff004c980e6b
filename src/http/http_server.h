// HttpServer: HTTP/1.1 on its own thread and event loop (so admin traffic never delays RESP
// clients): accepts up to max_connections, parses requests with HttpRequestParser, hands each
// to the handler in order, writes the responses (keep-alive, pipelining), and closes
// connections that stay idle or take too long to send a request (408). Limit violations are
// answered with the error body the handler's ErrorBody makes, then the connection closes.
//
// Thread-safety: Start/Stop from the owning thread; the handler runs on the HTTP thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "http/http_message.h"
#include "http/request_parser.h"
#include "net/event_loop.h"
#include "net/listener.h"

namespace cachet {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8379;
  HttpLimits limits;
  int64_t timeout_ms = 10'000;
  size_t max_connections = 256;
};

struct HttpServerStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> responses_2xx{0};
  std::atomic<uint64_t> responses_4xx{0};
  std::atomic<uint64_t> responses_5xx{0};
  std::atomic<uint64_t> connections{0};  // open now
  std::atomic<uint64_t> connections_total{0};
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // The response for an error the server itself detects (status, message).
  using ErrorBody = std::function<HttpResponse(int status, const std::string& message)>;
  // Runs every second on the HTTP thread (alert evaluation).
  using Tick = std::function<void()>;

  HttpServer(HttpServerOptions options, Handler handler, ErrorBody error_body, Tick tick);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the thread. False with *error when the port cannot be bound.
  bool Start(std::string* error);
  void Stop();
  int port() const { return port_; }
  const HttpServerStats& stats() const { return stats_; }

 private:
  class Conn;
  void Accept(int fd);
  void CheckTimeouts();
  void Count(int status);

  HttpServerOptions options_;
  Handler handler_;
  ErrorBody error_body_;
  Tick tick_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Listener> listener_;
  std::thread thread_;
  std::unordered_map<Conn*, std::shared_ptr<Conn>> conns_;  // HTTP thread only
  int port_ = 0;
  HttpServerStats stats_;
};

}  // namespace cachet
