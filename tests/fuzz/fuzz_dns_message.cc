// DNS answers as the client's resolver, zone walk and RFC 2136 updater read
// them (core/dns/message.cc) and their TSIG (RFC 8945, core/dns/tsig.cc).
//
// The first byte selects; the rest is an answer. A loopback UDP responder in
// this process answers exchange_message()'s request with it (its ID copied
// in, QR set, TC cleared so no TCP retry), so the real parse runs: ldns, then
// our record extraction and, when signed, our TSIG check.
//   bit 0 clear: unsigned request, the answer's bytes as given;
//   bit 0 set:   signed request (hmac-sha256); the answer is parsed by ldns
//                and signed by ldns as the reply to our request; when ldns
//                verifies its own signature, our TSIG check must too (they
//                agree, as the unit tests check for the algorithms both know).
// tsig_check_answer() also reads the raw bytes directly.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/dns/message.h"
#include "core/dns/tsig.h"
#include "fuzz_util.h"

// After the C++ headers: ldns's headers confuse clang's __is_signed
// handling in libstdc++ otherwise.
#include <ldns/ldns.h>

namespace {
using namespace acmekit;

constexpr char kSecretB64[] = "c2VjcmV0LWtleS1vZi10aGUtZnV6emVyLTMyLWJ5dGVz";  // "secret-key-of-the-fuzzer-32-bytes"

class FixedClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return t; }
  void sleep_for(std::chrono::milliseconds) override {}
  std::chrono::system_clock::time_point t;
};

// One UDP socket on 127.0.0.1; answers each request with `reply`.
class Responder {
 public:
  Responder() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    std::thread([this] { serve(); }).detach();  // lives as long as the process
  }
  uint16_t port() const { return port_; }
  void set_reply(std::string reply) {
    std::lock_guard lock(mu_);
    reply_ = std::move(reply);
  }

 private:
  void serve() {
    std::string buf(65535, '\0');
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 2) continue;
      std::string out;
      {
        std::lock_guard lock(mu_);
        out = reply_;
      }
      if (out.size() >= 2) out.replace(0, 2, buf, 0, 2);
      if (out.size() >= 3) out[2] = static_cast<char>((out[2] | 0x80) & ~0x02);  // QR, not TC
      ::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::string reply_;
};

// A query for _acme-challenge.example.test TXT with a fixed ID.
std::string request_wire() {
  ldns_rdf* name = ldns_dname_new_frm_str("_acme-challenge.example.test.");
  ldns_pkt* pkt = ldns_pkt_query_new(name, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, LDNS_RD);
  ldns_pkt_set_id(pkt, 0x1234);
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt, &size) != LDNS_STATUS_OK) std::abort();
  std::string out(reinterpret_cast<char*>(wire), size);
  std::free(wire);
  ldns_pkt_free(pkt);
  return out;
}

// The answer signed by ldns as the reply to a request whose MAC was
// request_mac; empty when ldns cannot parse or sign it.
std::string ldns_signed_answer(std::string_view answer, std::string_view request_mac) {
  // ldns keeps only the last of several TSIG records and leaks the others;
  // exchange_message() refuses such answers before ldns sees them.
  if (dns::has_misplaced_tsig(answer)) return {};
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, reinterpret_cast<const uint8_t*>(answer.data()), answer.size()) != LDNS_STATUS_OK) {
    return {};
  }
  std::string mac_data;
  mac_data.push_back(static_cast<char>(request_mac.size() >> 8));
  mac_data.push_back(static_cast<char>(request_mac.size() & 0xff));
  mac_data += request_mac;
  ldns_rdf* mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, mac_data.size(), mac_data.data());
  // A TSIG the answer came with goes (ldns_pkt_tsig_sign would drop the
  // pointer without freeing it).
  ldns_rr_free(ldns_pkt_tsig(pkt));
  ldns_pkt_set_tsig(pkt, nullptr);
  ldns_pkt_set_id(pkt, 0x1234);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_tc(pkt, false);
  std::string out;
  if (ldns_pkt_tsig_sign(pkt, "fuzz-key.", kSecretB64, 300, "hmac-sha256.", mac) == LDNS_STATUS_OK) {
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK) {
      // Only what ldns itself verifies: it does not always verify what it
      // signs (e.g. a message that came with a TSIG of its own).
      ldns_pkt* back = nullptr;
      ldns_rdf* mac_again = ldns_rdf_clone(mac);
      if (ldns_wire2pkt(&back, wire, size) == LDNS_STATUS_OK &&
          ldns_pkt_tsig_verify(back, wire, size, "fuzz-key.", kSecretB64, mac_again)) {
        out.assign(reinterpret_cast<char*>(wire), size);
      }
      ldns_rdf_deep_free(mac_again);
      ldns_pkt_free(back);
    }
    std::free(wire);
  }
  ldns_rdf_deep_free(mac);
  ldns_pkt_free(pkt);
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Responder responder;
  static const std::string request = request_wire();
  static const dns::TsigKey key{.name = "fuzz-key",
                                .algorithm = dns::TsigAlgorithm::kHmacSha256,
                                .secret = dns::decode_tsig_secret(kSecretB64).value()};
  static FixedClock clock;
  // Whole seconds of the real time: ldns signs with time(NULL).
  clock.t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

  std::string_view in = fuzz::as_view(data, size);
  const bool sign = fuzz::take_byte(in) & 1;
  auto signed_request = dns::tsig_sign(request, key, clock.t);
  FUZZ_CHECK(signed_request.has_value());

  // The raw bytes through our TSIG walker.
  const dns::TsigCheck raw = dns::tsig_check_answer(in, key, signed_request->mac, clock.t);
  FUZZ_CHECK(!raw.verified || (raw.present && raw.error == 0));

  std::string answer(in);
  if (sign) {
    answer = ldns_signed_answer(in, signed_request->mac);
    if (answer.empty()) return 0;
    const dns::TsigCheck check = dns::tsig_check_answer(answer, key, signed_request->mac, clock.t);
    if (!check.verified) {
      std::fprintf(stderr, "ldns-signed answer does not verify: %s\n", check.problem.c_str());
      std::abort();
    }
  }
  if (answer.size() < 12) return 0;  // shorter than a header: the request would only time out
  responder.set_reply(answer);
  const dns::Endpoint server{.host = "127.0.0.1", .port = responder.port()};
  dns::ExchangeOptions options{.transport = dns::Transport::kUdp,
                               .timeout = std::chrono::milliseconds(2000),
                               .tsig = sign ? &key : nullptr,
                               .clock = &clock};
  auto reply = dns::exchange_message(server, request, options);
  if (reply) {
    for (const auto* section : {&reply->answer, &reply->authority, &reply->additional}) {
      for (const auto& r : *section) {
        (void)dns::type_name(r.type);
        (void)reply->records(*section, r.name, r.type);
      }
    }
    (void)dns::rcode_name(reply->rcode);
  } else {
    FUZZ_CHECK(reply.error().kind == ErrorKind::kProtocol);
  }
  return 0;
}
