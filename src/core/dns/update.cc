#include "core/dns/update.h"

#include <algorithm>

#include "core/dns/ldns_util.h"
#include "core/dns/message.h"

namespace acmekit::dns {
namespace {

using detail::PktPtr;
using detail::RdfPtr;
using detail::RrListPtr;
using detail::RrPtr;

// "NOTAUTH (TSIG error BADSIG)", "REFUSED".
std::string outcome(const Reply& reply) {
  std::string s = rcode_name(reply.rcode);
  if (reply.tsig_error != 0) s += " (TSIG error " + tsig_error_name(reply.tsig_error) + ")";
  return s;
}

// True when name is zone or below it.
bool within(std::string_view name, std::string_view zone) {
  if (zone == ".") return true;
  return name == zone || (name.size() > zone.size() && name.ends_with(zone) &&
                          name[name.size() - zone.size() - 1] == '.');
}

// The parent of a name: "a.b.c" -> "b.c"; "c" -> "" (we stop before the root).
std::string parent_of(std::string_view name) {
  const auto dot = name.find('.');
  return dot == std::string_view::npos ? std::string() : std::string(name.substr(dot + 1));
}

// RFC 1035 §3.3.14: TXT RDATA is <character-string>s of at most 255 octets.
RrPtr txt_rr(const ldns_rdf* owner, std::string_view value, uint32_t ttl, ldns_rr_class klass) {
  RrPtr rr(ldns_rr_new());
  if (!rr) return nullptr;
  ldns_rr_set_owner(rr.get(), ldns_rdf_clone(owner));
  ldns_rr_set_type(rr.get(), LDNS_RR_TYPE_TXT);
  ldns_rr_set_class(rr.get(), klass);
  ldns_rr_set_ttl(rr.get(), ttl);
  do {
    const std::string_view chunk = value.substr(0, 255);
    value.remove_prefix(chunk.size());
    std::string data(1, static_cast<char>(chunk.size()));
    data += chunk;
    ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, data.size(), data.data());
    if (rdf == nullptr) return nullptr;
    ldns_rr_push_rdf(rr.get(), rdf);  // the record owns it now
  } while (!value.empty());
  return rr;
}

}  // namespace

Updater::Updater(UpdateServer server, const Clock& clock) : server_(std::move(server)), clock_(&clock) {}

Result<std::string> Updater::find_zone(std::string_view name_text) const {
  const std::string name = normalize_name(name_text);
  const std::string server = server_.endpoint.label();
  if (!detail::make_dname(name) || name == ".") {
    return make_error(ErrorKind::kInvalidArgument, "bad DNS name '" + std::string(name_text) + "'");
  }
  QueryOptions q;
  q.recursion_desired = false;  // the update server answers from its own zones
  q.timeout = server_.timeout;
  q.clock = clock_;
  if (server_.sign_queries && server_.key) q.tsig = &*server_.key;
  std::string last = "no answer";
  for (std::string candidate = name; !candidate.empty(); candidate = parent_of(candidate)) {
    auto reply = query(server_.endpoint, candidate, rr_type::kSoa, q);
    if (!reply) {
      Error e = std::move(reply).error();
      e.detail = "SOA query for " + candidate + " at " + server + ": " + e.detail;
      return std::unexpected(std::move(e));
    }
    if (reply->tsig_error != 0) {
      return make_error(ErrorKind::kUnavailable,
                        "SOA query for " + candidate + " at " + server + " refused: " + outcome(*reply));
    }
    last = rcode_name(reply->rcode);
    if (!reply->authoritative) continue;  // a referral, a refusal, or a cached answer
    // RFC 1035 §6.2.1 / RFC 2136 §4.2: the apex answers its own SOA.
    if (reply->rcode == rcode::kNoError && !reply->records(reply->answer, candidate, rr_type::kSoa).empty()) {
      return candidate;
    }
    // RFC 2308 §3: NXDOMAIN or NODATA from the zone carries its SOA in the
    // authority section, owned by the apex.
    if (reply->rcode == rcode::kNoError || reply->rcode == rcode::kNxDomain) {
      for (const auto& rr : reply->authority) {
        if (rr.type == rr_type::kSoa && within(candidate, rr.name)) return rr.name;
      }
    }
  }
  return make_error(ErrorKind::kUnavailable, "DNS server " + server + " is not authoritative for any zone containing " +
                                             name + " (" + last + ")");
}

Status Updater::add_txt(std::string_view zone, std::string_view fqdn, std::string_view value, uint32_t ttl) const {
  const TxtRecord one{std::string(fqdn), std::string(value)};
  return update(zone, std::span(&one, 1), ttl, true);
}

