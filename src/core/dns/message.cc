#include "core/dns/message.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdlib>

#include "core/dns/ldns_util.h"

namespace acmekit::dns {
namespace {

using detail::PktPtr;
using detail::RdfPtr;

std::string rdf_text(const ldns_rdf* rdf) {
  char* raw = ldns_rdf2str(rdf);
  if (raw == nullptr) return {};
  std::string s(raw);
  std::free(raw);  // NOLINT: ldns allocates with malloc
  return s;
}

std::string record_value(const ldns_rr* rr) {
  const auto type = static_cast<uint16_t>(ldns_rr_get_type(rr));
  std::string value;
  if (type == rr_type::kTxt) {
    // RFC 1035 §3.3.14: one or more <character-string>s, each length-prefixed.
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
      const ldns_rdf* s = ldns_rr_rdf(rr, i);
      if (ldns_rdf_size(s) == 0) continue;
      const auto* data = ldns_rdf_data(s);
      value.append(reinterpret_cast<const char*>(data) + 1, std::min<std::size_t>(data[0], ldns_rdf_size(s) - 1));
    }
    return value;
  }
  if (type == rr_type::kA || type == rr_type::kAaaa) {
    char text[INET6_ADDRSTRLEN] = {};
    const ldns_rdf* addr = ldns_rr_rdf(rr, 0);
    const int family = type == rr_type::kA ? AF_INET : AF_INET6;
    if (addr != nullptr && ldns_rdf_size(addr) == (family == AF_INET ? 4u : 16u)) {
      ::inet_ntop(family, ldns_rdf_data(addr), text, sizeof text);
    }
    return text;
  }
  if (type == rr_type::kCname || type == rr_type::kNs || type == rr_type::kSoa) {
    return ldns_rr_rd_count(rr) > 0 ? detail::dname_text(ldns_rr_rdf(rr, 0)) : std::string();
  }
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    value += (i == 0 ? "" : " ") + rdf_text(ldns_rr_rdf(rr, i));
  }
  return value;
}

// RFC 8659 §4.1: Flags (one octet), Tag Length + Tag, Value (the rest).
// ldns parses CAA RDATA as INT8, TAG (length-prefixed) and LONG_STR.
std::optional<CaaRecord> caa_of(const ldns_rr* rr) {
  if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA || ldns_rr_rd_count(rr) != 3) return std::nullopt;
  const ldns_rdf* flags = ldns_rr_rdf(rr, 0);
  const ldns_rdf* tag = ldns_rr_rdf(rr, 1);
  const ldns_rdf* value = ldns_rr_rdf(rr, 2);
  if (ldns_rdf_size(flags) != 1 || ldns_rdf_size(tag) < 1) return std::nullopt;
  const auto* t = ldns_rdf_data(tag);
  if (static_cast<std::size_t>(t[0]) + 1 != ldns_rdf_size(tag)) return std::nullopt;
  CaaRecord caa;
  caa.flags = ldns_rdf_data(flags)[0];
  caa.tag.assign(reinterpret_cast<const char*>(t) + 1, t[0]);
  caa.value.assign(reinterpret_cast<const char*>(ldns_rdf_data(value)), ldns_rdf_size(value));
  return caa;
}

std::vector<Record> records_of(const ldns_rr_list* list) {
  std::vector<Record> out;
  const std::size_t count = list != nullptr ? ldns_rr_list_rr_count(list) : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    out.push_back(Record{.name = detail::dname_text(ldns_rr_owner(rr)),
                         .type = static_cast<uint16_t>(ldns_rr_get_type(rr)),
                         .ttl = ldns_rr_ttl(rr),
                         .value = record_value(rr)});
    if (auto caa = caa_of(rr)) {
      out.back().value = caa->text();
      out.back().caa = std::move(caa);
    }
  }
  return out;
}

uint16_t message_id(std::string_view wire) {
  return static_cast<uint16_t>(static_cast<unsigned char>(wire[0]) << 8 | static_cast<unsigned char>(wire[1]));
}

}  // namespace

