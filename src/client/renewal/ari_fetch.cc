#include "client/renewal/ari_fetch.h"

#include <atomic>
#include <map>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "client/api/session.h"
#include "core/http/curl_client.h"

namespace acmekit::client::renewal {

HttpClientFactory curl_client_factory() {
  return [](const std::string& ca_bundle) -> std::unique_ptr<http::Client> {
    return std::make_unique<http::CurlClient>(http::ClientOptions{.ca_bundle = ca_bundle});
  };
}

namespace {

void record_failure(AriCache& cache, const AriTarget& t, const Error& e, AriFailure kind, TimePoint now,
                    bool log = true) {
  const auto previous = cache.find(t.name, t.cert_id);
  AriState next = after_failure(previous ? &*previous : nullptr, t.cert_id, kind, now);
  next.server = t.server;
  next.ca_bundle = t.ca_bundle;
  if (log) spdlog::info("{}: no renewal information ({}); {}, asking again after {} s", t.name, e.message(),
               next.window ? "keeping the last window" : "renewing by the 1/3 rule",
               std::chrono::duration_cast<std::chrono::seconds>(next.next_fetch - now).count());
  cache.put(t.name, std::move(next));
}

}  // namespace

AriFetchReport fetch_renewal_info(AriCache& cache, const std::vector<AriTarget>& targets, TimePoint now,
                                  const RandomFraction& random, const HttpClientFactory& http_factory,
                                  size_t parallel) {
  AriFetchReport report;
  std::map<std::pair<std::string, std::string>, std::vector<const AriTarget*>> by_server;
  for (const auto& t : targets) by_server[{t.server, t.ca_bundle}].push_back(&t);

  for (const auto& [key, group] : by_server) {
    const auto& [server, ca_bundle] = key;
    // The directory once per server per pass (RFC 9773 §3: renewalInfo is
    // where the CA says it offers ARI).
    ++report.directories;
    auto http = http_factory(ca_bundle);
    api::Session session(*http, server);
    if (auto loaded = session.load_directory(); !loaded) {
      spdlog::info("{}: no renewal information for {} lineage(s) this pass: {}", server, group.size(),
                   loaded.error().message());
      for (const AriTarget* t : group) {
        record_failure(cache, *t, loaded.error(), classify_failure(loaded.error()), now, /*log=*/false);
      }
      report.failed += group.size();
      continue;
    }
    const wire::Directory directory = session.directory();
    if (directory.renewal_info.empty()) {
      spdlog::debug("{}: no renewalInfo in the directory; {} lineage(s) renew by the 1/3 rule", server, group.size());
      for (const AriTarget* t : group) {
        const auto previous = cache.find(t->name, t->cert_id);
        AriState next = after_failure(previous ? &*previous : nullptr, t->cert_id, AriFailure::kNoRenewalInfo, now);
        next.server = t->server;
        next.ca_bundle = t->ca_bundle;
        cache.put(t->name, std::move(next));
      }
      report.without_ari += group.size();
      continue;
    }

    // RFC 9773 §4.1: one GET per certificate, from a few workers.
    std::vector<std::optional<Result<api::RenewalInfoAnswer>>> answers(group.size());
    std::atomic<size_t> next{0};
    auto worker = [&](http::Client& client) {
      for (size_t i; (i = next++) < group.size();) answers[i] = api::get_renewal_info(client, directory, group[i]->cert_id);
    };
    const size_t n_workers = std::clamp<size_t>(parallel, 1, group.size());
    std::vector<std::unique_ptr<http::Client>> clients;
    for (size_t i = 1; i < n_workers; ++i) clients.push_back(http_factory(ca_bundle));
    std::vector<std::thread> threads;
    for (auto& c : clients) threads.emplace_back(worker, std::ref(*c));
    worker(*http);
    for (auto& th : threads) th.join();

    for (size_t i = 0; i < group.size(); ++i) {
      const AriTarget& t = *group[i];
      const auto& answer = *answers[i];
      if (!answer) {
        record_failure(cache, t, answer.error(), classify_failure(answer.error()), now);
        ++report.failed;
        continue;
      }
      const auto previous = cache.find(t.name, t.cert_id);
      AriState next_state = after_answer(previous ? &*previous : nullptr, t.cert_id, answer->info,
                                         answer->retry_after, now, random);
      next_state.server = t.server;
      next_state.ca_bundle = t.ca_bundle;
      spdlog::debug("{}: renewal window {} s wide, renew at {}, ask again in {} s", t.name,
                    std::chrono::duration_cast<std::chrono::seconds>(next_state.window->end - next_state.window->start).count(),
                    std::chrono::duration_cast<std::chrono::seconds>(next_state.window->renew_at.time_since_epoch()).count(),
                    std::chrono::duration_cast<std::chrono::seconds>(next_state.next_fetch - now).count());
      cache.put(t.name, std::move(next_state));
      ++report.answered;
    }
  }
  return report;
}

}  // namespace acmekit::client::renewal
