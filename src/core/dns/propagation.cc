#include "core/dns/propagation.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "core/dns/message.h"
#include "core/dns/zone.h"

namespace acmekit::dns {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// One authoritative server's progress on one name.
struct ServerState {
  NameServer server;
  bool done = false;            // answered AA with every wanted value
  std::string address;          // the address that answered last (or the first one)
  std::vector<std::string> missing;  // wanted values it did not serve in its last answer
  std::string last_error;       // why its last round gave no usable answer
};

// One name to check (after CNAMEs) and the values wanted there.
struct Target {
  std::string fqdn;  // as the caller gave it
  std::string name;  // the end of fqdn's CNAME chain
  std::vector<std::string> values;
  std::string zone;
  std::vector<ServerState> servers;
};

std::string quoted_list(const std::vector<std::string>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "\"" : ", \"") + v + "\"";
  return s;
}

std::string at_name(const Target& t) {
  return t.name == t.fqdn ? t.fqdn : t.fqdn + " (CNAME to " + t.name + ")";
}

std::string server_label(const ServerState& s, uint16_t port) {
  const std::string address = s.address.empty() ? "no address" : Endpoint{s.address, port}.short_label();
  return s.server.name + " (" + address + ")";
}

// One round for one server: asks its addresses in turn until one answers.
void poll(Target& t, ServerState& s, const PropagationOptions& options) {
  if (s.server.addresses.empty()) {
    s.last_error = "no address found for " + s.server.name;
    return;
  }
  QueryOptions q;
  q.recursion_desired = false;  // the server's own data, not what it may have cached
  q.timeout = options.query_timeout;
  std::string errors;
  for (const auto& address : s.server.addresses) {
    const Endpoint endpoint{address, options.port};
    s.address = address;
    auto reply = query(endpoint, t.name, rr_type::kTxt, q);
    if (!reply) {
      errors += (errors.empty() ? "" : "; ") + endpoint.short_label() + ": " + reply.error().detail;
      continue;
    }
    s.last_error.clear();
    s.missing = t.values;
    if (reply->rcode != rcode::kNoError && reply->rcode != rcode::kNxDomain) {
      s.last_error = "answered " + rcode_name(reply->rcode);
      return;
    }
    if (!reply->authoritative) {
      s.last_error = "answer not authoritative (no AA): is it a server of " + t.zone + "?";
      return;
    }
    std::vector<std::string> served;
    for (const Record* r : reply->records(reply->answer, t.name, rr_type::kTxt)) served.push_back(r->value);
    std::erase_if(s.missing, [&](const std::string& v) { return std::ranges::find(served, v) != served.end(); });
    s.done = s.missing.empty();
    return;
  }
  s.last_error = errors;
  s.missing = t.values;
  s.address = s.server.addresses.front();
}

}  // namespace

Status wait_for_propagation(const std::vector<TxtRecord>& records, const Resolver& resolver,
                            const PropagationOptions& options, Clock& clock) {
  const auto start = clock.now();
  // Group the values by name, in the order given.
  std::vector<Target> targets;
  for (const auto& r : records) {
    const std::string fqdn = normalize_name(r.fqdn);
    auto it = std::ranges::find(targets, fqdn, &Target::fqdn);
    if (it == targets.end()) {
      targets.push_back(Target{.fqdn = fqdn, .name = {}, .values = {}, .zone = {}, .servers = {}});
      it = targets.end() - 1;
    }
    if (std::ranges::find(it->values, r.value) == it->values.end()) it->values.push_back(r.value);
  }
  std::map<std::string, std::vector<NameServer>> servers_of_zone;
  std::size_t checks = 0;
  for (auto& t : targets) {
    // RFC 8555 §8.4 / RFC 1034 §3.6.2: the CA follows a CNAME at the
    // _acme-challenge name; so does this check.
    ACMEKIT_TRY(const Answer chain, resolver.lookup_txt(t.fqdn));
    t.name = chain.name.empty() ? t.fqdn : chain.name;
    ACMEKIT_TRY(t.zone, find_zone_apex(resolver, t.name));
    if (!servers_of_zone.contains(t.zone)) {
      ACMEKIT_TRY(servers_of_zone[t.zone], authoritative_servers(resolver, t.zone));
    }
    for (const auto& ns : servers_of_zone[t.zone]) t.servers.push_back(ServerState{.server = ns});
    checks += t.servers.size();
    spdlog::info("DNS propagation: waiting for {} TXT value(s) at {} on {} server(s) of zone {}", t.values.size(),
                 at_name(t), t.servers.size(), t.zone);
  }

  auto last_report = start;
  milliseconds wait = std::min(options.first_interval, options.interval);
  for (int round = 1;; ++round) {
    std::size_t done = 0;
    for (auto& t : targets) {
      for (auto& s : t.servers) {
        if (!s.done) {
          poll(t, s, options);
          if (s.done) {
            spdlog::info("DNS propagation: {} serves the TXT value(s) at {} (round {})", server_label(s, options.port),
                         at_name(t), round);
          }
        }
        done += s.done ? 1 : 0;
      }
    }
    if (done == checks) {
      spdlog::info("DNS propagation: every authoritative server serves every record (round {})", round);
      return {};
    }
    const auto elapsed = duration_cast<milliseconds>(clock.now() - start);
    if (elapsed >= options.timeout) {
      std::string lagging;
      for (const auto& t : targets) {
        for (const auto& s : t.servers) {
          if (s.done) continue;
          lagging += (lagging.empty() ? "" : "; ") + server_label(s, options.port) + " does not serve TXT " +
                     quoted_list(s.missing) + " at " + at_name(t);
          if (!s.last_error.empty()) lagging += " (last error: " + s.last_error + ")";
        }
      }
      const auto seconds = duration_cast<std::chrono::seconds>(options.timeout).count();
      return make_error(ErrorKind::kTimeout,
                        "DNS propagation timed out after " + std::to_string(seconds) + " s: " + lagging);
    }
    if (clock.now() - last_report >= std::chrono::seconds(10)) {
      last_report = clock.now();
      std::string waiting;
      for (const auto& t : targets) {
        for (const auto& s : t.servers) {
          if (!s.done) waiting += (waiting.empty() ? "" : ", ") + server_label(s, options.port) + " for " + t.name;
        }
      }
      spdlog::info("DNS propagation: still waiting after {} s: {}", duration_cast<std::chrono::seconds>(elapsed).count(),
                   waiting);
    }
    clock.sleep_for(std::min(wait, options.timeout - elapsed));
    wait = std::min(options.interval, wait * 2);
  }
}

}  // namespace acmekit::dns
