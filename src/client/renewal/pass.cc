#include "client/renewal/pass.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/challenge/solver_pool.h"
#include "client/install/web_server_factory.h"
#include "client/report_json.h"
#include "client/renewal/ari_cache.h"
#include "client/renewal/hooks.h"
#include "client/renewal/rate_limits.h"
#include "client/store/lineages.h"

namespace acmekit::client {
namespace fs = std::filesystem;
using std::chrono::system_clock;

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Renews one lineage: obtain, install (unless dry run), deploy hooks.
Status renew_one(const std::string& config_dir, const RenewOptions& o, store::LineageStore& lineages,
                 const RenewalCandidate& c, challenge::SolverPool& solvers, const RenewDeps& deps) {
  ACMEKIT_TRY(auto obtained, deps.obtain(c, solvers));
  if (o.dry_run) return {};
  const auto& issued = obtained.issued;
  ACMEKIT_TRY(auto paths, lineages.install(c.name, issued.lineage_files(), c.settings.to_config()));
  // certbot's deploy-hook environment.
  renewal::HookEnv env{{"RENEWED_LINEAGE", paths.cert.parent_path().string()},
                       {"RENEWED_DOMAINS", join(c.settings.names, " ")}};
  ACMEKIT_CHECK(renewal::run_hook("deploy hook", c.settings.deploy_hook, env));
  ACMEKIT_CHECK(renewal::run_hook("deploy hook", o.deploy_hook, env));
  if (!o.no_directory_hooks) {
    ACMEKIT_CHECK(renewal::run_hook_dir("deploy hook", fs::path(config_dir) / "renewal-hooks" / "deploy", env));
  }
  return {};
}

bool in_scope(const RenewOptions& o, const std::string& name) {
  return o.cert_names.empty() || std::ranges::count(o.cert_names, name) > 0;
}

// What the CAs' renewal information says about the lineages of a scan.
struct AriView {
  // The window of each lineage's live certificate, by scan index (nullopt:
  // none known, or out of scope).
  std::vector<std::optional<renewal::AriWindow>> windows;
  // The earliest fetch still to come (for the daemon's sleep).
  std::optional<system_clock::time_point> next_fetch;
};

// RFC 9773 §4.3: reads the cached states; with `fetch`, asks the CAs for the
// lineages whose next fetch time has come (none on a pass that follows a
// recent one), drops the states of deleted lineages and saves the cache.
AriView load_renewal_info(const std::string& config_dir, const RenewOptions& o, const store::LineageStore& lineages,
                          const store::LineageScan& scan, bool fetch, system_clock::time_point now,
                          const RenewDeps& deps) {
  AriView view;
  view.windows.resize(scan.lineages.size());
  auto note_next_fetch = [&](const renewal::AriState& s, const store::LineageValidity& l) {
    // A time already past is a fetch this pass could not make (e.g. an
    // unreadable renewal conf): not a reason to wake up at once.
    if (now < l.not_after && s.next_fetch > now && (!view.next_fetch || s.next_fetch < *view.next_fetch)) {
      view.next_fetch = s.next_fetch;
    }
  };
  auto ari = renewal::AriCache::load(config_dir);
  std::vector<renewal::AriTarget> targets;
  std::vector<size_t> asked;  // scan index of each target
  for (size_t i = 0; i < scan.lineages.size(); ++i) {
    const auto& l = scan.lineages[i];
    if (!in_scope(o, l.name)) continue;
    if (l.revoked) {
      // Due anyway; a window suggested for a revoked certificate is moot.
      ari.forget(l.name);
      continue;
    }
    if (l.cert_id.empty()) continue;
    auto state = ari.find(l.name, l.cert_id);
    if (state && state->window) view.windows[i] = std::move(state->window);
    if (!fetch || !renewal::fetch_due(state ? &*state : nullptr, l.not_after, now)) {
      if (state) note_next_fetch(*state, l);
      continue;
    }
    // Which CA: the one asked last time about this certificate, else the
    // renewal conf's (read only for the lineages that are asked about).
    if (state && !state->server.empty()) {
      targets.push_back({.name = l.name, .cert_id = l.cert_id, .server = std::move(state->server),
                         .ca_bundle = std::move(state->ca_bundle)});
      asked.push_back(i);
      continue;
    }
    auto cfg = lineages.read_renewal(l.name);
    auto settings = cfg ? LineageSettings::from_config(*cfg) : std::unexpected(cfg.error());
    if (!settings) {
      spdlog::debug("{}: no renewal information ({})", l.name, settings.error().message());
      continue;
    }
    if (settings->ca_bundle.empty()) settings->ca_bundle = o.ca_bundle;
    targets.push_back({.name = l.name, .cert_id = l.cert_id, .server = settings->server,
                       .ca_bundle = settings->ca_bundle});
    asked.push_back(i);
  }
  if (!fetch) return view;
  if (!targets.empty()) {
    auto report = renewal::fetch_renewal_info(ari, targets, now, deps.random, deps.ari_http);
    spdlog::debug("renewal information: {} answered, {} failed, {} from CAs without ARI ({} directories)",
                  report.answered, report.failed, report.without_ari, report.directories);
    for (size_t i : asked) {
      auto state = ari.find(scan.lineages[i].name, scan.lineages[i].cert_id);
      if (!state) continue;
      note_next_fetch(*state, scan.lineages[i]);
      view.windows[i] = std::move(state->window);
    }
  }
  if (o.cert_names.empty()) {
    std::vector<std::string_view> names;  // sorted, as the scan is
    names.reserve(scan.lineages.size());
    for (const auto& l : scan.lineages) names.push_back(l.name);
    ari.keep_only(names);
  }
  // A cache: failing to write it only costs requests on the next pass.
  if (auto saved = ari.save(); !saved) spdlog::debug("ARI cache not saved: {}", saved.error().message());
  return view;
}

}  // namespace

