// File: server.h
// The HTTP/1.1 listener shared by the data plane and the admin listener.
//
// Threading: N workers, each one thread running its own io_context. One acceptor hands
// each new connection to the next worker, and the connection stays there for life, so a
// request is served start to finish on one thread with no shared mutable state on the hot
// path. Handlers are coroutines (boost::asio::awaitable) and must never block.
//
// Each connection: the head must arrive within `header_timeout` (a slowloris guard) and is
// scanned incrementally with a hard size bound; the body within `request_timeout`; idle
// keep-alive connections close after `idle_timeout`. A malformed request gets the
// error response from `on_error` and the connection is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace bulwark::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free port
  int workers = 1;
  HeadLimits limits;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds request_timeout{300};
  uint64_t max_connections = 10000;
  uint64_t max_connections_per_ip = 1000;
  std::string tls_cert;  // PEM paths; both set = TLS 1.2+ only
  std::string tls_key;
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// Builds the response for a request refused while parsing (status 400/413/431/501).
using ErrorResponder = std::function<Response(const ParseError&)>;

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerOptions options, Handler handler,
                                                        ErrorResponder on_error);
  ~Server();

  // Starts the worker threads and accepting. Returns immediately.
  void Start();
  // Stops accepting, lets in-flight requests finish for up to `drain`, then stops.
  void Stop(std::chrono::milliseconds drain);

  uint16_t port() const { return port_; }
  bool tls() const { return ssl_ != nullptr; }
  // The worker io_context a connection runs on (for per-worker resources).
  size_t worker_count() const { return workers_.size(); }

  // Requests being handled right now (between a complete head and the response written).
  int64_t in_flight() const { return in_flight_.load(); }

  struct Worker;

 private:
  Server(ServerOptions options, Handler handler, ErrorResponder on_error);
  boost::asio::awaitable<void> AcceptLoop();
  template <typename Stream>
  boost::asio::awaitable<void> Session(Stream stream, std::string peer_ip, uint16_t peer_port);
  boost::asio::awaitable<void> StartSession(boost::asio::ip::tcp::socket socket);
  bool AdmitConnection(const std::string& ip);
  void ReleaseConnection(const std::string& ip);

  ServerOptions options_;
  Handler handler_;
  ErrorResponder on_error_;
  std::unique_ptr<boost::asio::ssl::context> ssl_;
  boost::asio::io_context accept_context_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_worker_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<bool> draining_{false};
  std::unique_ptr<struct ConnectionTable> per_ip_;
  uint16_t port_ = 0;
};

// Splits "host:port" or "[v6]:port". Port must be 0-65535.
absl::Status SplitHostPort(const std::string& listen, std::string* host, uint16_t* port);

}  // namespace bulwark::http
