// The client's own files, in certbot's formats: renewal/NAME.conf
// (parse_renewal_config, then LineageSettings) and the dns-rfc2136
// credentials INI. A parsed renewal conf written back (format_renewal_config)
// parses to the same parameters; settings read from a conf write a conf that
// reads back to the same settings.
#include "client/lineage_settings.h"
#include "client/store/lineages.h"
#include "core/dns/credentials.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  using namespace acmekit::client;
  const std::string_view in = fuzz::as_view(data, size);

  const store::RenewalConfig conf = store::parse_renewal_config(in);
  const std::string written = store::format_renewal_config("example.test", "/etc/acmekit", conf);
  FUZZ_CHECK(store::parse_renewal_config(written).params == conf.params);
  if (auto settings = LineageSettings::from_config(conf)) {
    (void)settings->challenge_types();
    (void)settings->key_spec();
    const store::RenewalConfig out = settings->to_config();
    auto again = LineageSettings::from_config(out);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->to_config().params == out.params);
    // And through the file format.
    const store::RenewalConfig reread =
        store::parse_renewal_config(store::format_renewal_config("example.test", "/etc/acmekit", out));
    auto from_file = LineageSettings::from_config(reread);
    FUZZ_CHECK(from_file.has_value());
    FUZZ_CHECK(from_file->to_config().params == out.params);
  } else {
    FUZZ_CHECK(settings.error().kind == ErrorKind::kInvalidArgument);
  }

  if (auto creds = dns::parse_rfc2136_credentials(in, "fuzz.ini")) {
    FUZZ_CHECK(!creds->key.name.empty() && !creds->key.secret.empty());
    FUZZ_CHECK(!creds->server.host.empty() && creds->server.port != 0);
    auto endpoint = dns::parse_endpoint(creds->server.label());
    FUZZ_CHECK(endpoint && *endpoint == creds->server);
    (void)dns::update_server(*creds);
  } else {
    FUZZ_CHECK(creds.error().kind == ErrorKind::kInvalidArgument);
  }
  return 0;
}