RenewDeps real_renew_deps(const std::string& config_dir, const Clock& clock) {
  return RenewDeps{.clock = &clock,
                   .obtain =
                       [config_dir](const RenewalCandidate& c, challenge::SolverPool& solvers) -> Result<Obtained> {
                         AccountOptions account{.account_id = c.settings.account};
                         ACMEKIT_TRY(auto key, key_to_reuse(config_dir, c.name, c.settings, c.new_key));
                         return obtain_certificate(c.settings, account, config_dir, std::nullopt, &solvers,
                                                   c.replaces, std::move(key));
                       },
                   .ari_http = renewal::curl_client_factory(),
                   .random = renewal::default_random()};
}

nlohmann::json RenewReport::to_json() const {
  nlohmann::json due_json = nlohmann::json::array(), not_due_json = nlohmann::json::array(),
                 failed_json = nlohmann::json::array();
  for (const auto& d : due) due_json.push_back({{"cert_name", d.cert_name}, {"reason", d.reason}});
  for (const auto& n : not_due) {
    nlohmann::json entry{{"cert_name", n.cert_name}, {"reason", n.reason}, {"renew_at", iso8601(n.renew_at)}};
    if (n.ari) entry["ari"] = ari_json(*n.ari);
    not_due_json.push_back(std::move(entry));
  }
  for (const auto& f : failed) {
    failed_json.push_back({{"cert_name", f.cert_name ? nlohmann::json(*f.cert_name) : nlohmann::json(nullptr)},
                           {"error", f.error}});
  }
  return {{"format", kJsonFormat}, {"dry_run", dry_run},     {"renewed", renewed},
          {"due", due_json},       {"not_due", not_due_json}, {"failed", failed_json},
          {"reloaded", reloaded}};
}