Status Updater::delete_txt(std::string_view zone, std::string_view fqdn, std::string_view value) const {
  const TxtRecord one{std::string(fqdn), std::string(value)};
  return update(zone, std::span(&one, 1), 0, false);
}

Status Updater::add_txt(std::string_view zone, std::span<const TxtRecord> records, uint32_t ttl) const {
  return update(zone, records, ttl, true);
}

Status Updater::delete_txt(std::string_view zone, std::span<const TxtRecord> records) const {
  return update(zone, records, 0, false);
}

Status Updater::update(std::string_view zone_text, std::span<const TxtRecord> records, uint32_t ttl,
                       bool add) const {
  const std::string zone = normalize_name(zone_text);
  std::vector<std::string> owners;  // normalized, in order, each once
  for (const auto& r : records) {
    std::string fqdn = normalize_name(r.fqdn);
    if (std::find(owners.begin(), owners.end(), fqdn) == owners.end()) owners.push_back(std::move(fqdn));
  }
  std::string names;
  for (const auto& o : owners) names += (names.empty() ? "" : ", ") + o;
  const std::string what = std::string("DNS UPDATE") + (add ? "" : " (delete)") + " of " + names + " TXT";
  if (records.empty()) return {};
  if (records.size() > kMaxRecordsPerUpdate) {
    return make_error(ErrorKind::kInvalidArgument, what + ": more than " + std::to_string(kMaxRecordsPerUpdate) +
                                                       " records in one update");
  }
  RdfPtr zone_name = detail::make_dname(zone);
  if (!zone_name) return make_error(ErrorKind::kInvalidArgument, what + ": bad name (zone '" + zone + "')");

  // RFC 2136 §2.5.1: add to an RRset (class IN, the TTL); §2.5.4: delete an
  // RR from an RRset (class NONE, TTL 0).
  RrListPtr updates(ldns_rr_list_new());
  RrListPtr none(ldns_rr_list_new());
  if (!updates || !none) return make_error(ErrorKind::kInternal, what + ": cannot build the update");
  for (const auto& r : records) {
    const std::string fqdn = normalize_name(r.fqdn);
    RdfPtr owner = detail::make_dname(fqdn);
    if (!owner) return make_error(ErrorKind::kInvalidArgument, what + ": bad name '" + fqdn + "'");
    if (!within(fqdn, zone)) return make_error(ErrorKind::kInvalidArgument, what + ": " + fqdn + " is not in zone " + zone);
    RrPtr rr = txt_rr(owner.get(), r.value, add ? ttl : 0, add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE);
    if (!rr || !ldns_rr_list_push_rr(updates.get(), rr.get())) {
      return make_error(ErrorKind::kInternal, what + ": cannot build the update");
    }
    rr.release();  // the list owns it now
  }
  // RFC 2136 §2.3: the zone section names the zone (class IN, type SOA). The
  // lists are cloned; the zone name is taken.
  PktPtr pkt(ldns_update_pkt_new(zone_name.release(), LDNS_RR_CLASS_IN, none.get(), updates.get(), none.get()));
  if (!pkt) return make_error(ErrorKind::kInternal, what + ": cannot build the update");
  ldns_pkt_set_rd(pkt.get(), false);  // RFC 2136 §2.2: the Z bits (where RD sits in a query) are zero
  ldns_pkt_set_random_id(pkt.get());
  std::string wire;
  if (!detail::pkt_to_wire(pkt.get(), wire)) return make_error(ErrorKind::kInternal, what + ": cannot encode the update");

  ExchangeOptions x;
  x.transport = server_.update_transport;
  x.timeout = server_.timeout;
  x.clock = clock_;
  if (server_.key) x.tsig = &*server_.key;
  const std::string server = server_.endpoint.label();
  auto reply = exchange_message(server_.endpoint, wire, x);
  if (!reply) {
    Error e = std::move(reply).error();
    e.detail = what + " at " + server + ": " + e.detail;
    return std::unexpected(std::move(e));
  }
  // RFC 2136 §3.8: NOERROR is success; every other RCODE leaves the zone as it was.
  if (reply->rcode != rcode::kNoError || reply->tsig_error != 0) {
    const char* verb = reply->rcode == rcode::kServFail ? " failed: " : " refused: ";
    return make_error(ErrorKind::kUnavailable, what + " at " + server + verb + outcome(*reply));
  }
  return {};
}

}  // namespace acmekit::dns