std::string CaaRecord::text() const {
  // RFC 8659 §4.1.1: the value as a quoted string, '"' and '\\' escaped,
  // other bytes outside printable ASCII as \DDD.
  std::string out = std::to_string(flags) + " " + tag + " \"";
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c > 0x7e) {
      out += '\\';
      out += static_cast<char>('0' + c / 100);
      out += static_cast<char>('0' + c / 10 % 10);
      out += static_cast<char>('0' + c % 10);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string type_name(uint16_t type) {
  switch (type) {
    case rr_type::kA: return "A";
    case rr_type::kNs: return "NS";
    case rr_type::kCname: return "CNAME";
    case rr_type::kSoa: return "SOA";
    case rr_type::kCaa: return "CAA";
    case rr_type::kTxt: return "TXT";
    case rr_type::kAaaa: return "AAAA";
    default: return "TYPE" + std::to_string(type);
  }
}

std::string rcode_name(int code) {
  switch (code) {
    case rcode::kNoError: return "NOERROR";
    case rcode::kFormErr: return "FORMERR";
    case rcode::kServFail: return "SERVFAIL";
    case rcode::kNxDomain: return "NXDOMAIN";
    case rcode::kNotImp: return "NOTIMP";
    case rcode::kRefused: return "REFUSED";
    case rcode::kYxDomain: return "YXDOMAIN";
    case rcode::kYxRrset: return "YXRRSET";
    case rcode::kNxRrset: return "NXRRSET";
    case rcode::kNotAuth: return "NOTAUTH";
    case rcode::kNotZone: return "NOTZONE";
    default: return "RCODE " + std::to_string(code);
  }
}

std::string normalize_name(std::string_view name) {
  std::string s(name);
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

std::vector<const Record*> Reply::records(const std::vector<Record>& section, std::string_view name,
                                          uint16_t type) const {
  const std::string wanted = normalize_name(name);
  std::vector<const Record*> out;
  for (const auto& r : section) {
    if (r.type == type && r.name == wanted) out.push_back(&r);
  }
  return out;
}

Result<Reply> exchange_message(const Endpoint& server, std::string_view request, const ExchangeOptions& options) {
  if (request.size() < 12) return make_error(ErrorKind::kInternal, "DNS request shorter than its header");
  const SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  std::string wire(request);
  std::string request_mac;
  if (options.tsig != nullptr) {
    ACMEKIT_TRY(SignedMessage signed_message, tsig_sign(wire, *options.tsig, clock.now()));
    wire = std::move(signed_message.wire);
    request_mac = std::move(signed_message.mac);
  }
  ACMEKIT_TRY(const std::string bytes, exchange(server, wire, options.transport, options.timeout));
  if (has_misplaced_tsig(bytes)) {
    return make_error(ErrorKind::kProtocol, "malformed DNS answer: a TSIG record that is not the last record");
  }
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) != LDNS_STATUS_OK) {
    return make_error(ErrorKind::kProtocol, "malformed DNS answer");
  }
  PktPtr pkt(raw);
  if (!ldns_pkt_qr(raw) || ldns_pkt_id(raw) != message_id(request)) {
    return make_error(ErrorKind::kProtocol, "DNS answer does not match the query");
  }
  Reply reply;
  reply.rcode = static_cast<int>(ldns_pkt_get_rcode(raw));
  reply.authoritative = ldns_pkt_aa(raw);
  reply.answer = records_of(ldns_pkt_answer(raw));
  reply.authority = records_of(ldns_pkt_authority(raw));
  reply.additional = records_of(ldns_pkt_additional(raw));
  reply.server = server.label();
  if (options.tsig != nullptr) {
    const TsigCheck check = tsig_check_answer(bytes, *options.tsig, request_mac, clock.now());
    const bool success = reply.rcode == rcode::kNoError || reply.rcode == rcode::kNxDomain;
    if (!check.present) {
      // RFC 8945 §5.3: an answer to a signed request is signed. A failure
      // without TSIG (a server that knows none) is passed on as the failure
      // it is; a success without one cannot be trusted.
      if (success) return make_error(ErrorKind::kProtocol, "the answer to a TSIG-signed request is not signed");
    } else if (check.error != 0) {
      reply.tsig_error = check.error;  // §5.3.2: BADSIG/BADKEY answers are unsigned; the caller reports them
    } else if (!check.verified) {
      return make_error(ErrorKind::kProtocol, "the TSIG of the answer does not verify: " + check.problem);
    }
  }
  return reply;
}

Result<Reply> query(const Endpoint& server, std::string_view name, uint16_t type, const QueryOptions& options) {
  RdfPtr dname = detail::make_dname(name);
  if (!dname) return make_error(ErrorKind::kInvalidArgument, "bad DNS name '" + std::string(name) + "'");
  // ldns_pkt_query_new takes ownership of the name.
  PktPtr pkt(ldns_pkt_query_new(dname.release(), static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN,
                                options.recursion_desired ? LDNS_RD : 0));
  if (!pkt) return make_error(ErrorKind::kInternal, "cannot build a DNS query");
  ldns_pkt_set_random_id(pkt.get());
  std::string wire;
  if (!detail::pkt_to_wire(pkt.get(), wire)) return make_error(ErrorKind::kInternal, "cannot encode a DNS query");
  return exchange_message(server, wire, options);
}

}  // namespace acmekit::dns
