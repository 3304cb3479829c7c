// CAA checking (caa.h): RFC 8659 §3 search, §4 processing, RFC 8657 parameters.
#include "server/va/caa.h"

#include <algorithm>
#include <cctype>

#include "core/dns/message.h"
#include "core/wire/enums.h"
#include "server/va/problem.h"

namespace acmekit::server::va {
namespace {

constexpr uint8_t kIssuerCritical = 128;  // RFC 8659 §4.1 Flags

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 8659 §4.2: label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT) );
// a parameter tag has the same form.
bool is_label(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::ranges::all_of(s, [](char c) { return is_alnum(c) || c == '-'; });
}

// issuer-domain-name = label *("." label)
bool is_issuer_domain(std::string_view s) {
  for (;;) {
    const auto dot = s.find('.');
    if (!is_label(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

// value = *(%x21-3A / %x3C-7E): visible ASCII except ';'.
bool is_parameter_value(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return c >= 0x21 && c <= 0x7e && c != ';'; });
}

bool is_known_tag(std::string_view lower_tag) {
  return lower_tag == "issue" || lower_tag == "issuewild" || lower_tag == "iodef";
}

// Why one issue/issuewild property does not let us issue; empty: it does.
// `ours` is set when it names one of our identities.
std::string refusal(const dns::CaaRecord& record, const CaaRequest& request,
                    const std::vector<std::string>& identities, bool& ours) {
  ours = false;
  const auto parsed = parse_caa_issue_value(record.value);
  if (!parsed) return "malformed value";                  // RFC 8659 §4.2
  if (parsed->issuer.empty()) return "no CA may issue";  // RFC 8659 §4.2: ";"
  const std::string issuer = lower(parsed->issuer);
  ours = std::ranges::any_of(identities, [&](const std::string& id) {
    std::string_view want = id;
    if (!want.empty() && want.back() == '.') want.remove_suffix(1);
    return lower(want) == issuer;
  });
  if (!ours) return "another CA";
  std::optional<std::string> account_uri, methods;
  for (const auto& [tag, value] : parsed->parameters) {
    const std::string key = lower(tag);
    // Unknown parameters are ignored; a known one given twice is ambiguous:
    // it authorizes nothing.
    if (key == "accounturi") {
      if (account_uri) return "accounturi given twice";
      account_uri = value;
    } else if (key == "validationmethods") {
      if (methods) return "validationmethods given twice";
      methods = value;
    }
  }
  // RFC 8657 §3: only the account with this URI.
  if (account_uri && *account_uri != request.account_uri) {
    return "accounturi is not this account's (" + request.account_uri + ")";
  }
  // RFC 8657 §4: a comma-separated list of ACME challenge types.
  if (methods) {
    const std::string& want = wire::to_string(request.method);
    bool found = false;
    std::string_view rest = *methods;
    for (;;) {
      const auto comma = rest.find(',');
      if (lower(trim(rest.substr(0, comma))) == want) found = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!found) return "validationmethods does not list " + want;
  }
  return {};
}

}  // namespace

std::optional<CaaIssueValue> parse_caa_issue_value(std::string_view value) {
  // issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
  CaaIssueValue out;
  const auto semi = value.find(';');
  const std::string_view domain = trim(value.substr(0, semi));
  if (!domain.empty() && !is_issuer_domain(domain)) return std::nullopt;
  out.issuer = domain;
  if (semi == std::string_view::npos) return out;
  std::string_view rest = value.substr(semi + 1);
  for (;;) {
    const auto next = rest.find(';');
    const std::string_view part = trim(rest.substr(0, next));
    if (!part.empty()) {
      // parameter = tag *WSP "=" *WSP value
      const auto eq = part.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      const std::string_view tag = trim(part.substr(0, eq)), v = trim(part.substr(eq + 1));
      if (!is_label(tag) || !is_parameter_value(v)) return std::nullopt;
      out.parameters.emplace_back(std::string(tag), std::string(v));
    }
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  return out;
}

Status caa_decision(const CaaRequest& request, std::string_view owner, const std::vector<dns::CaaRecord>& rrset,
                    const std::vector<std::string>& identities) {
  const std::string prefix = "CAA record for " + std::string(owner) + " prevents issuance: ";
  std::vector<const dns::CaaRecord*> issue, issuewild;
  for (const auto& r : rrset) {
    const std::string tag = lower(r.tag);  // RFC 8659 §4.1: tags match case-insensitively
    // RFC 8659 §4.1: an unknown property with the Issuer Critical Flag set
    // forbids issuance; unknown ones without it (and iodef) are ignored.
    if ((r.flags & kIssuerCritical) != 0 && !is_known_tag(tag)) {
      return problem("caa", prefix + r.text() + " (unknown critical property)");
    }
    if (tag == "issue") issue.push_back(&r);
    if (tag == "issuewild") issuewild.push_back(&r);
  }
  // RFC 8659 §4.3: issuewild governs a wildcard when present, else issue;
  // issuewild is ignored for other names.
  const auto& relevant = request.wildcard && !issuewild.empty() ? issuewild : issue;
  // RFC 8659 §4.2: with no issue property, issuance is not restricted.
  if (relevant.empty()) return {};
  std::string records, reason;
  for (const dns::CaaRecord* r : relevant) {
    bool ours = false;
    const std::string why = refusal(*r, request, identities, ours);
    if (why.empty()) return {};
    records += (records.empty() ? "" : ", ") + r->text();
    if (ours && reason.empty()) reason = why;
  }
  return problem("caa", prefix + records + (reason.empty() ? "" : " (" + reason + ")"));
}

Status check_caa(const CaaRequest& request, const std::vector<std::string>& identities, const dns::Resolver& dns) {
  // RFC 8659 §3: for a wildcard the search starts at the name without "*."
  // (the request carries it so); then each parent in turn. We stop below
  // the top-level domain (a TLD holding CAA is not something we serve).
  std::string name = dns::normalize_name(request.name);
  for (;;) {
    auto answer = dns.lookup_caa(name);
    if (!answer) {
      return problem("caa", "CAA lookup for " + name + " failed, issuance refused: " + answer.error().detail);
    }
    if (answer->caa.size() != answer->values.size()) {
      return problem("caa", "CAA record for " + name + " that cannot be parsed (from " + answer->server + ")");
    }
    if (!answer->caa.empty()) {
      const std::string owner = answer->name == name ? name : name + " (CNAME to " + answer->name + ")";
      return caa_decision(request, owner, answer->caa, identities);
    }
    const auto dot = name.find('.');
    if (dot == std::string::npos || name.find('.', dot + 1) == std::string::npos) return {};
    name = name.substr(dot + 1);
  }
}

}  // namespace acmekit::server::va
