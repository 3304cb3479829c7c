// Apache httpd configuration files (client/install/apache_config.h), the
// Apache installer's outside input, and the edits made on them
// (apache_edit.h, apache_vhosts.h).
// Invariants: a parsed file serializes to its bytes; every node's and
// word's span lies in the text, in order, inside its section; a section
// opens with `<` and its closing line with `<` (`</` unless a continuation
// splits them); add_include_first then remove_include gives the bytes back;
// the edits' outputs parse again.
#include "client/install/apache_config.h"
#include "client/install/apache_edit.h"
#include "client/install/apache_vhosts.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit::client::install;

void check_spans(const ApacheFile& f, const std::vector<ApacheNode>& nodes, std::size_t from, std::size_t to) {
  std::size_t at = from;
  for (const auto& n : nodes) {
    FUZZ_CHECK(n.prefix_begin == at && n.prefix_begin <= n.start && n.start < n.end && n.end <= to);
    FUZZ_CHECK(!n.words.empty());
    std::size_t w_at = n.start;
    for (const auto& w : n.words) {
      FUZZ_CHECK(w.begin >= w_at && w.begin < w.end && w.end <= n.end);
      w_at = w.end;
    }
    if (n.is_section) {
      FUZZ_CHECK(f.text[n.start] == '<' && n.open_end <= n.close && f.text[n.close] == '<');
      FUZZ_CHECK(f.text[n.end - 1] == '>');
      check_spans(f, n.children, n.open_end, n.close);
    }
    at = n.end;
  }
}

void visit_vhosts(const ApacheFile& f, const std::vector<ApacheNode>& nodes) {
  const CertificatePaths paths{.certificate = "/etc/acmekit/live/a/fullchain.pem", .key = "/k y.pem"};
  for (const auto& n : nodes) {
    if (!n.is_section) continue;
    if (!n.is("VirtualHost")) {
      visit_vhosts(f, n.children);
      continue;
    }
    (void)pick_vhosts({describe_vhost(f, n)}, "www.example.com", false);
    auto added = add_include_first(f, n, "/run/acmekit/x.conf");
    FUZZ_CHECK(added.has_value());
    auto with = parse_apache_config("fuzz.conf", *added);
    FUZZ_CHECK(with.has_value());
    auto removed = remove_include(*with, "/run/acmekit/x.conf");
    // Unless the file had the include already, the bytes come back.
    if (f.text.find("/run/acmekit/x.conf") == std::string::npos) {
      FUZZ_CHECK(removed.has_value() && *removed == f.text);
    }
    for (auto out : {set_certificate(f, n, paths), add_redirect(f, n, {"example.com"}), add_hsts(f, n)}) {
      if (out) FUZZ_CHECK(parse_apache_config("fuzz.conf", *out).has_value());
    }
    if (auto twin = https_vhost_text(f, n, paths, 8443)) FUZZ_CHECK(parse_apache_config("twin.conf", *twin).has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = parse_apache_config("fuzz.conf", std::string(acmekit::fuzz::as_view(data, size)));
  if (!parsed) return 0;
  const ApacheFile& f = *parsed;
  FUZZ_CHECK(serialize(f) == f.text);
  check_spans(f, f.nodes, 0, f.text.size());
  visit_vhosts(f, f.nodes);
  return 0;
}
