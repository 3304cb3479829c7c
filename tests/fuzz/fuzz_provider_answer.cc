// What DNS provider APIs and their users hand the client: an AWS REST-XML
// answer (client/dns/xml_lite, Route 53), a credentials file as certbot's
// INI or as a JSON object (Google's service-account key). Any input is a
// value or a clear kInvalidArgument; a parsed element's text, escaped and
// parsed again, is the same text.
#include "client/dns/credentials_file.h"
#include "client/dns/xml_lite.h"
#include "fuzz_util.h"

namespace {

using namespace acmekit;
using namespace acmekit::client::dns_api;

void check_texts(const xml::Element& e, int depth) {
  if (depth > 64) return;
  auto again = xml::parse("<r>" + xml::escape(e.text) + "</r>");
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->text == e.text);
  for (const auto& c : e.children) check_texts(c, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  if (auto doc = xml::parse(in)) {
    check_texts(*doc, 0);
  } else {
    FUZZ_CHECK(doc.error().kind == ErrorKind::kInvalidArgument);
  }
  if (auto ini = CredentialsFile::parse(in, "fuzz.ini")) {
    (void)ini->get("dns_cloudflare_api_token");
  } else {
    FUZZ_CHECK(ini.error().kind == ErrorKind::kInvalidArgument);
  }
  if (auto js = CredentialsFile::parse_json(in, "fuzz.json")) {
    (void)js->get("client_email");
  } else {
    FUZZ_CHECK(js.error().kind == ErrorKind::kInvalidArgument);
  }
  return 0;
}
