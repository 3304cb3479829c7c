#include "core/dns/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/net/fd.h"

namespace acmekit::dns {
namespace {

using SteadyClock = std::chrono::steady_clock;
using net::Fd;
using net::wait_fd;

struct SocketAddress {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

Result<SocketAddress> to_socket_address(const Endpoint& e) {
  SocketAddress s;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
  if (::inet_pton(AF_INET, e.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(e.port);
    s.len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, e.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(e.port);
    s.len = sizeof *v6;
  } else {
    return make_error(ErrorKind::kInvalidArgument, "DNS server '" + e.host + "' is not an IP address");
  }
  return s;
}

std::unexpected<Error> timed_out(std::chrono::milliseconds timeout) {
  return make_error(ErrorKind::kTimeout, "no answer within " + std::to_string(timeout.count()) + " ms");
}
std::unexpected<Error> errno_error(const char* what) {
  return make_error(ErrorKind::kUnavailable, std::string(what) + ": " + std::strerror(errno));
}

// RFC 1035 §4.2.1: one datagram each way; answers with another ID are ignored.
Result<std::string> exchange_udp(const SocketAddress& s, std::string_view query, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  Fd fd{::socket(s.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return errno_error("socket");
  // Connected, so an ICMP port unreachable comes back as ECONNREFUSED.
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0) return errno_error("connect");
  if (::send(fd.fd, query.data(), query.size(), MSG_NOSIGNAL) < 0) return errno_error("send");
  // The largest datagram, not zeroed (a 64 KiB memset per lookup showed in
  // the CA's validation profile).
  constexpr std::size_t kMaxDatagram = 65535;
  const auto buf = std::make_unique_for_overwrite<char[]>(kMaxDatagram);
  for (;;) {
    const int ready = wait_fd(fd.fd, POLLIN, deadline);
    if (ready == 0) return timed_out(timeout);
    if (ready < 0) return errno_error("poll");
    const ssize_t n = ::recv(fd.fd, buf.get(), kMaxDatagram, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("receive");
    const std::string_view reply(buf.get(), static_cast<std::size_t>(n));
    if (n >= 2 && query.size() >= 2 && reply.substr(0, 2) == query.substr(0, 2)) return std::string(reply);
  }
}

Status send_all(int fd, std::string_view data, SteadyClock::time_point deadline, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const int ready = wait_fd(fd, POLLOUT, deadline);
    if (ready == 0) return timed_out(timeout);
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("TCP send");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::string> receive_exactly(int fd, std::size_t size, SteadyClock::time_point deadline,
                                    std::chrono::milliseconds timeout) {
  std::string out;
  char buf[4096];
  while (out.size() < size) {
    const int ready = wait_fd(fd, POLLIN, deadline);
    if (ready == 0) return timed_out(timeout);
    const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, size - out.size()), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("TCP receive");
    if (n == 0) return make_error(ErrorKind::kUnavailable, "TCP connection closed before the answer");
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// RFC 1035 §4.2.2 / RFC 7766 §8: each message prefixed with its 2-byte length.
Result<std::string> exchange_tcp(const SocketAddress& s, std::string_view query, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  Fd fd{::socket(s.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return errno_error("socket");
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0 && errno != EINPROGRESS) {
    return errno_error("TCP connect");
  }
  // The connect's outcome: writable once it is done, SO_ERROR says how.
  const int ready = wait_fd(fd.fd, POLLOUT, deadline);
  if (ready == 0) return timed_out(timeout);
  int error = 0;
  socklen_t error_len = sizeof error;
  if (ready < 0 || ::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &error, &error_len) != 0) return errno_error("TCP connect");
  if (error != 0) {
    errno = error;
    return errno_error("TCP connect");
  }
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xff));
  framed += query;
  ACMEKIT_CHECK(send_all(fd.fd, framed, deadline, timeout));
  ACMEKIT_TRY(std::string length, receive_exactly(fd.fd, 2, deadline, timeout));
  const std::size_t size = static_cast<unsigned char>(length[0]) << 8 | static_cast<unsigned char>(length[1]);
  return receive_exactly(fd.fd, size, deadline, timeout);
}

// RFC 1035 §4.1.1: TC is bit 1 of the header's third byte.
bool truncated(std::string_view reply) { return reply.size() >= 3 && (reply[2] & 0x02) != 0; }

}  // namespace

std::string Endpoint::label() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Endpoint::short_label() const { return port == 53 ? host : label(); }

Result<Endpoint> parse_endpoint(std::string_view text, uint16_t default_port) {
  std::string host(text);
  std::string port_text;
  if (host.starts_with('[')) {  // "[V6]" or "[V6]:PORT"
    const auto close = host.find(']');
    if (close == std::string::npos) return make_error(ErrorKind::kInvalidArgument, "bad DNS server '" + host + "'");
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return make_error(ErrorKind::kInvalidArgument, "bad DNS server '" + host + "'");
      port_text = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (host.find(':') == host.rfind(':') && host.find(':') != std::string::npos) {  // "V4:PORT"
    port_text = host.substr(host.find(':') + 1);
    host.resize(host.find(':'));
  }
  Endpoint e{.host = host, .port = default_port};
  if (!port_text.empty() || text.ends_with(':')) {
    int p = 0;
    for (char c : port_text) {
      p = std::isdigit(static_cast<unsigned char>(c)) && p < 65536 ? p * 10 + (c - '0') : 1 << 20;
    }
    if (p <= 0 || p > 65535) {
      return make_error(ErrorKind::kInvalidArgument, "bad port in DNS server '" + std::string(text) + "'");
    }
    e.port = static_cast<uint16_t>(p);
  }
  auto address = to_socket_address(e);
  if (!address) {
    return make_error(ErrorKind::kInvalidArgument, "DNS server '" + std::string(text) + "' is not an IP address");
  }
  return e;
}

Result<std::string> exchange(const Endpoint& server, std::string_view message, Transport transport,
                             std::chrono::milliseconds timeout) {
  ACMEKIT_TRY(SocketAddress address, to_socket_address(server));
  if (transport == Transport::kTcp) return exchange_tcp(address, message, timeout);
  Result<std::string> reply = exchange_udp(address, message, timeout);
  if (reply && truncated(*reply)) return exchange_tcp(address, message, timeout);  // RFC 7766 §5
  return reply;
}

}  // namespace acmekit::dns
