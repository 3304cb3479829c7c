#include "server/va/dns_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

#include "core/net/fd.h"

namespace acmekit::server::va {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxCnameLinks = 8;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, Deleter<ldns_pkt_free>>;
using RdfPtr = std::unique_ptr<ldns_rdf, Deleter<ldns_rdf_deep_free>>;
using ResolverPtr = std::unique_ptr<ldns_resolver, Deleter<ldns_resolver_deep_free>>;

using net::Fd;
using net::wait_fd;

struct Server {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string label;  // "HOST:PORT", "[V6]:PORT"
};

Result<Server> parse_server(std::string_view text) {
  std::string host(text);
  uint16_t port = 53;
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
  if (!port_text.empty()) {
    int p = 0;
    for (char c : port_text) {
      p = std::isdigit(static_cast<unsigned char>(c)) && p < 65536 ? p * 10 + (c - '0') : 1 << 20;
    }
    if (p <= 0 || p > 65535) return make_error(ErrorKind::kInvalidArgument, "bad port in DNS server '" + std::string(text) + "'");
    port = static_cast<uint16_t>(p);
  }
  Server s;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    s.len = sizeof *v4;
    s.label = host + ":" + std::to_string(port);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    s.len = sizeof *v6;
    s.label = "[" + host + "]:" + std::to_string(port);
  } else {
    return make_error(ErrorKind::kInvalidArgument, "DNS server '" + std::string(text) + "' is not an IP address");
  }
  return s;
}

// The nameserver lines of /etc/resolv.conf (port 53).
Result<std::vector<std::string>> resolv_conf_servers() {
  ldns_resolver* raw = nullptr;
  if (ldns_resolver_new_frm_file(&raw, nullptr) != LDNS_STATUS_OK) {
    return make_error(ErrorKind::kInvalidArgument, "cannot read the nameservers of /etc/resolv.conf");
  }
  ResolverPtr resolver(raw);
  std::vector<std::string> servers;
  for (std::size_t i = 0; i < ldns_resolver_nameserver_count(raw); ++i) {
    const ldns_rdf* ns = ldns_resolver_nameservers(raw)[i];
    char text[INET6_ADDRSTRLEN] = {};
    const bool v6 = ldns_rdf_get_type(ns) == LDNS_RDF_TYPE_AAAA;
    if (::inet_ntop(v6 ? AF_INET6 : AF_INET, ldns_rdf_data(ns), text, sizeof text) != nullptr) {
      servers.push_back(v6 ? "[" + std::string(text) + "]" : std::string(text));
    }
  }
  if (servers.empty()) return make_error(ErrorKind::kInvalidArgument, "no nameserver in /etc/resolv.conf");
  return servers;
}


std::unexpected<Error> timed_out(std::chrono::milliseconds timeout) {
  return make_error(ErrorKind::kTimeout, "no answer within " + std::to_string(timeout.count()) + " ms");
}
std::unexpected<Error> errno_error(const char* what) {
  return make_error(ErrorKind::kNetwork, std::string(what) + ": " + std::strerror(errno));
}

