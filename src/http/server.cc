#include "http/server.h"

#include <charconv>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/chunked.h"

namespace bulwark::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

struct Server::Worker {
  asio::io_context context{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{context.get_executor()};
};

struct ConnectionTable {
  std::mutex mu;
  std::unordered_map<std::string, uint64_t> counts;
};

absl::Status SplitHostPort(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(fmt::format("listen address '{}' must be host:port", listen));
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string p = listen.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return absl::InvalidArgumentError(fmt::format("listen address '{}' has a bad port", listen));
  }
  *host = h;
  *port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

Server::Server(ServerOptions options, Handler handler, ErrorResponder on_error)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      on_error_(std::move(on_error)),
      per_ip_(std::make_unique<ConnectionTable>()) {}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

absl::StatusOr<std::unique_ptr<Server>> Server::Create(ServerOptions options, Handler handler,
                                                       ErrorResponder on_error) {
  std::unique_ptr<Server> server(
      new Server(std::move(options), std::move(handler), std::move(on_error)));
  std::string host;
  uint16_t port = 0;
  if (auto st = SplitHostPort(server->options_.listen, &host, &port); !st.ok()) return st;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(fmt::format("listen address '{}': '{}' is not an IP address",
                                                  server->options_.listen, host));
  }
  if (!server->options_.tls_cert.empty()) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    ctx->use_certificate_chain_file(server->options_.tls_cert, ec);
    if (!ec) ctx->use_private_key_file(server->options_.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("server.tls: cannot load certificate or key: {}", ec.message()));
    }
    server->ssl_ = std::move(ctx);
  }
  server->acceptor_ = std::make_unique<tcp::acceptor>(server->accept_context_);
  tcp::endpoint endpoint(address, port);
  server->acceptor_->open(endpoint.protocol(), ec);
  if (!ec) server->acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) server->acceptor_->bind(endpoint, ec);
  if (!ec) server->acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {}: {}", server->options_.listen, ec.message()));
  }
  server->port_ = server->acceptor_->local_endpoint().port();
  int n = std::max(1, server->options_.workers);
  for (int i = 0; i < n; ++i) server->workers_.push_back(std::make_unique<Worker>());
  return server;
}

void Server::Start() {
  for (auto& w : workers_) {
    threads_.emplace_back([ctx = &w->context] { ctx->run(); });
  }
  asio::co_spawn(accept_context_, AcceptLoop(), asio::detached);
  threads_.emplace_back([this] { accept_context_.run(); });
}

