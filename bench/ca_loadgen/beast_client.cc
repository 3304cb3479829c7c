#include "beast_client.h"

#include <cerrno>
#include <csignal>
#include <climits>
#include <string_view>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace acmekit::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
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

// A failed socket call's errno as an error_code. With SO_RCVTIMEO and
// SO_SNDTIMEO set, EAGAIN (and EINPROGRESS from connect) is the timeout.
error_code errno_code(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS) return beast::error::timeout;
  if (err == 0) return asio::error::eof;
  return {err, boost::system::system_category()};
}

// What a failed SSL_read/SSL_write/SSL_connect (result r) means.
error_code tls_code(SSL* ssl, int r) {
  const int err = errno;
  switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      return asio::error::eof;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // the blocking socket's timeout (EAGAIN)
      return beast::error::timeout;
    case SSL_ERROR_SYSCALL:
      return err == 0 ? error_code(asio::ssl::error::stream_truncated) : errno_code(err);
    default: {
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::ssl::error::stream_truncated;
      return {static_cast<int>(e), asio::error::get_ssl_category()};
    }
  }
}

// The peer closed or reset the connection.
bool closed_by_peer(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct BeastClient::State {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> tls_context{nullptr, SSL_CTX_free};
  std::string user_agent;
  std::chrono::milliseconds timeout{};
  int fd = -1;
  SSL* ssl = nullptr;        // null on a plain connection
  std::string connected_to;  // Target::key() of the open connection, empty when none
  beast::flat_buffer buffer;

  // Beast's SyncReadStream over the open connection, for http::read.
  struct Reader {
    State& s;
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
        const asio::mutable_buffer b = *it;
        if (b.size() != 0) return s.read_into(b.data(), b.size(), ec);
      }
      ec = {};
      return 0;
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers) {
      error_code ec;
      const std::size_t n = read_some(buffers, ec);
      if (ec) throw boost::system::system_error(ec);
      return n;
    }
  };

  void close() {
    if (ssl != nullptr) SSL_free(ssl);
    ssl = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
    connected_to.clear();
    buffer.clear();
  }

  std::size_t read_into(void* data, std::size_t size, error_code& ec) {
    ec = {};
    if (ssl != nullptr) {
      ERR_clear_error();
      const int n = SSL_read(ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
      if (n > 0) return static_cast<std::size_t>(n);
      ec = tls_code(ssl, n);
      return 0;
    }
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n > 0) return static_cast<std::size_t>(n);
    ec = n == 0 ? error_code(asio::error::eof) : errno_code(errno);
    return 0;
  }

  // The whole request in one write (one TLS record, one send).
  error_code write_all(std::string_view data) {
    while (!data.empty()) {
      if (ssl != nullptr) {
        ERR_clear_error();
        const int n = SSL_write(ssl, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX)));
        if (n <= 0) return tls_code(ssl, n);
        data.remove_prefix(static_cast<std::size_t>(n));
      } else {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) return errno_code(errno);
        data.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    return {};
  }

  Status connect(const Target& t) {
    close();
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(t.host.c_str(), t.port.c_str(), &hints, &found); rc != 0) {
      return make_error(ErrorKind::kUnavailable, "resolving " + t.host + ": " + gai_strerror(rc));
    }
    timeval tv{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
               .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    error_code ec = asio::error::host_not_found;
    for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
      const int s = ::socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (s < 0) {
        ec = errno_code(errno);
        continue;
      }
      ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // also bounds connect (Linux)
      if (::connect(s, a->ai_addr, a->ai_addrlen) != 0) {
        ec = errno_code(errno);
        ::close(s);
        continue;
      }
      const int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd = s;
    }
    ::freeaddrinfo(found);
    if (fd < 0) return std::unexpected(unavailable("connecting to " + t.authority(), ec));
    if (t.tls) {
      ssl = SSL_new(tls_context.get());
      if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
        close();
        return make_error(ErrorKind::kUnavailable, "starting TLS with " + t.authority());
      }
      // Read what has arrived in one recv, not a record header then its body.
      SSL_set_read_ahead(ssl, 1);
      // RFC 6125 (RFC 2818 §3.1): the URL's host against the certificate's
      // names; an address against its iPAddress SAN. RFC 6066 §3: SNI
      // carries a host name, never an address.
      error_code not_ip;
      (void)asio::ip::make_address(t.host, not_ip);
      const bool named = not_ip ? SSL_set_tlsext_host_name(ssl, t.host.c_str()) == 1 && SSL_set1_host(ssl, t.host.c_str()) == 1
                                : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) == 1;
      if (!named) {
        close();
        return make_error(ErrorKind::kUnavailable, "setting the expected name " + t.host);
      }
      ERR_clear_error();
      if (const int r = SSL_connect(ssl); r != 1) {
        const bool untrusted = SSL_get_verify_result(ssl) != X509_V_OK;
        const error_code hs = tls_code(ssl, r);
        close();
        if (untrusted) return make_error(ErrorKind::kUnavailable, "the certificate of " + t.authority() + " is not trusted");
        return std::unexpected(unavailable("TLS handshake with " + t.authority(), hs));
      }
    }
    connected_to = t.key();
    return {};
  }

  // One request and its answer on the open connection. *closed: the server
  // had closed it, seen before any byte of an answer (then the request may
  // be sent again on a new one; after a timeout it may still be running).
  Result<http::Response> exchange(const http::Request& request, const Target& t, bool* closed) {
    const bhttp::verb verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown) return make_error(ErrorKind::kInvalidArgument, "unknown method " + request.method);
    // RFC 9112 §3 (request line), §5 (fields), §6.2 (Content-Length).
    std::string head = request.method + " " + t.path + " HTTP/1.1\r\nHost: " + t.authority() +
                       "\r\nUser-Agent: " + user_agent + "\r\nAccept: */*\r\n";
    for (const auto& [name, value] : request.headers.items) head += name + ": " + value + "\r\n";
    if (!request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch) {
      head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    }
    head += "\r\n";
    head += request.body;
    if (const error_code ec = write_all(head); ec) {
      *closed = closed_by_peer(ec);
      return std::unexpected(unavailable("sending to " + t.authority(), ec));
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.skip(verb == bhttp::verb::head);  // RFC 9112 §6.3: no body after HEAD
    const std::size_t buffered = buffer.size();
    Reader reader{*this};
    error_code ec;
    const std::size_t read = bhttp::read(reader, buffer, parser, ec);
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
  std::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with write(2): EPIPE, not a signal
  auto state = std::make_unique<State>();
  state->user_agent = std::move(user_agent);
  state->timeout = timeout;
  state->tls_context.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = state->tls_context.get();
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return make_error(ErrorKind::kInvalidArgument, "creating a TLS context");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_bundle.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                       : SSL_CTX_load_verify_locations(ctx, ca_bundle.c_str(), nullptr);
  if (loaded != 1) {
    const unsigned long e = ERR_get_error();
    char why[256] = "no certificate found";
    if (e != 0) ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    return make_error(ErrorKind::kInvalidArgument, "reading the trust anchors " + ca_bundle + ": " + why);
  }
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
    auto r = s.exchange(request, t, &closed);
    if (r) return r;
    s.close();
    // A kept connection the server closed while it idled fails before any
    // answer: send once more on a new one (as curl does). Anything else (a
    // timeout, a half answer) is the caller's to judge.
    if (!reused || !closed || attempt > 0) return r;
  }
}

}  // namespace acmekit::loadgen
