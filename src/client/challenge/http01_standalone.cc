#include "client/challenge/http01_standalone.h"
#include "client/challenge/listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace acmekit::client::challenge {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
constexpr auto kIoTimeout = std::chrono::seconds(10);  // per read / write
constexpr size_t kHeaderLimit = 8 * 1024;
constexpr size_t kBodyLimit = 1024;  // validation requests have no body

bool is_base64url_token(std::string_view token) {
  if (token.empty()) return false;
  for (unsigned char c : token) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

// For log lines: the request target comes from the network.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  if (s.size() > 200) out += "...";
  return out;
}

struct Tokens {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> key_authorizations;

  std::optional<std::string> find(std::string_view token) {
    std::lock_guard lock(mu);
    auto it = key_authorizations.find(token);
    if (it == key_authorizations.end()) return std::nullopt;
    return it->second;
  }
};

// One connection: read a request, answer, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Tokens> tokens)
      : stream_(std::move(socket)), tokens_(std::move(tokens)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string("?") : endpoint_string(ep);
  }

  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIoTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec) {
      // Timeout, oversized or malformed request, reset: just drop the
      // connection (the stream closes the socket on timeout).
      if (ec != beast::error::timeout && ec != asio::error::operation_aborted) {
        spdlog::debug("http-01: dropping connection from {}: {}", remote_, ec.message());
      }
      beast::error_code ignored;
      stream_.socket().close(ignored);
      return;
    }
    handle(parser_->get());
    stream_.expires_after(kIoTimeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec) return;
    if (response_.need_eof()) return do_close();
    do_read();
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void handle(const http::request<http::string_body>& req) {
    std::string_view target(req.target().data(), req.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    const bool head = req.method() == http::verb::head;
    std::optional<std::string> key_authorization;
    if ((req.method() == http::verb::get || head) && path.starts_with(kPrefix)) {
      std::string_view token = path.substr(kPrefix.size());
      if (is_base64url_token(token)) key_authorization = tokens_->find(token);
    }

    response_ = {};
    response_.version(req.version());
    response_.keep_alive(req.keep_alive());
    response_.set(http::field::server, "acmekit");
    response_.set(http::field::content_type, "text/plain");
    if (key_authorization) {
      response_.result(http::status::ok);
      // RFC 8555 §8.3: the body is the key authorization, nothing else.
      response_.body() = std::move(*key_authorization);
    } else {
      response_.result(http::status::not_found);
      response_.body() = "not found\n";
    }
    response_.prepare_payload();
    if (head) response_.body().clear();  // keeps the Content-Length header

    auto method = req.method_string();
    spdlog::debug("http-01: {} {} from {} -> {}",
                  printable(std::string_view(method.data(), method.size())),
                  printable(target), remote_, response_.result_int());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{kHeaderLimit + kBodyLimit};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::shared_ptr<Tokens> tokens_;
  std::string remote_;
};

}  // namespace

struct Http01Standalone::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry_timer{ioc};
  std::shared_ptr<Tokens> tokens = std::make_shared<Tokens>();
  std::string where;  // "127.0.0.1:80"
  uint16_t port = 0;
  std::thread thread;

  void do_accept() {
    acceptor.async_accept(ioc, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // E.g. out of file descriptors: back off instead of spinning.
        spdlog::warn("http-01: accepting a connection on {}: {}", where, ec.message());
        retry_timer.expires_after(std::chrono::milliseconds(100));
        retry_timer.async_wait([this](beast::error_code ec) {
          if (!ec) do_accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), tokens)->run();
      do_accept();
    });
  }
};

Result<std::unique_ptr<Http01Standalone>> Http01Standalone::start(const std::string& address,
                                                                  uint16_t port) {
  auto impl = std::make_unique<Impl>();
  ACMEKIT_TRY(auto listening, open_listener(impl->ioc, address, port, "http-01"));
  impl->acceptor = std::move(listening.acceptor);
  impl->port = listening.port;
  impl->where = listening.where;

  impl->do_accept();
  impl->thread = run_io_thread(impl->ioc, "http-01", impl->where);
  return std::unique_ptr<Http01Standalone>(new Http01Standalone(std::move(impl)));
}

Http01Standalone::Http01Standalone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Http01Standalone::~Http01Standalone() {
  if (!impl_) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  // Open sessions are owned by their pending handlers, which the io_context
  // destroys (closing their sockets) when impl_ goes.
}

uint16_t Http01Standalone::port() const { return impl_->port; }

std::string Http01Standalone::type() const { return "http-01"; }

Status Http01Standalone::present(const Task& task) {
  if (!is_base64url_token(task.token)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "http-01 token \"" + printable(task.token) +
                          "\" is not base64url (RFC 8555 §8.3)");
  }
  std::lock_guard lock(impl_->tokens->mu);
  impl_->tokens->key_authorizations[task.token] = task.key_authorization;
  return {};
}

Status Http01Standalone::cleanup(const Task& task) {
  std::lock_guard lock(impl_->tokens->mu);
  impl_->tokens->key_authorizations.erase(task.token);
  return {};
}

}  // namespace acmekit::client::challenge
