// acmekit-ca's config file (--config acmekit-ca.toml, the packaged
// /etc/acmekit-ca/config.toml) through the real loader, resolve_config(),
// from a temp file; the same bytes as an /etc/hosts-format hosts_file
// (va::read_hosts_file), and the first line as a duration (parse_duration),
// a CIDR block and an address (va/address_policy).
// A config that loads is within the documented bounds.
#include "cli/acmekit-ca/config.h"
#include "server/va/validator.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  static fuzz::TempDir tmp;
  const std::string_view in = fuzz::as_view(data, size);
  const auto file = tmp.path() / "acmekit-ca.toml";
  fuzz::write_file(file, in);

  ca_cli::ServeFlags flags;
  flags.config = file.string();
  if (auto c = ca_cli::resolve_config(flags)) {
    FUZZ_CHECK(!c->data_dir.empty());
    FUZZ_CHECK(c->issuer_key_type == "ecdsa" || c->issuer_key_type == "rsa");
    FUZZ_CHECK(c->sqlite_sync == "normal" || c->sqlite_sync == "full");
    FUZZ_CHECK(c->threads >= 1 && c->threads <= 256);
    FUZZ_CHECK(c->validation_threads >= 1 && c->validation_threads <= 1024);
    FUZZ_CHECK(c->validation_wait >= std::chrono::seconds::zero() && c->validation_wait <= std::chrono::seconds(30));
    FUZZ_CHECK(c->retry_after >= 0 && c->retry_after <= 3600);
    FUZZ_CHECK(c->http01_port >= 1 && c->tlsalpn01_port >= 1);
    FUZZ_CHECK(c->profiles.default_profile().validity.count() >= 60);
    FUZZ_CHECK(c->external_url.empty() || (c->external_url.starts_with("https://") && !c->external_url.ends_with("/")));
    FUZZ_CHECK(c->database.empty() || c->database.starts_with("sqlite:") || c->database.starts_with("postgres"));
    FUZZ_CHECK(c->database_pool >= 1 && c->database_pool <= 256);
    FUZZ_CHECK(server::va::AddressPolicy::allowing(c->validation_allow_cidrs).has_value());
  } else {
    FUZZ_CHECK(c.error().kind == ErrorKind::kInvalidArgument);
  }

  std::string_view rest = in;
  const std::string_view line = fuzz::take_line(rest);
  if (auto d = ca_cli::parse_duration(line)) FUZZ_CHECK(d->count() >= 0);
  // The line as a CIDR block (--validation-allow-cidr) and as an address
  // the default policy judges.
  if (auto cidr = server::va::parse_cidr(line)) FUZZ_CHECK(cidr->prefix >= 0 && cidr->prefix <= 128);
  (void)server::va::AddressPolicy().refusal(line);

  if (auto hosts = server::va::read_hosts_file(file)) {
    for (const auto& [name, addresses] : *hosts) FUZZ_CHECK(!name.empty() && !addresses.empty());
  }
  return 0;
}
