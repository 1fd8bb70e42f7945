#include "upstream/client.h"

#include <charconv>
#include <deque>
#include <unordered_map>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

namespace bulwark::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxIdlePerEndpoint = 64;
constexpr auto kMaxIdleAge = std::chrono::seconds(30);

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Connection {
  std::variant<std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>> stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
  beast::tcp_stream& Lowest() {
    if (auto* p = std::get_if<std::unique_ptr<PlainStream>>(&stream)) return **p;
    return beast::get_lowest_layer(*std::get<std::unique_ptr<TlsStream>>(stream));
  }
};

std::string PoolKey(const Endpoint& e) {
  return fmt::format("{}://{}:{}", e.tls ? "https" : "http", e.host, e.port);
}

absl::Status FromError(const boost::system::error_code& ec, std::string_view stage) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(fmt::format("upstream {} timed out", stage));
  }
  if (ec == bhttp::error::body_limit) {
    return absl::ResourceExhaustedError("upstream response too large");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return absl::InternalError(fmt::format("malformed upstream response: {}", ec.message()));
  }
  return absl::UnavailableError(fmt::format("upstream {} failed: {}", stage, ec.message()));
}

// Reads a streamed body piece by piece; owns the connection and its parser.
class StreamedBody final : public BodyReader {
 public:
  StreamedBody(std::unique_ptr<Connection> conn,
               std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser,
               std::chrono::milliseconds timeout)
      : conn_(std::move(conn)), parser_(std::move(parser)), timeout_(timeout) {}

  asio::awaitable<absl::StatusOr<std::string>> Read() override {
    for (;;) {
      std::string& body = parser_->get().body();
      if (!body.empty()) {
        std::string piece = std::move(body);
        body.clear();
        co_return piece;
      }
      if (parser_->is_done()) co_return std::string();
      boost::system::error_code ec;
      conn_->Lowest().expires_after(timeout_);
      co_await std::visit(
          [&](auto& s) {
            return bhttp::async_read_some(*s, conn_->buffer, *parser_,
                                          asio::redirect_error(asio::use_awaitable, ec));
          },
          conn_->stream);
      if (ec == bhttp::error::end_of_stream && parser_->is_done()) continue;
      if (ec) co_return FromError(ec, "response");
    }
  }

 private:
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<bhttp::response_parser<bhttp::string_body>> parser_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

struct UpstreamClient::Pool {
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
};

absl::StatusOr<Endpoint> ParseBaseUrl(std::string_view url) {
  Endpoint e;
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    e.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return absl::InvalidArgumentError("must start with https:// or http://");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "must be scheme://host[:port][/path], without user:password@, query or fragment");
  }
  std::string_view host = authority, port = e.tls ? "443" : "80";
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("has a bad IPv6 host");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return absl::InvalidArgumentError("has a bad port");
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() ||
      p == 0 || p > 65535) {
    return absl::InvalidArgumentError("has a bad host or port");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  e.host = std::string(host);
  e.port = std::string(port);
  e.base_path = std::string(path);
  return e;
}

UpstreamClient::UpstreamClient(asio::io_context& context)
    : context_(context), ssl_(asio::ssl::context::tls_client), pool_(std::make_unique<Pool>()) {
  ssl_.set_default_verify_paths();
  ssl_.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
}

UpstreamClient::~UpstreamClient() = default;

asio::awaitable<absl::StatusOr<UpstreamResponse>> UpstreamClient::Send(
    const Endpoint& endpoint, const UpstreamRequest& request, const CallOptions& options) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  for (const http::Header& h : request.headers) req.insert(h.name, h.value);
  bool default_port = endpoint.port == (endpoint.tls ? "443" : "80");
  req.set(bhttp::field::host, default_port ? endpoint.host : endpoint.host + ":" + endpoint.port);
  req.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    req.prepare_payload();
  }

  const std::string key = PoolKey(endpoint);
  // A pooled connection may have been closed by the vendor while idle; if it fails before
  // any response byte arrives, the request is sent once more on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    bool reused = false;
    auto& idle = pool_->idle[key];
    while (!idle.empty()) {
      conn = std::move(idle.back());
      idle.pop_back();
      if (std::chrono::steady_clock::now() - conn->idle_since < kMaxIdleAge) {
        reused = true;
        break;
      }
      conn.reset();
    }
    boost::system::error_code ec;
    if (!conn) {
      conn = std::make_unique<Connection>();
      tcp::resolver resolver(context_);
      auto results = co_await resolver.async_resolve(endpoint.host, endpoint.port,
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return FromError(ec, "name resolution");
      auto tcp_stream = std::make_unique<PlainStream>(context_);
      tcp_stream->expires_after(options.connect_timeout);
      co_await tcp_stream->async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return FromError(ec, "connect");
      tcp_stream->socket().set_option(tcp::no_delay(true), ec);
      if (endpoint.tls) {
        auto tls = std::make_unique<TlsStream>(std::move(*tcp_stream), ssl_);
        if (!SSL_set_tlsext_host_name(tls->native_handle(), endpoint.host.c_str())) {
          co_return absl::UnavailableError("cannot set TLS server name");
        }
        tls->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
        beast::get_lowest_layer(*tls).expires_after(options.connect_timeout);
        co_await tls->async_handshake(asio::ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return FromError(ec, "TLS handshake");
        conn->stream = std::move(tls);
      } else {
        conn->stream = std::move(tcp_stream);
      }
    }

    auto parser_ptr = std::make_unique<bhttp::response_parser<bhttp::string_body>>();
    auto& parser = *parser_ptr;
    parser.body_limit(options.max_response);
    parser.header_limit(64 * 1024);
    conn->Lowest().expires_after(options.response_timeout);
    co_await std::visit(
        [&](auto& s) {
          return bhttp::async_write(*s, req, asio::redirect_error(asio::use_awaitable, ec));
        },
        conn->stream);
    if (!ec && options.stream_if) {
      co_await std::visit(
          [&](auto& s) {
            return bhttp::async_read_header(*s, conn->buffer, parser,
                                            asio::redirect_error(asio::use_awaitable, ec));
          },
          conn->stream);
      if (!ec) {
        UpstreamResponse head;
        head.status = static_cast<int>(parser.get().result_int());
        for (const auto& field : parser.get()) {
          head.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        if (options.stream_if(head.status, head.headers)) {
          head.body_reader = std::make_unique<StreamedBody>(std::move(conn), std::move(parser_ptr),
                                                            options.response_timeout);
          co_return head;
        }
      }
    }
    if (!ec && !parser.is_done()) {
      co_await std::visit(
          [&](auto& s) {
            return bhttp::async_read(*s, conn->buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
          },
          conn->stream);
    }
    if (ec) {
      bool nothing_received = !parser.got_some();
      if (reused && nothing_received && ec != beast::error::timeout) continue;
      co_return FromError(ec, parser.got_some() ? "response" : "request");
    }
    auto msg = parser.release();
    UpstreamResponse out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(msg.body());
    if (msg.keep_alive() && idle.size() < kMaxIdlePerEndpoint) {
      conn->idle_since = std::chrono::steady_clock::now();
      conn->buffer.clear();
      pool_->idle[key].push_back(std::move(conn));
    }
    co_return out;
  }
  co_return absl::UnavailableError("upstream connection closed");
}

}  // namespace bulwark::upstream
