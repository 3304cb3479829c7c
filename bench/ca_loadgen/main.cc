// ca_loadgen: keeps an ACME CA busy with many concurrent issuances and says
// how fast and how well it answered. Used by bench/bench_ca.sh (acmekit-ca
// against Pebble) and tests/integration/test_ca_load.sh.
//
// One account, shared by --concurrency workers; each worker has its own
// keep-alive connection (one BeastClient) and Session, and loops over orders
// for unique names o<worker>-<seq>.<suffix>. One http-01 responder on
// 127.0.0.1:--http01-port answers every worker's tokens. Exit code 0 only if
// setup worked and no order failed. Requests whose connection was refused or
// reset are sent again, and badNonce is retried (RetryingClient, Session),
// as clients of a CA behind a load balancer do; the report counts both.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "client/api/session.h"
#include "client/challenge/http01_standalone.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "beast_client.h"
#include "issuance.h"
#include "retrying_client.h"
#include "stats.h"

namespace acmekit::loadgen {
namespace {

using Steady = std::chrono::steady_clock;

struct Flags {
  std::string directory;
  std::string ca_bundle;
  uint16_t http01_port = 0;
  int concurrency = 8;
  std::optional<double> duration_s;
  std::optional<uint64_t> orders;
  std::string name_suffix = "load.test";
  std::string save_certs;  // directory: NAME.pem per issued chain
  bool json = false;
};

// Shared between workers: which order comes next, and the results.
class Run {
 public:
  explicit Run(const Flags& f) : flags_(f), deadline_(Steady::now()) {
    if (f.duration_s) {
      deadline_ += std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(*f.duration_s));
    }
  }

  // Whether a worker should start another order.
  bool claim() {
    if (flags_.orders) return claimed_.fetch_add(1) < *flags_.orders;
    return Steady::now() < deadline_;
  }
  void record(std::chrono::microseconds latency) {
    std::lock_guard lock(mu_);
    stats_.completed++;
    stats_.latencies.push_back(latency);
  }
  void record_failure(const std::string& what) {
    std::lock_guard lock(mu_);
    stats_.failed++;
    if (stats_.first_errors.size() < RunStats::kKeptErrors) stats_.first_errors.push_back(what);
  }
  RunStats take() {
    std::lock_guard lock(mu_);
    return std::move(stats_);
  }

 private:
  const Flags& flags_;
  Steady::time_point deadline_;
  std::atomic<uint64_t> claimed_{0};
  std::mutex mu_;
  RunStats stats_;
};

// With --ca-bundle, only that bundle is trusted: the CA under load is a
// private PKI. Without it, the system store.
Result<std::unique_ptr<BeastClient>> make_client(const Flags& f) {
  return BeastClient::create(f.ca_bundle, "acmekit-ca_loadgen/0.1");
}

// The account every worker signs with (RFC 8555 §7.3).
struct AccountRef {
  crypto::PrivateKey key;
  std::string url;
};

Result<AccountRef> create_account(const Flags& f, RetryCounters& retries) {
  ACMEKIT_TRY(auto client, make_client(f));
  RetryingClient http(*client, retries);
  client::api::Session session(http, f.directory);
  ACMEKIT_CHECK(session.load_directory());
  ACMEKIT_TRY(auto key, crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP256}));
  session.set_account_key(key);
  ACMEKIT_TRY(auto account, client::api::new_account(session, {.terms_of_service_agreed = true}));
  return AccountRef{std::move(key), std::move(account.url)};
}

// Workers set up their connections (TLS context, first handshake, the
// directory) at most this many at a time: hundreds of threads doing it at
// once on a small machine starve each other past the 10 s connect timeout,
// which measures the load generator, not the CA. Like the ramp-up of k6 or
// Gatling; once connected, every worker runs at full speed.
constexpr std::ptrdiff_t kConcurrentConnects = 8;

