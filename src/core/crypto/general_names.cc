#include "core/crypto/general_names.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace acmekit::crypto {
namespace {

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string asn1_bytes(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

}  // namespace

std::string parse_ip_address(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
  return {};
}

std::string format_ip_address(std::string_view bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = bytes.size() == 4 ? AF_INET : bytes.size() == 16 ? AF_INET6 : 0;
  if (family == 0) return {};
  // glibc's inet_ntop writes IPv6 in RFC 5952 §4 form: lower case, no leading
  // zeros, the first longest run of two or more zero groups as "::".
  if (inet_ntop(family, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

Result<ossl::GeneralNamesPtr> make_general_names(const std::vector<std::string>& identifiers) {
  ossl::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return ossl::crypto_error("building subjectAltName");
  for (const auto& id : identifiers) {
    if (id.empty() || std::ranges::any_of(id, [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
      return make_error(ErrorKind::kInvalidArgument, "invalid identifier \"" + id + "\"");
    }
    std::string ip = parse_ip_address(id);
    // RFC 8738 §3: an IP identifier goes in an iPAddress SAN (network-order
    // bytes); RFC 8555 §7.4: a domain name goes in a dNSName SAN.
    std::string bytes = ip.empty() ? to_lower(id) : ip;
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_STRING* value = ip.empty() ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
    if (gn == nullptr || value == nullptr ||
        ASN1_STRING_set(value, bytes.data(), static_cast<int>(bytes.size())) != 1) {
      GENERAL_NAME_free(gn);
      ASN1_STRING_free(value);
      return ossl::crypto_error("building subjectAltName");
    }
    GENERAL_NAME_set0_value(gn, ip.empty() ? GEN_DNS : GEN_IPADD, value);
    if (sk_GENERAL_NAME_push(names.get(), gn) <= 0) {
      GENERAL_NAME_free(gn);
      return ossl::crypto_error("building subjectAltName");
    }
  }
  return names;
}

Result<DistPointNamePtr> make_distribution_point_name(std::string_view uri) {
  // RFC 5280 §4.2.1.13: the URI names an HTTP (or LDAP) server; we only
  // publish over HTTP. IA5String: ASCII, and no spaces in a URI.
  if (!uri.starts_with("http://") ||
      std::ranges::any_of(uri, [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return make_error(ErrorKind::kInvalidArgument, "invalid CRL distribution point \"" + std::string(uri) + "\"");
  }
  DistPointNamePtr name(DIST_POINT_NAME_new());
  ossl::GeneralNamesPtr full(GENERAL_NAMES_new());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* value = ASN1_IA5STRING_new();
  if (!name || !full || gn == nullptr || value == nullptr ||
      ASN1_STRING_set(value, uri.data(), static_cast<int>(uri.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_STRING_free(value);
    return ossl::crypto_error("building distribution point");
  }
  GENERAL_NAME_set0_value(gn, GEN_URI, value);
  if (sk_GENERAL_NAME_push(full.get(), gn) <= 0) {
    GENERAL_NAME_free(gn);
    return ossl::crypto_error("building distribution point");
  }
  name->type = 0;  // fullName
  name->name.fullname = full.release();
  return name;
}

SubjectAltNames read_general_names(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      out.dns_names.push_back(to_lower(asn1_bytes(gn->d.dNSName)));
    } else if (gn->type == GEN_IPADD) {
      std::string text = format_ip_address(asn1_bytes(gn->d.iPAddress));
      if (!text.empty()) out.ip_addresses.push_back(std::move(text));
    }
  }
  return out;
}

std::string common_name(const X509_NAME* name) {
  if (name == nullptr) return {};
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    ossl::clear_errors();
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace acmekit::crypto
