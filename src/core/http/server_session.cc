#include "core/http/server_session.h"

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "core/http/server_messages.h"

namespace acmekit::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t kHeaderLimit = 16 * 1024;
// After the last response of a connection: how long we read and discard
// what the client still sends, so closing does not reset the connection
// under a response it has not read yet (RFC 9112 §9.6).
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerLimit = 1024 * 1024;

// RFC 9112 §6.1, §6.3: why a request's body length cannot be trusted, as
// the status and detail to refuse it with; nullopt when it can. The only
// transfer coding decoded is "chunked", and it must stand alone: another
// coding is 501 (§6.1: a coding the server does not understand), chunked
// not last is 400 (§6.3 item 4: the length cannot be determined), and
// Transfer-Encoding with Content-Length (§6.3 item 3) or in HTTP/1.0
// (§6.1) is 400. Every refusal closes the connection.
template <class Header>
std::optional<std::pair<int, std::string>> framing_refusal(const Header& header) {
  std::vector<std::string> codings;
  auto [it, end] = header.equal_range(bhttp::field::transfer_encoding);
  for (; it != end; ++it) {
    const std::size_t before = codings.size();
    const std::string value(it->value());
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      std::string coding = value.substr(start, comma - start);
      coding.erase(0, coding.find_first_not_of(" \t"));
      coding.erase(coding.find_last_not_of(" \t") + 1);
      if (auto semi = coding.find(';'); semi != std::string::npos) coding.resize(semi);
      for (auto& c : coding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!coding.empty()) codings.push_back(coding);
      start = comma + 1;
    }
    if (codings.size() == before) return std::pair{400, std::string("empty Transfer-Encoding")};
  }
  if (codings.empty()) return std::nullopt;
  if (header.version() < 11) return std::pair{400, std::string("Transfer-Encoding in an HTTP/1.0 request")};
  if (header.count(bhttp::field::content_length) > 0) {
    return std::pair{400, std::string("both Transfer-Encoding and Content-Length")};
  }
  if (codings.back() != "chunked") {
    return std::pair{400, "the body length cannot be determined: Transfer-Encoding " + codings.back() +
                              " is not chunked last"};
  }
  if (codings.size() > 1) {
    // §7.1: chunked is applied once; anything before it we cannot decode.
    const std::string& first = codings.front();
    if (first == "chunked") return std::pair{400, std::string("chunked applied more than once")};
    return std::pair{501, "transfer coding \"" + first + "\" is not implemented"};
  }
  return std::nullopt;
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  Session(std::shared_ptr<SessionContext> context, std::string remote, StreamArgs&&... args)
      : context_(std::move(context)), remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(args)...) {}

  ~Session() override { context_->connections.remove(id_); }

  void set_id(uint64_t id) { id_ = id; }

  void run() {
    if constexpr (kTls) {
      lowest().expires_after(options().header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->drop("TLS handshake", ec);
                                self->read_request(true);
                              });
    } else {
      read_request(true);
    }
  }

  // Any thread: the socket is closed on the session's strand, a handler
  // not yet started is skipped.
  void close() override {
    closed_ = true;
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->lowest().close();
    });
  }

 private:
  const ServerOptions& options() const { return context_->options; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void drop(const char* during, const beast::error_code& ec) {
    if (ec != asio::error::operation_aborted && ec != bhttp::error::end_of_stream &&
        ec != asio::error::eof) {
      spdlog::debug("http: closing {} ({}: {})", remote_, during, ec.message());
    }
    lowest().close();
  }

  // Keep-alive: the connection may sit idle for idle_timeout, then the
  // whole next request must arrive within header_timeout (slowloris).
  void read_request(bool first) {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(options().body_limit);
    if (first || buffer_.size() > 0) return read_header();
    lowest().expires_after(options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kHeaderLimit),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->drop("idle", ec);
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    lowest().expires_after(options().header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& header = parser_->get();
    // Framing we cannot be sure of is refused and the connection closed,
    // so no bytes of this request are ever read as the start of another
    // (request smuggling, RFC 9112 §11.2).
    if (auto refusal = framing_refusal(header)) return reject(refusal->first, refusal->second);
    const auto length = parser_->content_length();
    if (length && *length > options().body_limit) return reject(413, "request body too large");
    // RFC 9110 §10.1.1: a client waiting for 100 (Continue) gets it.
    if (header.version() >= 11 && beast::iequals(header[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, header.version());
      bhttp::async_write(stream_, *continue_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                           if (ec) return self->drop("100 Continue", ec);
                           self->read_body();
                         });
      return;
    }
    read_body();
  }

  // Still under the header_timeout deadline: the request arrives whole in it.
  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->call_handler();
                      });
  }

  void on_read_error(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) return reject(413, "request body too large");
    if (ec == bhttp::error::header_limit) return reject(431, "request header too large");
    if (is_http_parse_error(ec)) return reject(400, "malformed HTTP request: " + ec.message());
    drop("reading a request", ec);
  }

  // The handler's answer; a handler that throws or gives no valid status
  // is a 500.
  acmekit::http::Response answer(const ServerRequest& request) const {
    acmekit::http::Response response;
    try {
      response = context_->handler(request);
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} threw: {}", request.method, request.target, e.what());
      response = options().error_response(500, "internal error");
    }
    if (response.status < 200 || response.status > 599) {
      spdlog::error("http: handler for {} {} gave status {}", request.method, request.target, response.status);
      response = options().error_response(500, "the request handler gave no valid status");
    }
    return response;
  }

  // The handler runs here, on this session's strand, when run_inline says
  // so; else on the handler pool, and the answer is written back on this
  // session's strand.
  void call_handler() {
    if (closed_) return;
    auto beast_request = parser_->release();
    const unsigned version = beast_request.version();
    const bool head = beast_request.method() == bhttp::verb::head;
    const bool keep_alive = beast_request.keep_alive();
    auto request = to_server_request(std::move(beast_request), remote_);
    if (options().run_inline && options().run_inline(request)) {
      return write(to_beast_response(answer(request), version, head, keep_alive));
    }
    asio::post(context_->handler_pool, [self = this->shared_from_this(), version, head, keep_alive,
                                        request = std::move(request)] {
      if (self->closed_) return;
      acmekit::http::Response response = self->answer(request);
      asio::post(self->stream_.get_executor(),
                 [self, version, head, keep_alive, response = std::move(response)]() mutable {
                   if (self->closed_) return;
                   self->write(to_beast_response(std::move(response), version, head,
                                                 keep_alive));
                 });
    });
  }

  // A request we answer ourselves, then close the connection. Logged like
  // a handler's answer: every answer has its line.
  void reject(int status, const std::string& detail) {
    std::string method = "-", target = "-";
    if (parser_ && parser_->is_header_done()) {
      const auto& h = parser_->get();
      method = std::string(h.method_string());
      target = std::string(h.target());
    }
    spdlog::info("{} {} {} {} ({} listener: {})", remote_, method, target, status, options().name, detail);
    write(to_beast_response(options().error_response(status, detail), 11, false, false));
  }

  void write(BeastResponse response) {
    response_ = std::move(response);
    // A client may be slow to read a response, but not idle-forever slow.
    lowest().expires_after(options().idle_timeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->drop("writing a response", ec);
                         if (self->response_.keep_alive()) return self->read_request(false);
                         self->finish();
                       });
  }

  // The last response is out: TLS close_notify, then our half of TCP, then
  // discard the client's bytes until it closes (see kLingerTimeout).
  void finish() {
    lowest().expires_after(kLingerTimeout);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->shutdown_and_drain();
      });
    } else {
      shutdown_and_drain();
    }
  }

  void shutdown_and_drain() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain();
  }

  void drain() {
    lowest().async_read_some(asio::buffer(discard_),
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kLingerLimit) return self->lowest().close();
                               self->drain();
                             });
  }

  const std::shared_ptr<SessionContext> context_;
  const std::string remote_;
  Stream stream_;
  uint64_t id_ = 0;
  std::atomic<bool> closed_{false};
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  BeastResponse response_;
  std::array<char, 4096> discard_;
  std::size_t drained_ = 0;
};

template <class Stream, class... StreamArgs>
void start(const std::shared_ptr<SessionContext>& context, std::string remote,
           StreamArgs&&... args) {
  auto session = std::make_shared<Session<Stream>>(context, std::move(remote),
                                                   std::forward<StreamArgs>(args)...);
  const uint64_t id = context->connections.admit(session);
  if (id == 0) return;  // over max_connections or stopping: the socket closes with it
  session->set_id(id);
  session->run();
}

}  // namespace

void start_session(const std::shared_ptr<SessionContext>& context, tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote = net::endpoint_string(peer);
  if (context->tls) {
    start<TlsStream>(context, std::move(remote), std::move(socket), *context->tls);
  } else {
    start<PlainStream>(context, std::move(remote), std::move(socket));
  }
}

}  // namespace acmekit::http
