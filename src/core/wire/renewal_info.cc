#include "core/wire/renewal_info.h"

#include "core/base64url.h"
#include "core/wire/rfc3339.h"

namespace acmekit::wire {
namespace {

std::unexpected<Error> bad(std::string_view why) {
  return make_error(ErrorKind::kProtocol, "malformed renewalInfo from the server: " + std::string(why));
}

}  // namespace

std::string ari_certificate_id(std::string_view authority_key_id, std::string_view serial_der) {
  // RFC 9773 §4.1: base64url_encode never pads, so nothing is left to strip.
  return base64url_encode(authority_key_id) + "." + base64url_encode(serial_der);
}

Result<std::string> ari_certificate_id(const crypto::CertificateInfo& cert) {
  if (cert.authority_key_id.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "certificate " + cert.serial_hex + " has no authority key identifier (RFC 9773 §4.1 needs one)");
  }
  return ari_certificate_id(cert.authority_key_id, cert.serial_der);
}

Result<AriCertificateId> parse_ari_certificate_id(std::string_view id) {
  auto fail = [&] {
    return make_error(ErrorKind::kInvalidArgument,
                      "\"" + std::string(id.substr(0, 100)) + "\" is not an RFC 9773 certificate identifier "
                      "(base64url keyIdentifier \".\" base64url serial)");
  };
  const auto dot = id.find('.');
  if (dot == std::string_view::npos || id.find('.', dot + 1) != std::string_view::npos) return fail();
  auto aki = base64url_decode(id.substr(0, dot));
  auto serial = base64url_decode(id.substr(dot + 1));
  if (!aki || !serial || aki->empty() || serial->empty()) return fail();
  return AriCertificateId{.authority_key_id = std::move(*aki), .serial_der = std::move(*serial)};
}

Result<RenewalInfo> parse_renewal_info(const nlohmann::json& j) {
  if (!j.is_object()) return bad("not a JSON object");
  auto w = j.find("suggestedWindow");
  if (w == j.end() || !w->is_object()) return bad("no suggestedWindow object");
  auto time_of = [&](const char* key) -> Result<std::chrono::system_clock::time_point> {
    auto it = w->find(key);
    if (it == w->end() || !it->is_string()) return bad(std::string("suggestedWindow has no \"") + key + "\"");
    auto t = parse_rfc3339(it->get<std::string>());
    if (!t) return bad(std::string("suggestedWindow.") + key + ": " + t.error().detail);
    return *t;
  };
  RenewalInfo info;
  ACMEKIT_TRY(info.window_start, time_of("start"));
  ACMEKIT_TRY(info.window_end, time_of("end"));
  // RFC 9773 §4.2: end at or before start makes the object invalid.
  if (info.window_end <= info.window_start) {
    return bad("suggestedWindow ends at or before it starts (" + w->value("end", "") + " <= " +
               w->value("start", "") + ")");
  }
  if (auto e = j.find("explanationURL"); e != j.end() && e->is_string()) info.explanation_url = e->get<std::string>();
  return info;
}

}  // namespace acmekit::wire
