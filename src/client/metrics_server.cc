#include "client/metrics_server.h"

#include <atomic>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

namespace acmekit::client {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct MetricsServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Render render;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed
      serve(std::move(socket));
      accept();
    });
  }

  // One request per connection, sequential: a scrape is a few kilobytes.
  void serve(tcp::socket socket) {
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto buffer = std::make_shared<beast::flat_buffer>(8192);
    auto parser = std::make_shared<bhttp::request_parser<bhttp::empty_body>>();
    parser->header_limit(8192);
    stream->expires_after(std::chrono::seconds(5));
    bhttp::async_read(*stream, *buffer, *parser,
                      [this, stream, buffer, parser](beast::error_code ec, size_t) {
                        if (ec) return;
                        const auto& req = parser->get();
                        auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
                        res->version(req.version());
                        res->keep_alive(false);
                        if (req.method() == bhttp::verb::get && req.target() == "/metrics") {
                          res->result(bhttp::status::ok);
                          res->set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
                          res->body() = render();
                        } else {
                          res->result(bhttp::status::not_found);
                          res->body() = "not found; try /metrics\n";
                        }
                        res->prepare_payload();
                        bhttp::async_write(*stream, *res, [stream, res](beast::error_code, size_t) {
                          beast::error_code ignored;
                          stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                        });
                      });
  }
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address, uint16_t port,
                                                            Render render) {
  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  beast::error_code ec;
  auto addr = asio::ip::make_address(address.empty() ? "127.0.0.1" : address, ec);
  if (ec) return make_error(ErrorKind::kInvalidArgument, "bad metrics address \"" + address + "\"");
  tcp::endpoint ep(addr, port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorKind::kIo, "cannot listen on " + address + ":" + std::to_string(port) +
                                          " for metrics: " + ec.message());
  }
  impl->accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t MetricsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace acmekit::client
