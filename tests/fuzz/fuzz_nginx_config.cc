// nginx configuration files (client/install/nginx_config.h), the installer's
// outside input, and the edits made on them (nginx_edit.h).
// Invariants: a parsed file serializes to its bytes; every word's raw span
// lies in the text and follows the previous one; add_include then
// remove_include gives the bytes back; the edits' outputs parse again.
#include "client/install/nginx_config.h"
#include "client/install/nginx_edit.h"
#include "client/install/nginx_servers.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit::client::install;

void check_spans(const ConfigFile& f, const std::vector<Node>& nodes, std::size_t from, std::size_t to) {
  std::size_t at = from;
  for (const auto& n : nodes) {
    FUZZ_CHECK(n.prefix_begin == at && n.prefix_begin <= n.start && n.start < n.end && n.end <= to);
    std::size_t w_at = n.start;
    for (const auto& w : n.words) {
      FUZZ_CHECK(w.begin >= w_at && w.begin < w.end && w.end <= n.end);
      w_at = w.end;
    }
    if (n.is_block) {
      FUZZ_CHECK(f.text[n.body_begin - 1] == '{' && f.text[n.close] == '}' && n.end == n.close + 1);
      check_spans(f, n.children, n.body_begin, n.close);
    } else {
      FUZZ_CHECK(f.text[n.end - 1] == ';');
    }
    at = n.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = parse_config("fuzz.conf", std::string(acmekit::fuzz::as_view(data, size)));
  if (!parsed) return 0;
  const ConfigFile& f = *parsed;
  FUZZ_CHECK(serialize(f) == f.text);
  check_spans(f, f.nodes, 0, f.text.size());
  const CertificatePaths paths{.certificate = "/etc/acmekit/live/a/fullchain.pem", .key = "/k y.pem"};
  for (const Node* s : f.find(nullptr, "server")) {
    if (!s->is_block) continue;
    (void)best_servers({describe_server(f, *s)}, "www.example.com", Scheme::kHttp);
    auto added = add_include(f, *s, "/run/acmekit/x.conf");
    FUZZ_CHECK(added.has_value());
    auto with = parse_config("fuzz.conf", *added);
    FUZZ_CHECK(with.has_value());
    auto removed = remove_include(*with, "/run/acmekit/x.conf");
    // Unless the file had the include already, the bytes come back.
    if (f.text.find("/run/acmekit/x.conf") == std::string::npos) {
      FUZZ_CHECK(removed.has_value() && *removed == f.text);
    }
    for (auto out : {set_certificate(f, *s, paths), add_redirect(f, *s), add_hsts(f, *s),
                     add_https_server(f, *s, paths)}) {
      if (out) FUZZ_CHECK(parse_config("fuzz.conf", *out).has_value());
    }
  }
  return 0;
}
