#include "core/dns/zone.h"

#include <algorithm>

namespace acmekit::dns {
namespace {

bool within(std::string_view name, std::string_view zone) {
  if (zone == ".") return true;
  return name == zone ||
         (name.size() > zone.size() && name.ends_with(zone) && name[name.size() - zone.size() - 1] == '.');
}

}  // namespace

Result<std::string> find_zone_apex(const Resolver& resolver, std::string_view name_text) {
  const std::string name = normalize_name(name_text);
  std::string candidate = name;
  for (;;) {
    ACMEKIT_TRY(const Reply reply, resolver.query(candidate, rr_type::kSoa));
    if (!reply.records(reply.answer, candidate, rr_type::kSoa).empty()) return candidate;
    // RFC 2308 §3: a negative answer carries the SOA of the zone it comes from.
    for (const auto& rr : reply.authority) {
      if (rr.type == rr_type::kSoa && within(candidate, rr.name)) return rr.name;
    }
    if (candidate == ".") break;
    const auto dot = candidate.find('.');
    candidate = dot == std::string::npos ? "." : candidate.substr(dot + 1);
  }
  return make_error(ErrorKind::kProtocol, "no SOA found for " + name + " or any parent");
}

Result<std::vector<NameServer>> authoritative_servers(const Resolver& resolver, std::string_view zone_text) {
  const std::string zone = normalize_name(zone_text);
  ACMEKIT_TRY(const Reply reply, resolver.query(zone, rr_type::kNs));
  std::vector<NameServer> servers;
  for (const Record* ns : reply.records(reply.answer, zone, rr_type::kNs)) {
    if (std::ranges::any_of(servers, [&](const NameServer& s) { return s.name == ns->value; })) continue;
    NameServer server{.name = ns->value, .addresses = {}};
    // Glue (RFC 1034 §4.2.1) when the server sent it, IPv4 first.
    for (uint16_t type : {rr_type::kA, rr_type::kAaaa}) {
      for (const Record* a : reply.records(reply.additional, server.name, type)) server.addresses.push_back(a->value);
    }
    if (server.addresses.empty()) {
      for (auto lookup : {&Resolver::lookup_a, &Resolver::lookup_aaaa}) {
        auto answer = (resolver.*lookup)(server.name);
        if (answer) server.addresses.insert(server.addresses.end(), answer->values.begin(), answer->values.end());
      }
    }
    servers.push_back(std::move(server));
  }
  if (servers.empty()) return make_error(ErrorKind::kProtocol, "no NS records for " + zone + " (from " + reply.server + ")");
  return servers;
}

}  // namespace acmekit::dns