void Server::Stop(std::chrono::milliseconds drain) {
  if (threads_.empty()) return;
  draining_ = true;
  asio::post(accept_context_, [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + drain;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  accept_context_.stop();
  for (auto& w : workers_) w->context.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool Server::AdmitConnection(const std::string& ip) {
  if (connections_.fetch_add(1) >= options_.max_connections) {
    connections_.fetch_sub(1);
    return false;
  }
  std::lock_guard<std::mutex> lock(per_ip_->mu);
  uint64_t& count = per_ip_->counts[ip];
  if (count >= options_.max_connections_per_ip) {
    connections_.fetch_sub(1);
    if (count == 0) per_ip_->counts.erase(ip);
    return false;
  }
  ++count;
  return true;
}

void Server::ReleaseConnection(const std::string& ip) {
  connections_.fetch_sub(1);
  std::lock_guard<std::mutex> lock(per_ip_->mu);
  auto it = per_ip_->counts.find(ip);
  if (it != per_ip_->counts.end() && --it->second == 0) per_ip_->counts.erase(it);
}

asio::awaitable<void> Server::AcceptLoop() {
  while (!draining_) {
    Worker& worker = *workers_[next_worker_++ % workers_.size()];
    tcp::socket socket(worker.context);
    boost::system::error_code ec;
    co_await acceptor_->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    asio::co_spawn(worker.context, StartSession(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::StartSession(tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  std::string ip =
      remote.address().is_v6() && remote.address().to_v6().is_v4_mapped()
          ? asio::ip::make_address_v4(asio::ip::v4_mapped, remote.address().to_v6()).to_string()
          : remote.address().to_string();
  if (!AdmitConnection(ip)) co_return;  // closing the socket is the refusal
  socket.set_option(tcp::no_delay(true), ec);
  try {
    if (ssl_) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl_);
      beast::get_lowest_layer(stream).expires_after(options_.header_timeout);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      co_await Session(std::move(stream), ip, remote.port());
    } else {
      co_await Session(beast::tcp_stream(std::move(socket)), ip, remote.port());
    }
  } catch (const std::exception&) {
    // Peer went away, timed out or sent garbage TLS: nothing to answer.
  }
  ReleaseConnection(ip);
}

template <typename Stream>
asio::awaitable<void> Server::Session(Stream stream, std::string peer_ip, uint16_t peer_port) {
  auto& lowest = beast::get_lowest_layer(stream);
  std::string buffer;
  char chunk[16 * 1024];
  auto write_response = [&](const Response& response, bool close) -> asio::awaitable<void> {
    std::string head = SerializeHead(response, close);
    if (response.stream) {
      // Relayed as it arrives (server-sent events): one chunk per piece. A failing source
      // ends the response without the last chunk, so the client sees a broken body.
      lowest.expires_after(options_.request_timeout);
      co_await asio::async_write(stream, asio::buffer(head), asio::use_awaitable);
      for (;;) {
        absl::StatusOr<std::string> piece = co_await response.stream->Next();
        if (!piece.ok()) throw std::runtime_error(std::string(piece.status().message()));
        std::string frame = piece->empty() ? std::string("0\r\n\r\n")
                                           : fmt::format("{:x}\r\n{}\r\n", piece->size(), *piece);
        lowest.expires_after(options_.request_timeout);
        co_await asio::async_write(stream, asio::buffer(frame), asio::use_awaitable);
        if (piece->empty()) break;
      }
      co_return;
    }
    std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(response.body)};
    lowest.expires_after(options_.request_timeout);
    co_await asio::async_write(stream, parts, asio::use_awaitable);
  };
  auto fail = [&](const ParseError& error) -> asio::awaitable<void> {
    Response response = on_error_(error);
    co_await write_response(response, /*close=*/true);
  };

  for (;;) {
    // 1. The head: the first byte may take idle_timeout, the rest header_timeout.
    HeadScanner scanner(options_.limits.max_head_bytes);
    HeadScanner::Result scan = buffer.empty() ? HeadScanner::kNeedMore : scanner.Feed(buffer);
    bool started = !buffer.empty();
    lowest.expires_after(started ? options_.header_timeout : options_.idle_timeout);
    while (scan == HeadScanner::kNeedMore) {
      size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
      if (!started) {
        started = true;
        lowest.expires_after(options_.header_timeout);
      }
      buffer.append(chunk, n);
      scan = scanner.Feed(buffer);
    }
    if (scan == HeadScanner::kError) {
      co_await fail(scanner.error());
      co_return;
    }
    auto parsed =
        ParseRequestHead(std::string_view(buffer).substr(0, scanner.end()), options_.limits);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      co_await fail(*error);
      co_return;
    }
    Request request;
    request.head = std::move(std::get<RequestHead>(parsed));
    request.peer_ip = peer_ip;
    request.peer_port = peer_port;
    buffer.erase(0, scanner.end());

    // 2. The body, bounded by max_body (checked against the declared length already).
    lowest.expires_after(options_.request_timeout);
    bool wants_body = request.head.chunked || request.head.content_length.value_or(0) > 0;
    if (request.head.expect_continue && wants_body && buffer.empty()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(stream, asio::buffer(kContinue), asio::use_awaitable);
    }
    if (request.head.chunked) {
      ChunkedDecoder decoder(options_.limits.max_body, &request.body);
      ChunkedDecoder::Result r = decoder.Feed(buffer);
      if (r == ChunkedDecoder::kDone) {
        buffer.erase(0, decoder.consumed());
      } else if (r == ChunkedDecoder::kNeedMore) {
        buffer.clear();
        while (r == ChunkedDecoder::kNeedMore) {
          size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
          r = decoder.Feed(std::string_view(chunk, n));
          if (r == ChunkedDecoder::kDone) {
            buffer.assign(chunk + decoder.consumed(), n - decoder.consumed());
          }
        }
      }
      if (r == ChunkedDecoder::kError) {
        co_await fail(decoder.error());
        co_return;
      }
    } else if (uint64_t length = request.head.content_length.value_or(0); length > 0) {
      request.body.reserve(static_cast<size_t>(length));
      while (buffer.size() < length) {
        size_t want = std::min<size_t>(sizeof(chunk), static_cast<size_t>(length - buffer.size()));
        size_t n = co_await stream.async_read_some(asio::buffer(chunk, want), asio::use_awaitable);
        buffer.append(chunk, n);
      }
      request.body.assign(buffer, 0, static_cast<size_t>(length));
      buffer.erase(0, static_cast<size_t>(length));
    }

    // 3. Handle and answer.
    in_flight_.fetch_add(1);
    Response response;
    try {
      response = co_await handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("handler failed: {}", e.what());
      response = on_error_(ParseError{500, "internal"});
    }
    bool close = response.close || !request.head.keep_alive || draining_.load();
    try {
      co_await write_response(response, close);
    } catch (...) {
      in_flight_.fetch_sub(1);
      throw;
    }
    in_flight_.fetch_sub(1);
    if (close) {
      boost::system::error_code ec;
      lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
  }
}

}  // namespace bulwark::http