// RFC 1035 §4.2.1: one datagram each way; answers with another ID are ignored.
Result<std::string> exchange_udp(const Server& s, const std::string& query, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd{::socket(s.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return errno_error("socket");
  // Connected, so an ICMP port unreachable comes back as ECONNREFUSED.
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0) return errno_error("connect");
  if (::send(fd.fd, query.data(), query.size(), MSG_NOSIGNAL) < 0) return errno_error("send");
  std::string buf(65535, '\0');
  for (;;) {
    const int ready = wait_fd(fd.fd, POLLIN, deadline);
    if (ready == 0) return timed_out(timeout);
    if (ready < 0) return errno_error("poll");
    const ssize_t n = ::recv(fd.fd, buf.data(), buf.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("receive");
    if (n >= 2 && buf.compare(0, 2, query, 0, 2) == 0) return buf.substr(0, static_cast<std::size_t>(n));
  }
}

Status send_all(int fd, std::string_view data, Clock::time_point deadline, std::chrono::milliseconds timeout) {
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

Result<std::string> receive_exactly(int fd, std::size_t size, Clock::time_point deadline,
                                    std::chrono::milliseconds timeout) {
  std::string out;
  char buf[4096];
  while (out.size() < size) {
    const int ready = wait_fd(fd, POLLIN, deadline);
    if (ready == 0) return timed_out(timeout);
    const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, size - out.size()), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return errno_error("TCP receive");
    if (n == 0) return make_error(ErrorKind::kNetwork, "TCP connection closed before the answer");
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// RFC 1035 §4.2.2 / RFC 7766 §8: each message prefixed with its 2-byte length.
Result<std::string> exchange_tcp(const Server& s, const std::string& query, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd{::socket(s.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) return errno_error("socket");
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.len) != 0 && errno != EINPROGRESS) {
    return errno_error("TCP connect");
  }
  std::string framed;
  framed.push_back(static_cast<char>(query.size() >> 8));
  framed.push_back(static_cast<char>(query.size() & 0xff));
  framed += query;
  ACMEKIT_CHECK(send_all(fd.fd, framed, deadline, timeout));  // waits for the connect too
  ACMEKIT_TRY(std::string length, receive_exactly(fd.fd, 2, deadline, timeout));
  const std::size_t size = static_cast<unsigned char>(length[0]) << 8 | static_cast<unsigned char>(length[1]);
  return receive_exactly(fd.fd, size, deadline, timeout);
}

std::string type_name(ldns_rr_type type) {
  switch (type) {
    case LDNS_RR_TYPE_TXT: return "TXT";
    case LDNS_RR_TYPE_A: return "A";
    case LDNS_RR_TYPE_AAAA: return "AAAA";
    default: return "type " + std::to_string(static_cast<int>(type));
  }
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  switch (rcode) {
    case LDNS_RCODE_FORMERR: return "FORMERR";
    case LDNS_RCODE_SERVFAIL: return "SERVFAIL";
    case LDNS_RCODE_NOTIMPL: return "NOTIMP";
    case LDNS_RCODE_REFUSED: return "REFUSED";
    default: return "RCODE " + std::to_string(static_cast<int>(rcode));
  }
}

// One query to one server: UDP, then TCP when the answer is truncated
// (RFC 7766 §5). Answers other than NOERROR and NXDOMAIN are errors.
Result<PktPtr> ask(const Server& s, const ldns_rdf* name, ldns_rr_type type, std::chrono::milliseconds timeout) {
  PktPtr query(ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN, LDNS_RD));
  if (!query) return make_error(ErrorKind::kInternal, "cannot build a DNS query");
  ldns_pkt_set_random_id(query.get());
  uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, query.get(), &size) != LDNS_STATUS_OK) {
    return make_error(ErrorKind::kInternal, "cannot encode a DNS query");
  }
  const std::string bytes(reinterpret_cast<char*>(wire), size);
  free(wire);  // NOLINT: ldns allocates with malloc

  ACMEKIT_TRY(std::string reply, exchange_udp(s, bytes, timeout));
  for (int attempt = 0;; ++attempt) {
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, reinterpret_cast<const uint8_t*>(reply.data()), reply.size()) != LDNS_STATUS_OK) {
      return make_error(ErrorKind::kProtocol, "malformed DNS answer");
    }
    PktPtr answer(raw);
    if (!ldns_pkt_qr(raw) || ldns_pkt_id(raw) != ldns_pkt_id(query.get())) {
      return make_error(ErrorKind::kProtocol, "DNS answer does not match the query");
    }
    if (ldns_pkt_tc(raw) && attempt == 0) {
      ACMEKIT_TRY(reply, exchange_tcp(s, bytes, timeout));
      continue;
    }
    const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(raw);
    if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
      return make_error(ErrorKind::kNetwork, "answered " + rcode_name(rcode));
    }
    return answer;
  }
}

