// Internal to core/dns/: owning pointers for ldns objects and name helpers.
// Only .cc files of core/dns/ include this (and so ldns).
#pragma once

#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace acmekit::dns::detail {

template <auto Free>
struct LdnsDeleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, LdnsDeleter<ldns_pkt_free>>;
using RdfPtr = std::unique_ptr<ldns_rdf, LdnsDeleter<ldns_rdf_deep_free>>;
using RrPtr = std::unique_ptr<ldns_rr, LdnsDeleter<ldns_rr_free>>;
using RrListPtr = std::unique_ptr<ldns_rr_list, LdnsDeleter<ldns_rr_list_deep_free>>;
using ResolverPtr = std::unique_ptr<ldns_resolver, LdnsDeleter<ldns_resolver_deep_free>>;

// An absolute domain name from presentation form ("example.test" and
// "example.test." are the same name); null when it is not a valid name.
inline RdfPtr make_dname(std::string_view text) {
  std::string s(text);
  if (s.empty()) return nullptr;
  if (s.back() != '.') s += '.';
  return RdfPtr(ldns_dname_new_frm_str(s.c_str()));
}

// Presentation form, lower case, without the final dot ("." for the root):
// the one spelling names have everywhere in core/dns/'s API.
inline std::string dname_text(const ldns_rdf* name) {
  if (name == nullptr) return {};
  char* raw = ldns_rdf2str(name);
  if (raw == nullptr) return {};
  std::string s(raw);
  std::free(raw);  // NOLINT: ldns allocates with malloc
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (s.size() > 1 && s.back() == '.') s.pop_back();
  return s;
}

// ldns_pkt2wire into a string.
inline bool pkt_to_wire(const ldns_pkt* pkt, std::string& out) {
  uint8_t* wire = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&wire, pkt, &size) != LDNS_STATUS_OK) return false;
  out.assign(reinterpret_cast<char*>(wire), size);
  std::free(wire);  // NOLINT: ldns allocates with malloc
  return true;
}

}  // namespace acmekit::dns::detail
