// What the client reads from a CA (RFC 8555 §7): the resource bodies
// (directory, account, order, authorization, challenge), problem documents
// (§6.7), renewalInfo (RFC 9773 §4.2), and the headers beside them:
// Retry-After and ARI certificate ids from the first line. Problem documents
// survive being written back (the CA's problem_document) and read again.
#include <chrono>

#include "core/wire/json.h"
#include "core/wire/problem.h"
#include "core/wire/renewal_info.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit;

void same_problem(const Error& a, const Error& b) {
  FUZZ_CHECK(a.type == b.type && a.detail == b.detail);
  FUZZ_CHECK(a.subproblems.size() == b.subproblems.size());
  for (size_t i = 0; i < a.subproblems.size(); ++i) {
    FUZZ_CHECK(a.subproblems[i].type == b.subproblems[i].type);
    FUZZ_CHECK(a.subproblems[i].detail == b.subproblems[i].detail);
    FUZZ_CHECK(a.subproblems[i].identifier_type == b.subproblems[i].identifier_type);
    FUZZ_CHECK(a.subproblems[i].identifier_value == b.subproblems[i].identifier_value);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  std::string_view rest = in;
  const std::string_view first_line = fuzz::take_line(rest);

  // Headers.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'750'000'000));
  if (auto delay = wire::parse_retry_after(first_line, now)) FUZZ_CHECK(delay->count() >= 0);
  if (auto id = wire::parse_ari_certificate_id(first_line)) {
    FUZZ_CHECK(!id->authority_key_id.empty() && !id->serial_der.empty());
    FUZZ_CHECK(wire::ari_certificate_id(id->authority_key_id, id->serial_der) == first_line);
  }

  // Problem documents, in an error response and embedded in a resource.
  const Error problem = wire::parse_problem(400, in);
  FUZZ_CHECK(problem.kind == ErrorKind::kAcme || problem.kind == ErrorKind::kProtocol);
  (void)problem.message();
  const Error embedded = wire::parse_embedded_problem(in);
  if (embedded.kind == ErrorKind::kAcme) {
    same_problem(embedded, wire::parse_embedded_problem(wire::problem_document(embedded).dump()));
  }

  // The resources.
  auto json = wire::parse_json(in, "resource");
  if (!json) return 0;
  FUZZ_CHECK(json->is_object());
  if (auto d = wire::parse_directory(*json)) FUZZ_CHECK(!d->new_nonce.empty() && !d->new_order.empty());
  (void)wire::parse_account(*json);
  if (auto o = wire::parse_order(*json)) {
    FUZZ_CHECK(!o->finalize.empty());
    for (const auto& id : o->identifiers) (void)wire::to_json(id);
    if (o->error_json) (void)wire::parse_embedded_problem(*o->error_json);
  }
  if (auto a = wire::parse_authorization(*json)) {
    (void)wire::to_json(a->identifier);
    for (const auto& c : a->challenges) {
      if (c.error_json) (void)wire::parse_embedded_problem(*c.error_json);
    }
  }
  if (auto c = wire::parse_challenge(*json)) {
    if (c->error_json) (void)wire::parse_embedded_problem(*c->error_json);
  }
  if (auto r = wire::parse_renewal_info(*json)) FUZZ_CHECK(r->window_start < r->window_end);
  if (auto it = json->find("value"); it != json->end() && it->is_string()) {
    (void)wire::identifier_for(it->get<std::string>());
  }
  return 0;
}