void worker(int index, const Flags& f, const AccountRef& account,
            client::challenge::Http01Standalone& http01, Run& run,
            std::counting_semaphore<kConcurrentConnects>& connect_gate, RetryCounters& retries) {
  SystemClock clock;
  connect_gate.acquire();
  auto client = make_client(f);
  if (!client) {
    connect_gate.release();
    return run.record_failure(fmt::format("worker {}: {}", index, client.error().message()));
  }
  RetryingClient http(**client, retries);
  client::api::Session session(http, f.directory);
  auto directory = session.load_directory();
  connect_gate.release();
  if (!directory) {
    return run.record_failure(fmt::format("worker {}: {}", index, directory.error().message()));
  }
  session.set_account_key(account.key);
  session.set_account_url(account.url);
  auto cert_key = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP256});
  if (!cert_key) return run.record_failure(fmt::format("worker {}: {}", index, cert_key.error().message()));
  // Retry-After is honoured but capped at 1 s, as is our own backoff: a load
  // generator that sleeps longer than the CA needs measures its own sleeps.
  IssuanceContext ctx{.session = session,
                      .http01 = http01,
                      .clock = clock,
                      .policy = {.max_delay = std::chrono::milliseconds(1'000),
                                 .max_retry_after = std::chrono::milliseconds(1'000),
                                 .timeout = std::chrono::milliseconds(120'000)},
                      .account_jwk = account.key.public_key().to_jwk(),
                      .cert_key = *cert_key,
                      .finalize_recovered = &retries.finalize_recovered};
  for (uint64_t seq = 0; run.claim(); ++seq) {
    const std::string name = fmt::format("o{}-{}.{}", index, seq, f.name_suffix);
    const auto start = Steady::now();
    if (auto r = issue_one(ctx, name); r) {
      if (!f.save_certs.empty()) {
        // Written whole then renamed: a reader (the soak test) never sees half a chain.
        const auto final_path = std::filesystem::path(f.save_certs) / (name + ".pem");
        const auto tmp = std::filesystem::path(f.save_certs) / ("." + name + ".tmp");
        std::ofstream(tmp, std::ios::binary) << *r;
        std::error_code ec;  // a failed rename leaves the .tmp, which the soak test reports
        std::filesystem::rename(tmp, final_path, ec);
      }
      run.record(std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - start));
    } else {
      run.record_failure(name + ": " + r.error().message());
      // A CA that is down (the soak test restarts it) refuses at once: do
      // not spin through thousands of orders meanwhile.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// utime + stime of the whole process (every thread, exited ones too).
std::chrono::duration<double> process_cpu() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return std::chrono::duration<double>(0);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return std::chrono::duration<double>(secs(ru.ru_utime) + secs(ru.ru_stime));
}

int run_load(const Flags& f) {
  auto http01 = client::challenge::Http01Standalone::start("127.0.0.1", f.http01_port);
  if (!http01) {
    fmt::print(stderr, "ca_loadgen: error: {}\n", http01.error().message());
    return 1;
  }
  RetryCounters retries;
  auto account = create_account(f, retries);
  if (!account) {
    fmt::print(stderr, "ca_loadgen: error: creating the account at {}: {}\n", f.directory,
               account.error().message());
    return 1;
  }

  Run run(f);
  const auto start = Steady::now();
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(f.concurrency));
  std::counting_semaphore<kConcurrentConnects> connect_gate(kConcurrentConnects);
  for (int i = 0; i < f.concurrency; ++i) {
    threads.emplace_back(worker, i, std::cref(f), std::cref(*account), std::ref(**http01), std::ref(run),
                         std::ref(connect_gate), std::ref(retries));
  }
  for (auto& t : threads) t.join();
  RunStats stats = run.take();
  stats.elapsed = Steady::now() - start;
  stats.transport_retries = retries.transport.load();
  stats.bad_nonce_retries = retries.bad_nonce.load();
  stats.finalize_recovered = retries.finalize_recovered.load();
  stats.cpu = process_cpu();

  const bool ok = stats.failed == 0;
  if (f.json) {
    fmt::print("{}\n", to_json(std::move(stats)).dump());
  } else {
    fmt::print("{}", to_text(std::move(stats)));
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace acmekit::loadgen

int main(int argc, char** argv) {
  using acmekit::loadgen::Flags;
  Flags f;
  CLI::App app{"Load generator for an ACME CA: many concurrent http-01 issuances from one account"};
  app.add_option("--directory", f.directory, "ACME directory URL")->required();
  app.add_option("--ca-bundle", f.ca_bundle, "PEM file trusted for the CA's HTTPS listener");
  app.add_option("--http01-port", f.http01_port, "Port of the http-01 responder on 127.0.0.1 (the CA's http-01 port)")
      ->required();
  app.add_option("--concurrency", f.concurrency, "Workers, each with its own connection [8]")
      ->check(CLI::Range(1, 4096));
  auto* duration = app.add_option("--duration", f.duration_s, "Start orders for this many seconds")
                       ->check(CLI::PositiveNumber);
  auto* orders = app.add_option("--orders", f.orders, "Issue this many certificates in all")
                     ->check(CLI::PositiveNumber);
  duration->excludes(orders);
  app.add_option("--name-suffix", f.name_suffix, "Names are o<worker>-<seq>.SUFFIX [load.test]");
  app.add_option("--save-certs", f.save_certs, "Write each issued chain to DIR/NAME.pem (the soak test checks them)")
      ->type_name("DIR")->check(CLI::ExistingDirectory);
  app.add_flag("--json", f.json, "Print the result as one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!f.duration_s && !f.orders) {
    fmt::print(stderr, "ca_loadgen: error: give --duration SECONDS or --orders N\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  try {
    return acmekit::loadgen::run_load(f);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ca_loadgen: error: {}\n", e.what());
    return 1;
  }
}
