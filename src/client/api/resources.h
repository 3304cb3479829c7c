// The ACME resources a client touches, one call each, on top of
// Session::post. Each returns the parsed wire type with its URL filled in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/api/session.h"
#include "core/wire/renewal_info.h"
#include "core/wire/types.h"

namespace acmekit::client::api {

// RFC 8555 §7.3 newAccount. With only_return_existing, finds the account of
// the session's key (§7.3.1) and fails with accountDoesNotExist otherwise.
// `eab` is an external account binding JWS (§7.3.4) or null.
struct NewAccountRequest {
  std::vector<std::string> contact;  // "mailto:..."
  bool terms_of_service_agreed = false;
  bool only_return_existing = false;
  nlohmann::json eab;  // null when not used
};
Result<wire::Account> new_account(Session& s, const NewAccountRequest& req);

// RFC 8555 §7.4 newOrder. `replaces` (RFC 9773 §5), when not empty, is the
// certificate identifier of the certificate this order renews; callers send
// it only to a CA whose directory has renewalInfo. `profile`, when not
// empty, is the profile asked for (draft-ietf-acme-profiles §4); callers
// send only one the directory's meta.profiles lists.
Result<wire::Order> new_order(Session& s, const std::vector<wire::Identifier>& identifiers,
                              std::string_view replaces = {}, std::string_view profile = {});
// POST-as-GET an order; keeps `url`. Also reports Retry-After for polling.
Result<wire::Order> get_order(Session& s, const std::string& url,
                              std::optional<std::chrono::seconds>* retry_after = nullptr);
// RFC 8555 §7.4 finalize with a DER CSR.
Result<wire::Order> finalize_order(Session& s, const wire::Order& order, std::string_view csr_der);

// RFC 8555 §7.5 authorizations and §7.5.1 challenge response.
Result<wire::Authorization> get_authorization(Session& s, const std::string& url,
                                              std::optional<std::chrono::seconds>* retry_after = nullptr);
Result<wire::Challenge> respond_challenge(Session& s, const std::string& url);

// RFC 8555 §7.4.2 certificate download, with the alternate chains the
// server links with Link: rel="alternate".
struct CertificateChain {
  std::string pem;                      // leaf first, then issuers
  std::vector<std::string> alternates;  // URLs of alternate chains
};
Result<CertificateChain> download_certificate(Session& s, const std::string& url);

// Link header values "<url>;rel=\"alternate\"" -> the URLs with that rel.
std::vector<std::string> links_with_rel(const std::vector<std::string>& link_headers,
                                        std::string_view rel);


// RFC 9773 §4.1: the unauthenticated GET of renewalInfo/<cert_id> (no
// session, no nonce: any HTTP client will do, so fetches can run in
// parallel), with the Retry-After that says when to ask again (§4.3;
// nullopt when absent or unparseable). kProtocol when the directory has no
// renewalInfo or the answer is not a valid RenewalInfo (an end <= start
// window included, §4.2); a non-2xx answer is the usual Error (kAcme with
// its HTTP status, or kProtocol).
struct RenewalInfoAnswer {
  wire::RenewalInfo info;
  std::optional<std::chrono::seconds> retry_after;
};
Result<RenewalInfoAnswer> get_renewal_info(http::Client& http, const wire::Directory& directory,
                                           std::string_view cert_id);

// RFC 5280 §5.3.1 reason codes, by certbot's names ("keycompromise", ...).
// Errors on an unknown name.
Result<int> revocation_reason_code(std::string_view name);

// RFC 8555 §7.6 revokeCert. Signed with the session's key: the account key
// (kid) normally, or the certificate's own key (embed_jwk = true) when the
// caller holds the key but not the account.
Status revoke_certificate(Session& s, std::string_view cert_der, int reason, bool embed_jwk);


// RFC 8555 §7.3.2: replace the account's contact list.
Result<wire::Account> update_account(Session& s, const std::vector<std::string>& contact);
// RFC 8555 §7.3.2 (POST-as-GET) the account object.
Result<wire::Account> get_account(Session& s);
// RFC 8555 §7.3.6: deactivate the account; the CA refuses it afterwards.
Result<wire::Account> deactivate_account(Session& s);
// RFC 8555 §7.3.5: roll the account over to new_key. On success the session
// signs with new_key.
Status change_account_key(Session& s, const crypto::PrivateKey& new_key);

}  // namespace acmekit::client::api
