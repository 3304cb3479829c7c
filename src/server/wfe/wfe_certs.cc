// Certificate endpoints: download (RFC 8555 §7.4.2), revokeCert (§7.6) and
// renewalInfo (RFC 9773 §4).
#include "core/base64url.h"
#include "server/wfe/handler_util.h"
#include "server/wfe/times.h"

namespace acmekit::server::wfe {
namespace {

using acmekit::http::Response;

}  // namespace

Response Wfe::certificate(Context& ctx, const std::string& id, std::size_t chain) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        if (!is_post_as_get(auth)) return malformed("a certificate is read with POST-as-GET (empty payload)");
        const auto& chains = authority_.chains();
        if (chain >= chains.size()) return not_found("no such certificate chain");
        ACMEKIT_TRY(auto cert, ra_.get_certificate(id));
        Response r;
        r.status = 200;
        // §7.4.2: the leaf, then the chain, PEM.
        r.headers.add("content-type", "application/pem-certificate-chain");
        r.body = cert.leaf_pem;
        if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
        r.body += chains[chain];
        // §7.4.2: the other chains as Link rel="alternate".
        for (std::size_t i = 0; i < chains.size(); ++i) {
          if (i == chain) continue;
          std::string url = ctx.urls.certificate(id) + (i == 0 ? "" : "/" + std::to_string(i));
          r.headers.add("link", "<" + url + ">;rel=\"alternate\"");
        }
        return r;
      }(),
      ctx);
}

Response Wfe::revoke_cert(Context& ctx) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kEither, storage_, nonces_, account_keys_));
        ACMEKIT_TRY(auto payload, payload_object(auth));
        if (!payload.contains("certificate") || !payload["certificate"].is_string()) {
          return malformed("revokeCert needs a \"certificate\"");
        }
        auto der = base64url_decode(payload["certificate"].get<std::string>());
        if (!der) return malformed("\"certificate\" is not base64url: " + der.error().detail);
        int reason = 0;
        if (payload.contains("reason")) {
          if (!payload["reason"].is_number_integer()) return problem("badRevocationReason", "\"reason\" must be an integer");
          reason = payload["reason"].get<int>();
        }
        ra::RevocationSigner signer{.account = auth.account};
        if (!auth.account) signer.jwk_key = auth.key;
        ACMEKIT_CHECK(ra_.revoke(signer, *der, reason));
        Response r;
        r.status = 200;
        return r;
      }(),
      ctx);
}

Response Wfe::renewal_info(Context& ctx, const std::string& cert_id) {
  return respond(
      [&]() -> Result<Response> {
        // RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content).
        ACMEKIT_TRY(auto cert, ra_.certificate_by_ari_id(cert_id));
        // A window in the last third of the lifetime, two days wide for 90
        // days; a revoked certificate should be replaced now (RFC 9773 §4.2).
        auto lifetime = cert.not_after - cert.not_before;
        TimePoint start = cert.not_after - lifetime / 3;
        TimePoint end = start + lifetime / 45;
        if (cert.status == AcmeStatus::kRevoked) {
          TimePoint now = clock_.now();
          start = now - std::chrono::hours(1);
          end = now;
        }
        Response r = json_response(200, {{"suggestedWindow", {{"start", rfc3339(start)}, {"end", rfc3339(end)}}}});
        r.headers.add("retry-after", "21600");  // RFC 9773 §4.3: poll again in 6 hours
        return r;
      }(),
      ctx);
}

}  // namespace acmekit::server::wfe
