// File: sandbox_server.cc
// Threading: one io_context run by two threads. Each connection is a coroutine bound to
// its own strand, so its reads, writes and time-out timer never run concurrently; the
// only shared state is SandboxApp, which is thread-safe.
#include "sandbox/sandbox_server.h"

#include <atomic>
#include <charconv>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "base/random.h"
#include "sandbox/sandbox_app.h"

namespace bulwark::sandbox {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kBodyLimit = 10 * 1024 * 1024;
constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr auto kIoTimeout = std::chrono::seconds(60);
constexpr int kMaxConnections = 1024;
constexpr int kThreads = 2;

http::response<http::string_body> ToBeast(const HttpResponse& in, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  for (const auto& [name, value] : in.headers) {
    out.insert(name, value);
  }
  out.body() = in.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListen(const std::string& listen) {
  std::string_view text = listen;
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format("listen address '{}' is not host:port", listen));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']')) {
      return absl::InvalidArgumentError(
          fmt::format("listen address '{}' is not host:port", listen));
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("listen address '{}': write IPv6 hosts in brackets, e.g. [::1]:8090", listen));
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return absl::InvalidArgumentError(fmt::format("listen address '{}' has a bad port", listen));
  }
  ListenAddress address;
  address.host = host.empty() ? "0.0.0.0" : std::string(host);
  address.port = static_cast<uint16_t>(port);
  return address;
}

struct SandboxServer::Impl {
  explicit Impl(SandboxOptions opts) : options(std::move(opts)), app(options) {}

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      parser.header_limit(kHeaderLimit);
      stream.expires_after(kIoTimeout);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
          bool body = ec == http::error::body_limit;
          HttpResponse refusal = JsonResponse(
              body ? 413 : 431,
              {{"error",
                {{"code", body ? "payload_too_large" : "headers_too_large"},
                 {"message", "The sandbox limits bodies to 10 MiB and headers to 64 KiB."}}}});
          refusal.headers.emplace_back("X-Request-Id", NewRequestId());
          auto res = ToBeast(refusal, 11, false);
          stream.expires_after(kIoTimeout);
          co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        }
        break;  // end of stream, time-out, or a framing error: close
      }
      http::request<http::string_body> beast_request = parser.release();
      HttpRequest request;
      request.method = std::string(beast_request.method_string());
      request.target = std::string(beast_request.target());
      for (const auto& field : beast_request) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(beast_request.body());
      HttpResponse response = app.Handle(request, Clock::now());
      bool keep_alive = beast_request.keep_alive() && !stopping.load();
      auto res = ToBeast(response, beast_request.version(), keep_alive);
      stream.expires_after(kIoTimeout);
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) {
        break;
      }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    connections.fetch_sub(1);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(
          asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
          co_return;
        }
        continue;  // e.g. out of descriptors for a moment; keep serving
      }
      if (connections.fetch_add(1) >= kMaxConnections) {
        connections.fetch_sub(1);
        socket.close(ec);
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Session(std::move(socket)), asio::detached);
    }
  }

  SandboxOptions options;
  SandboxApp app;  // outlives io, whose pending coroutines refer to it
  asio::io_context io{kThreads};
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  ListenAddress bound;
};

SandboxServer::SandboxServer(SandboxOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

SandboxServer::~SandboxServer() { Stop(); }

absl::Status SandboxServer::Start() {
  const SandboxOptions& o = impl_->options;
  absl::StatusOr<ListenAddress> address = ParseListen(o.listen);
  if (!address.ok()) {
    return address.status();
  }
  if (!(o.max_rps > 0)) {
    return absl::InvalidArgumentError("max_rps must be positive");
  }
  if (o.video_time.count() < 0) {
    return absl::InvalidArgumentError("video_time must not be negative");
  }
  if (o.heygen_key.empty() || o.writesonic_key.empty() || o.openai_key.empty()) {
    return absl::InvalidArgumentError("vendor keys must not be empty");
  }
  beast::error_code ec;
  asio::ip::address ip = asio::ip::make_address(address->host, ec);
  if (ec) {
    // A name such as "localhost": take its first address.
    tcp::resolver resolver(impl_->io);
    auto results = resolver.resolve(address->host, "", ec);
    if (ec || results.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("listen host '{}' does not resolve", address->host));
    }
    ip = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(ip, address->port);
  tcp::acceptor& acceptor = impl_->acceptor.emplace(impl_->io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    impl_->acceptor.reset();
    return absl::UnavailableError(fmt::format("cannot listen on {}: {}", o.listen, ec.message()));
  }
  impl_->bound.host = ip.to_string();
  impl_->bound.port = acceptor.local_endpoint(ec).port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  for (int i = 0; i < kThreads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return absl::OkStatus();
}

uint16_t SandboxServer::port() const { return impl_->bound.port; }

std::string SandboxServer::url() const {
  const std::string& host = impl_->bound.host;
  if (host.find(':') != std::string::npos) {
    return fmt::format("http://[{}]:{}", host, impl_->bound.port);
  }
  return fmt::format("http://{}:{}", host, impl_->bound.port);
}

void SandboxServer::Stop() {
  impl_->stopping.store(true);
  if (impl_->acceptor) {
    asio::post(impl_->io, [this] {
      beast::error_code ec;
      impl_->acceptor->close(ec);
    });
  }
  // Stopping the context drops connections parked in reads; their coroutine frames are
  // destroyed with the io_context.
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  impl_->threads.clear();
}

}  // namespace bulwark::sandbox
