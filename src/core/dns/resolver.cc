#include "core/dns/resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/dns/ldns_util.h"

namespace acmekit::dns {
namespace {

constexpr int kMaxCnameLinks = 8;

// The nameserver lines of /etc/resolv.conf (port 53).
Result<std::vector<std::string>> resolv_conf_servers() {
  ldns_resolver* raw = nullptr;
  if (ldns_resolver_new_frm_file(&raw, nullptr) != LDNS_STATUS_OK) {
    return make_error(ErrorKind::kInvalidArgument, "cannot read the nameservers of /etc/resolv.conf");
  }
  detail::ResolverPtr resolver(raw);
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

}  // namespace

Resolver::Resolver(std::vector<std::string> servers, std::chrono::milliseconds timeout)
    : servers_(std::move(servers)), timeout_(timeout) {}

Result<Answer> Resolver::lookup_txt(std::string_view name) const { return lookup(name, rr_type::kTxt); }
Result<Answer> Resolver::lookup_a(std::string_view name) const { return lookup(name, rr_type::kA); }
Result<Answer> Resolver::lookup_aaaa(std::string_view name) const { return lookup(name, rr_type::kAaaa); }
Result<Answer> Resolver::lookup_caa(std::string_view name) const { return lookup(name, rr_type::kCaa); }

Result<std::vector<Endpoint>> Resolver::endpoints() const {
  std::vector<std::string> texts = servers_;
  if (texts.empty()) {
    ACMEKIT_TRY(texts, resolv_conf_servers());
  }
  std::vector<Endpoint> out;
  for (const auto& text : texts) {
    ACMEKIT_TRY(Endpoint e, parse_endpoint(text));
    out.push_back(std::move(e));
  }
  return out;
}

Result<Reply> Resolver::query(std::string_view name, uint16_t type) const {
  return ask(name, type, type_name(type) + " " + std::string(name));
}

Result<Reply> Resolver::ask(std::string_view name, uint16_t type, std::string_view what) const {
  ACMEKIT_TRY(const std::vector<Endpoint> servers, endpoints());
  if (!detail::make_dname(name)) {
    return make_error(ErrorKind::kInvalidArgument, "bad DNS name '" + std::string(name) + "'");
  }
  QueryOptions options;
  options.timeout = timeout_;
  options.recursion_desired = true;
  // Each server in turn until one answers.
  Result<Reply> reply = make_error(ErrorKind::kInternal, "no DNS server");
  std::string failures;
  for (const auto& s : servers) {
    reply = dns::query(s, name, type, options);
    // RFC 1035 §4.1.1: answers other than NOERROR and NXDOMAIN are failures.
    if (reply && reply->rcode != rcode::kNoError && reply->rcode != rcode::kNxDomain) {
      reply = make_error(ErrorKind::kUnavailable, "answered " + rcode_name(reply->rcode));
    }
    if (reply) return reply;
    failures += (failures.empty() ? "" : "; ") + s.label() + ": " + reply.error().detail;
  }
  Error e = std::move(reply).error();
  e.detail = "DNS lookup of " + std::string(what) + " failed: " + failures;
  return std::unexpected(std::move(e));
}

Result<Answer> Resolver::lookup(std::string_view name_text, uint16_t type) const {
  const std::string what = type_name(type) + " " + std::string(name_text);
  std::string name = normalize_name(name_text);
  int links = 0;
  for (;;) {
    ACMEKIT_TRY(const Reply reply, ask(name, type, what));
    Answer answer;
    answer.server = reply.server;
    // RFC 1034 §3.6.2: follow the CNAMEs in the answer from the name asked.
    // An NXDOMAIN is about the last name of that chain (RFC 6604 §2.1): a
    // CNAME to a name that does not exist yet (a delegated _acme-challenge
    // before its first record) still names its target.
    bool moved = false;
    for (bool again = true; again;) {
      again = false;
      for (const Record* rr : reply.records(reply.answer, name, rr_type::kCname)) {
        if (++links > kMaxCnameLinks) {
          return make_error(ErrorKind::kProtocol, "DNS lookup of " + what + " at " + answer.server +
                                                      ": CNAME chain longer than " + std::to_string(kMaxCnameLinks));
        }
        name = rr->value;
        moved = again = true;
        break;
      }
    }
    for (const Record* rr : reply.records(reply.answer, name, type)) {
      answer.values.push_back(rr->value);
      if (rr->caa) answer.caa.push_back(*rr->caa);
    }
    answer.name = name;
    if (reply.rcode == rcode::kNxDomain) {
      answer.nxdomain = true;
      return answer;
    }
    // A CNAME whose target's records were not in the answer: ask for them.
    if (!answer.values.empty() || !moved) return answer;
  }
}

}  // namespace acmekit::dns
