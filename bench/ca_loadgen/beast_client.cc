#include "beast_client.h"

#include <optional>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace acmekit::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// An answer bigger than this is not an ACME answer.
constexpr std::uint64_t kBodyLimit = 16 * 1024 * 1024;

struct Target {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string path;  // origin-form (RFC 9112 §3.2.1)
  std::string key() const { return (tls ? "https://" : "http://") + host + " " + port; }
  std::string authority() const { return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port; }
};

Result<Target> parse_url(std::string_view url) {
  Target t;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    t.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return make_error(ErrorKind::kInvalidArgument, "not an http(s) URL: " + std::string(url));
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error(ErrorKind::kInvalidArgument, "bad host in URL: " + std::string(url));
    t.host = authority.substr(1, close - 1);
    if (authority.substr(close + 1).starts_with(':')) port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    t.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) return make_error(ErrorKind::kInvalidArgument, "no host in URL: " + std::string(url));
  t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
  return t;
}

Error unavailable(std::string what, const error_code& ec) {
  if (ec == beast::error::timeout) return Error{ErrorKind::kUnavailable, what + ": timed out"};
  return Error{ErrorKind::kUnavailable, what + ": " + ec.message()};
}

// The peer closed or reset the connection.
bool closed_by_peer(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

bool verify_failed(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

}  // namespace

struct BeastClient::State {
  asio::io_context ioc{1};
  ssl::context tls_context{ssl::context::tls_client};
  std::string user_agent;
  std::chrono::milliseconds timeout;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<beast::tcp_stream> plain;
  std::string connected_to;  // Target::key() of the open connection, empty when none
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void close() {
    if (tls || plain) {
      error_code ignored;
      lowest().socket().close(ignored);
    }
    tls.reset();
    plain.reset();
    connected_to.clear();
    buffer.clear();
  }

  // Starts one asynchronous operation (start(done) with done(ec, ...)),
  // runs it to its end on this thread, and returns its error.
  template <class Start>
  error_code run(Start&& start) {
    error_code result;
    ioc.restart();
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.run();
    return result;
  }

  Status connect(const Target& t) {
    close();
    tcp::resolver resolver(ioc);
    error_code ec;
    const auto endpoints = resolver.resolve(t.host, t.port, tcp::resolver::numeric_service, ec);
    if (ec) return std::unexpected(unavailable("resolving " + t.host, ec));
    if (t.tls) {
      tls.emplace(ioc, tls_context);
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(timeout);
    ec = run([&](auto done) { lowest().async_connect(endpoints, done); });
    if (ec) {
      close();
      return std::unexpected(unavailable("connecting to " + t.authority(), ec));
    }
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (t.tls) {
      // RFC 6066 §3: SNI carries a host name, never an address.
      error_code not_ip;
      (void)asio::ip::make_address(t.host, not_ip);
      if (not_ip && SSL_set_tlsext_host_name(tls->native_handle(), t.host.c_str()) != 1) {
        close();
        return make_error(ErrorKind::kUnavailable, "setting SNI for " + t.host);
      }
      tls->set_verify_mode(ssl::verify_peer);
      // RFC 6125 (RFC 2818 §3.1): the URL's host against the certificate's names.
      tls->set_verify_callback(ssl::host_name_verification(t.host));
      ec = run([&](auto done) { tls->async_handshake(ssl::stream_base::client, done); });
      if (ec) {
        const bool untrusted = verify_failed(ec);
        close();
        if (untrusted) return make_error(ErrorKind::kUnavailable, "the certificate of " + t.authority() + " is not trusted");
        return std::unexpected(unavailable("TLS handshake with " + t.authority(), ec));
      }
    }
    connected_to = t.key();
    return {};
  }

  // One request and its answer on the open connection. *closed: the server
  // had closed it, seen before any byte of an answer (then the request may
  // be sent again on a new one; after a timeout it may still be running).
  template <class Stream>
  Result<http::Response> exchange(Stream& stream, const http::Request& request, const Target& t, bool* closed) {
    const bhttp::verb verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown) return make_error(ErrorKind::kInvalidArgument, "unknown method " + request.method);
    bhttp::request<bhttp::string_body> msg{verb, t.path, 11};
    msg.set(bhttp::field::host, t.authority());
    msg.set(bhttp::field::user_agent, user_agent);
    msg.set(bhttp::field::accept, "*/*");
    for (const auto& [name, value] : request.headers.items) msg.insert(name, value);
    if (!request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch) {
      msg.body() = request.body;
      msg.prepare_payload();
    }
    msg.keep_alive(true);

    lowest().expires_after(timeout);
    error_code ec = run([&](auto done) { bhttp::async_write(stream, msg, done); });
    if (ec) {
      *closed = closed_by_peer(ec);
      return std::unexpected(unavailable("sending to " + t.authority(), ec));
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.skip(verb == bhttp::verb::head);  // RFC 9112 §6.3: no body after HEAD
    const std::size_t buffered = buffer.size();
    std::size_t read = 0;
    ec = run([&](auto done) {
      bhttp::async_read(stream, buffer, parser, [&read, done](error_code e, std::size_t n) mutable {
        read = n;
        done(e);
      });
    });
    if (ec) {
      *closed = closed_by_peer(ec) && read == 0 && buffered == 0 && !parser.got_some();
      return std::unexpected(unavailable("reading the answer of " + t.authority(), ec));
    }

    auto res = parser.release();
    http::Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.add(std::move(name), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }
};

Result<std::unique_ptr<BeastClient>> BeastClient::create(const std::string& ca_bundle, std::string user_agent,
                                                         std::chrono::milliseconds timeout) {
  auto state = std::make_unique<State>();
  state->user_agent = std::move(user_agent);
  state->timeout = timeout;
  state->tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                                 ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ec;
  if (ca_bundle.empty()) {
    state->tls_context.set_default_verify_paths(ec);
  } else {
    state->tls_context.load_verify_file(ca_bundle, ec);
  }
  if (ec) return make_error(ErrorKind::kInvalidArgument, "reading the trust anchors " + ca_bundle + ": " + ec.message());
  return std::unique_ptr<BeastClient>(new BeastClient(std::move(state)));
}

BeastClient::BeastClient(std::unique_ptr<State> state) : state_(std::move(state)) {}

BeastClient::~BeastClient() { state_->close(); }

Result<http::Response> BeastClient::send(const http::Request& request) {
  ACMEKIT_TRY(const Target t, parse_url(request.url));
  State& s = *state_;
  for (int attempt = 0;; ++attempt) {
    const bool reused = s.connected_to == t.key();
    if (!reused) ACMEKIT_CHECK(s.connect(t));
    bool closed = false;
    auto r = s.tls ? s.exchange(*s.tls, request, t, &closed) : s.exchange(*s.plain, request, t, &closed);
    if (r) return r;
    s.close();
    // A kept connection the server closed while it idled fails before any
    // answer: send once more on a new one (as curl does). Anything else (a
    // timeout, a half answer) is the caller's to judge.
    if (!reused || !closed || attempt > 0) return r;
  }
}

}  // namespace acmekit::loadgen