std::string record_value(const ldns_rr* rr, ldns_rr_type type) {
  std::string value;
  if (type == LDNS_RR_TYPE_TXT) {
    // RFC 1035 §3.3.14: one or more <character-string>s, each length-prefixed.
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
      const ldns_rdf* s = ldns_rr_rdf(rr, i);
      if (ldns_rdf_size(s) == 0) continue;
      const auto* data = ldns_rdf_data(s);
      value.append(reinterpret_cast<const char*>(data) + 1, std::min<std::size_t>(data[0], ldns_rdf_size(s) - 1));
    }
    return value;
  }
  char text[INET6_ADDRSTRLEN] = {};
  const ldns_rdf* addr = ldns_rr_rdf(rr, 0);
  const int family = type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
  if (addr != nullptr && ldns_rdf_size(addr) == (family == AF_INET ? 4u : 16u)) {
    ::inet_ntop(family, ldns_rdf_data(addr), text, sizeof text);
  }
  return text;
}

}  // namespace

DnsResolver::DnsResolver(std::vector<std::string> servers, std::chrono::milliseconds timeout)
    : servers_(std::move(servers)), timeout_(timeout) {}

Result<DnsAnswer> DnsResolver::lookup_txt(std::string_view name) const { return lookup(name, LDNS_RR_TYPE_TXT); }
Result<DnsAnswer> DnsResolver::lookup_a(std::string_view name) const { return lookup(name, LDNS_RR_TYPE_A); }
Result<DnsAnswer> DnsResolver::lookup_aaaa(std::string_view name) const { return lookup(name, LDNS_RR_TYPE_AAAA); }

Result<DnsAnswer> DnsResolver::lookup(std::string_view name_text, int type_number) const {
  const auto type = static_cast<ldns_rr_type>(type_number);
  const std::string what = type_name(type) + " " + std::string(name_text);
  std::vector<std::string> texts = servers_;
  if (texts.empty()) {
    ACMEKIT_TRY(texts, resolv_conf_servers());
  }
  std::vector<Server> servers;
  for (const auto& text : texts) {
    ACMEKIT_TRY(Server s, parse_server(text));
    servers.push_back(std::move(s));
  }
  RdfPtr name(ldns_dname_new_frm_str(std::string(name_text).c_str()));
  if (!name) return make_error(ErrorKind::kInvalidArgument, "bad DNS name '" + std::string(name_text) + "'");

  int links = 0;
  for (;;) {
    // Each server in turn until one answers.
    Result<PktPtr> reply = make_error(ErrorKind::kInternal, "no DNS server");
    std::string failures;
    DnsAnswer answer;
    for (const auto& s : servers) {
      reply = ask(s, name.get(), type, timeout_);
      if (reply) {
        answer.server = s.label;
        break;
      }
      failures += (failures.empty() ? "" : "; ") + s.label + ": " + reply.error().detail;
    }
    if (!reply) {
      Error e = std::move(reply).error();
      e.detail = "DNS lookup of " + what + " failed: " + failures;
      return std::unexpected(std::move(e));
    }
    const ldns_pkt* pkt = reply->get();
    if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN) {
      answer.nxdomain = true;
      return answer;
    }
    // RFC 1034 §3.6.2: follow the CNAMEs in the answer from the name asked.
    const ldns_rr_list* rrs = ldns_pkt_answer(pkt);
    const std::size_t count = rrs != nullptr ? ldns_rr_list_rr_count(rrs) : 0;
    bool moved = false;
    for (bool again = true; again;) {
      again = false;
      for (std::size_t i = 0; i < count; ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || ldns_dname_compare(ldns_rr_owner(rr), name.get()) != 0 ||
            ldns_rr_rd_count(rr) < 1) {
          continue;
        }
        if (++links > kMaxCnameLinks) {
          return make_error(ErrorKind::kProtocol, "DNS lookup of " + what + " at " + answer.server +
                                                      ": CNAME chain longer than " + std::to_string(kMaxCnameLinks));
        }
        name.reset(ldns_rdf_clone(ldns_rr_rdf(rr, 0)));
        moved = again = true;
        break;
      }
    }
    for (std::size_t i = 0; i < count; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
      if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), name.get()) == 0) {
        answer.values.push_back(record_value(rr, type));
      }
    }
    // A CNAME whose target's records were not in the answer: ask for them.
    if (!answer.values.empty() || !moved) return answer;
  }
}

}  // namespace acmekit::server::va