Result<RenewReport> run_renewal_pass(const std::string& config_dir, const RenewOptions& o, const RenewDeps& deps) {
  const Clock& clock = *deps.clock;
  store::LineageStore lineages(config_dir);
  RenewReport pass;
  pass.dry_run = o.dry_run;
  auto fail = [&](const std::string& name, const Error& e) {
    spdlog::error("{}: {}", name, e.message());
    pass.failed.push_back({name, e.message()});
  };
  // Which lineages are due, from the index: no certificate is opened unless
  // its live/ link changed since the last run.
  auto scan = store::scan_lineages(lineages);
  spdlog::debug("{} lineages, {} certificates parsed (not in the index)", scan.lineages.size(), scan.parsed);
  for (const auto& [name, err] : scan.unreadable) {
    if (in_scope(o, name)) fail(name, err);
  }
  std::vector<RenewalCandidate> due;
  auto& next = pass.next_due;
  for (const auto& name : o.cert_names) {
    if (!std::ranges::any_of(scan.lineages, [&](const auto& l) { return l.name == name; }) &&
        !std::ranges::any_of(scan.unreadable, [&](const auto& u) { return u.first == name; })) {
      fail(name, Error{.kind = ErrorKind::kNotFound, .detail = "no certificate named \"" + name + "\""});
    }
  }
  // `now` moves on with the pass: Retry-After counts from the fetch, which
  // comes after the scan (a minute when the index is rebuilt over 100,000
  // lineages), and a window the CA put around its "now" is judged after it.
  // certbot's --dry-run tries every lineage, due or not; neither it nor
  // --force-renewal needs to ask the CA for windows.
  auto ari = load_renewal_info(config_dir, o, lineages, scan, /*fetch=*/!o.force_renewal && !o.dry_run, clock.now(),
                               deps);
  pass.next_ari_fetch = ari.next_fetch;
  const auto now = clock.now();
  for (size_t i = 0; i < scan.lineages.size(); ++i) {
    const auto& l = scan.lineages[i];
    if (!in_scope(o, l.name)) continue;
    const auto& window = ari.windows[i];
    auto decision = renewal::renewal_due(
        l.not_before, l.not_after, now, window ? &*window : nullptr,
        l.revoked ? renewal::Revocation::kRevoked : renewal::Revocation::kNotKnown);
    if (!decision.due && !o.force_renewal && !o.dry_run) {
      spdlog::debug("{}: not due: {}", l.name, decision.reason);
      if (!next || decision.renew_at < next->second) next = {l.name, decision.renew_at};
      pass.not_due.push_back({l.name, decision.reason, decision.renew_at, decision.ari});
      continue;
    }
    auto settings = load_lineage_settings(lineages, l.name);
    if (!settings) { fail(l.name, settings.error()); continue; }
    if (settings->ca_bundle.empty()) settings->ca_bundle = o.ca_bundle;
    // certbot's autorenew = False: only a forced run renews it (a dry run
    // tries it, as certbot's does); it is not a "next due" for the daemon.
    if (!settings->autorenew && !o.force_renewal && !o.dry_run) {
      spdlog::info("{}: due ({}), but autorenew is off for it (--no-autorenew); skipped", l.name, decision.reason);
      pass.not_due.push_back({l.name, "autorenew is off; " + decision.reason, decision.renew_at, decision.ari});
      continue;
    }
    if (o.reuse_key) settings->reuse_key = true;
    // One profile choice per lineage: a flag given replaces both saved ones.
    if (!o.preferred_profile.empty() || !o.required_profile.empty()) {
      settings->preferred_profile = o.preferred_profile;
      settings->required_profile = o.required_profile;
    }
    std::string why = decision.due        ? decision.reason
                      : o.force_renewal ? "forced (--force-renewal); " + decision.reason
                                        : "dry run; " + decision.reason;
    spdlog::info("{}: renewing ({})", l.name, why);
    pass.due.push_back({l.name, std::move(why)});
    // RFC 9773 §5: the new order replaces the live certificate. Not on a dry
    // run: its certificate is thrown away, the live one still needs replacing.
    due.push_back({l.name, std::move(*settings), o.dry_run ? std::string() : l.cert_id, o.new_key});
  }
  if (next) {
    spdlog::info("{} certificate(s) not due; next: {} at {}", pass.not_due.size(), next->first, iso8601(next->second));
  } else if (!pass.not_due.empty()) {  // only lineages with autorenew off
    spdlog::info("{} certificate(s) not renewed (autorenew off)", pass.not_due.size());
  }

  // Pre and post hooks run once per run, and only when something is renewed.
  const bool hooks = !due.empty() && !o.dry_run;
  // The lineages' own pre/post hooks (certbot's pre_hook / post_hook keys):
  // each distinct command once, after the command line's.
  std::vector<std::string> pre_hooks{o.pre_hook}, post_hooks{o.post_hook};
  for (const auto& c : due) {
    if (!c.settings.pre_hook.empty() && std::ranges::count(pre_hooks, c.settings.pre_hook) == 0) {
      pre_hooks.push_back(c.settings.pre_hook);
    }
    if (!c.settings.post_hook.empty() && std::ranges::count(post_hooks, c.settings.post_hook) == 0) {
      post_hooks.push_back(c.settings.post_hook);
    }
  }
  if (hooks) {
    Status pre;
    for (const auto& h : pre_hooks) {
      if (pre) pre = renewal::run_hook("pre hook", h);
    }
    if (pre && !o.no_directory_hooks) {
      pre = renewal::run_hook_dir("pre hook", fs::path(config_dir) / "renewal-hooks" / "pre");
    }
    if (!pre) return std::unexpected(std::move(pre).error());
  }
  // Up to --max-parallel renewals at once. A rateLimited answer (RFC 8555
  // §6.7) holds every renewal with that account until the CA's Retry-After,
  // in this pass and the next ones (CONFIG_DIR/.index/rate-limits.tsv): they
  // would be refused too, and hammering a rate-limited account makes it worse.
  challenge::SolverPool solvers(config_dir);
  auto limits = renewal::RateLimits::load(config_dir);
  std::mutex mu;
  std::map<std::string, LineageSettings> installers;  // one per server (kind + locations)
  std::atomic<size_t> next_index{0};
  auto worker = [&] {
    for (size_t i; (i = next_index++) < due.size();) {
      const RenewalCandidate& c = due[i];
      Status st;
      if (auto hold = limits.held(c.settings.server, c.settings.account, now)) {
        st = std::unexpected(Error{.kind = ErrorKind::kAcme,
                                   .detail = "not attempted: the CA rate-limited this account until " +
                                             iso8601(hold->until) + " (" + hold->detail + ")",
                                   .type = "urn:ietf:params:acme:error:rateLimited"});
      } else {
        st = renew_one(config_dir, o, lineages, c, solvers, deps);
        if (!st && st.error().is_acme("rateLimited")) {
          limits.record(c.settings.server, c.settings.account, now, st.error().retry_after, st.error().message());
        }
      }
      std::lock_guard lock(mu);
      pass.results[c.name] = st ? std::optional<std::string>() : st.error().message();
      if (st) {
        spdlog::info("{}: {}", c.name, o.dry_run ? "dry run succeeded (live/ untouched)" : "renewed");
        pass.renewed.push_back(c.name);
        if (!o.dry_run && !c.settings.installer.empty()) {
          const auto ws = challenge::web_server_settings(c.settings);
          const std::string where = c.settings.installer + "\n" + ws.nginx_server_root + "\n" + ws.nginx_ctl + "\n" +
                                    ws.apache_server_root + "\n" + ws.apache_ctl;
          installers.emplace(where, c.settings);
        }
        continue;
      }
      spdlog::error("{}: renewal failed, the current certificate stays live: {}", c.name, st.error().message());
      pass.failed.push_back({c.name, st.error().message()});
    }
  };
  std::vector<std::thread> workers;
  const size_t n_workers = std::min<size_t>(static_cast<size_t>(std::max(o.max_parallel, 1)), due.size());
  for (size_t i = 1; i < n_workers; ++i) workers.emplace_back(worker);
  worker();
  for (auto& t : workers) t.join();
  if (auto saved = limits.save(now); !saved) spdlog::warn("rate-limit holds not saved: {}", saved.error().message());
  pass.next_rate_limit_release = limits.next_release(now);
  std::sort(pass.renewed.begin(), pass.renewed.end());
  std::sort(pass.failed.begin(), pass.failed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.cert_name, a.error) < std::tie(b.cert_name, b.error);
  });
  // certbot restarts each installer once per run, after the deploy hooks:
  // the live/NAME links the server reads now point at the new files.
  for (const auto& [key, settings] : installers) {
    Status reloaded = [&]() -> Status {
      const auto kind = install::parse_web_server_kind(settings.installer);
      if (!kind) return make_error(ErrorKind::kInvalidArgument, "unknown installer \"" + settings.installer + "\"");
      ACMEKIT_TRY(auto server, install::make_web_server(*kind, challenge::web_server_settings(settings)));
      ACMEKIT_CHECK(server->config_test());
      return server->reload();
    }();
    if (reloaded) {
      spdlog::info("{} reloaded", settings.installer);
      pass.reloaded.push_back(settings.installer);
    } else {
      spdlog::error("{}", reloaded.error().message());
      pass.failed.push_back({std::nullopt, reloaded.error().message()});
    }
  }
  if (hooks) {
    Status post;
    for (const auto& h : post_hooks) {
      if (post) post = renewal::run_hook("post hook", h);
    }
    if (post && !o.no_directory_hooks) {
      post = renewal::run_hook_dir("post hook", fs::path(config_dir) / "renewal-hooks" / "post");
    }
    if (!post) {
      spdlog::error("{}", post.error().message());
      pass.failed.push_back({std::nullopt, post.error().message()});
    }
  }

  pass.lineages = std::move(scan.lineages);
  return pass;
}

}  // namespace acmekit::client
