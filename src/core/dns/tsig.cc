#include "core/dns/tsig.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "core/crypto/digest.h"
#include "core/dns/ldns_util.h"

namespace acmekit::dns {
namespace {

using detail::RdfPtr;

constexpr uint16_t kTypeTsig = 250;   // RFC 8945 §4.2
constexpr uint16_t kClassAny = 255;   // RFC 8945 §4.2: CLASS ANY
constexpr std::size_t kHeaderSize = 12;

struct AlgorithmInfo {
  TsigAlgorithm algorithm;
  const char* wire_name;  // RFC 8945 §6
  const char* certbot_name;
  const char* digest;     // for crypto::hmac
};
constexpr std::array<AlgorithmInfo, 6> kAlgorithms{{
    {TsigAlgorithm::kHmacMd5, "hmac-md5.sig-alg.reg.int", "HMAC-MD5", "MD5"},
    {TsigAlgorithm::kHmacSha1, "hmac-sha1", "HMAC-SHA1", "SHA1"},
    {TsigAlgorithm::kHmacSha224, "hmac-sha224", "HMAC-SHA224", "SHA224"},
    {TsigAlgorithm::kHmacSha256, "hmac-sha256", "HMAC-SHA256", "SHA256"},
    {TsigAlgorithm::kHmacSha384, "hmac-sha384", "HMAC-SHA384", "SHA384"},
    {TsigAlgorithm::kHmacSha512, "hmac-sha512", "HMAC-SHA512", "SHA512"},
}};

const AlgorithmInfo& info(TsigAlgorithm a) {
  return *std::ranges::find(kAlgorithms, a, &AlgorithmInfo::algorithm);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 8945 §4.3.3: names in the digest are in canonical form (RFC 4034
// §6.2: uncompressed, lower case).
Result<std::string> canonical_wire(std::string_view name, std::string_view what) {
  RdfPtr dname = detail::make_dname(name);
  if (!dname) return make_error(ErrorKind::kInvalidArgument, "bad TSIG " + std::string(what) + " '" + std::string(name) + "'");
  ldns_dname2canonical(dname.get());
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(dname.get())), ldns_rdf_size(dname.get()));
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void put48(std::string& out, uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
uint16_t get16(std::string_view w, std::size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(w[at]) << 8 | static_cast<unsigned char>(w[at + 1]));
}

// RFC 8945 §4.3.3: the TSIG variables that follow the message in the digest.
std::string tsig_variables(std::string_view key_name, std::string_view algorithm_name, uint64_t time_signed,
                           uint16_t fudge, uint16_t error, std::string_view other) {
  std::string v(key_name);
  put16(v, kClassAny);
  v.append(4, '\0');  // TTL 0
  v += algorithm_name;
  put48(v, time_signed);
  put16(v, fudge);
  put16(v, error);
  put16(v, static_cast<uint16_t>(other.size()));
  v += other;
  return v;
}

uint64_t unix_seconds(std::chrono::system_clock::time_point t) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return s > 0 ? static_cast<uint64_t>(s) : 0;
}

// Reads a (possibly compressed, RFC 1035 §4.1.4) name at pos into canonical
// wire form; pos moves past the name as it appears in place.
std::optional<std::string> read_name(std::string_view w, std::size_t& pos) {
  std::string out;
  std::size_t at = pos;
  bool jumped = false;
  // A name has up to 127 labels (255 octets, RFC 1035 §3.1), each step here
  // reads one label or follows one pointer: 256 steps read any legal name
  // and end a pointer loop.
  for (int steps = 0; steps < 256; ++steps) {
    if (at >= w.size()) return std::nullopt;
    const auto len = static_cast<unsigned char>(w[at]);
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= w.size()) return std::nullopt;
      if (!jumped) pos = at + 2;
      jumped = true;
      at = static_cast<std::size_t>(len & 0x3F) << 8 | static_cast<unsigned char>(w[at + 1]);
      continue;
    }
    if ((len & 0xC0) != 0 || at + 1 + len > w.size()) return std::nullopt;
    out += lower(w.substr(at, 1 + len));
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return out;
    }
    at += 1 + len;
  }
  return std::nullopt;
}

bool skip_rr(std::string_view w, std::size_t& pos, bool question) {
  if (!read_name(w, pos)) return false;
  if (question) {
    pos += 4;
    return pos <= w.size();
  }
  if (pos + 10 > w.size()) return false;
  pos += 10 + get16(w, pos + 8);
  return pos <= w.size();
}

}  // namespace

Result<TsigAlgorithm> parse_tsig_algorithm(std::string_view name) {
  std::string n = lower(name);
  if (n.ends_with('.')) n.pop_back();
  for (const auto& a : kAlgorithms) {
    if (n == lower(a.certbot_name) || n == a.wire_name) return a.algorithm;
  }
  if (n == "hmac-md5") return TsigAlgorithm::kHmacMd5;  // BIND accepts this short form too
  return make_error(ErrorKind::kInvalidArgument,
                    "unknown TSIG algorithm '" + std::string(name) +
                        "' (HMAC-MD5, HMAC-SHA1, HMAC-SHA224, HMAC-SHA256, HMAC-SHA384 or HMAC-SHA512)");
}

std::string tsig_algorithm_name(TsigAlgorithm algorithm) { return info(algorithm).wire_name; }
std::string certbot_algorithm_name(TsigAlgorithm algorithm) { return info(algorithm).certbot_name; }

Result<std::string> decode_tsig_secret(std::string_view base64) {
  std::string compact;
  for (char c : base64) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  if (compact.empty()) return make_error(ErrorKind::kInvalidArgument, "the TSIG secret is empty");
  ldns_rdf* raw = nullptr;
  if (ldns_str2rdf_b64(&raw, compact.c_str()) != LDNS_STATUS_OK || raw == nullptr) {
    return make_error(ErrorKind::kInvalidArgument, "the TSIG secret is not valid base64");
  }
  RdfPtr rdf(raw);
  std::string out(reinterpret_cast<const char*>(ldns_rdf_data(raw)), ldns_rdf_size(raw));
  if (out.empty()) return make_error(ErrorKind::kInvalidArgument, "the TSIG secret is empty");
  return out;
}

std::string tsig_error_name(uint16_t error) {
  switch (error) {
    case kTsigBadSig: return "BADSIG";
    case kTsigBadKey: return "BADKEY";
    case kTsigBadTime: return "BADTIME";
    case kTsigBadTrunc: return "BADTRUNC";
    default: return "error " + std::to_string(error);
  }
}

Result<SignedMessage> tsig_sign(std::string_view message, const TsigKey& key,
                                std::chrono::system_clock::time_point now) {
  if (message.size() < kHeaderSize) return make_error(ErrorKind::kProtocol, "DNS message shorter than its header");
  if (key.secret.empty()) return make_error(ErrorKind::kInvalidArgument, "the TSIG secret is empty");
  ACMEKIT_TRY(const std::string key_name, canonical_wire(key.name, "key name"));
  ACMEKIT_TRY(const std::string algorithm, canonical_wire(tsig_algorithm_name(key.algorithm), "algorithm"));
  const uint64_t time_signed = unix_seconds(now);
  // RFC 8945 §4.3.3: MAC over the message as it is before the TSIG is added,
  // then the TSIG variables.
  ACMEKIT_TRY(std::string mac,
              crypto::hmac(info(key.algorithm).digest, key.secret,
                           std::string(message) + tsig_variables(key_name, algorithm, time_signed, kTsigFudge, 0, {})));
  // RFC 8945 §4.2: the TSIG RR, last in the additional section.
  std::string rdata = algorithm;
  put48(rdata, time_signed);
  put16(rdata, kTsigFudge);
  put16(rdata, static_cast<uint16_t>(mac.size()));
  rdata += mac;
  rdata += message.substr(0, 2);  // Original ID
  put16(rdata, 0);                // Error
  put16(rdata, 0);                // Other Len
  SignedMessage out;
  out.wire.assign(message);
  out.wire += key_name;
  put16(out.wire, kTypeTsig);
  put16(out.wire, kClassAny);
  out.wire.append(4, '\0');  // TTL 0
  put16(out.wire, static_cast<uint16_t>(rdata.size()));
  out.wire += rdata;
  const uint16_t arcount = get16(message, 10) + 1;
  out.wire[10] = static_cast<char>(arcount >> 8);
  out.wire[11] = static_cast<char>(arcount & 0xff);
  out.mac = std::move(mac);
  return out;
}

bool has_misplaced_tsig(std::string_view message) {
  if (message.size() < kHeaderSize) return false;
  const uint16_t counts[4] = {get16(message, 4), get16(message, 6), get16(message, 8), get16(message, 10)};
  std::size_t pos = kHeaderSize;
  for (int section = 0; section < 4; ++section) {
    for (uint16_t i = 0; i < counts[section]; ++i) {
      if (section == 0) {
        if (!skip_rr(message, pos, true)) return false;
        continue;
      }
      if (!read_name(message, pos) || pos + 10 > message.size()) return false;
      const bool last = section == 3 && i + 1 == counts[3];
      if (get16(message, pos) == kTypeTsig && !last) return true;
      pos += 10 + get16(message, pos + 8);
      if (pos > message.size()) return false;
    }
  }
  return false;
}

TsigCheck tsig_check_answer(std::string_view answer, const TsigKey& key, std::string_view request_mac,
                            std::chrono::system_clock::time_point now) {
  TsigCheck check;
  if (answer.size() < kHeaderSize) return check;
  const uint16_t counts[4] = {get16(answer, 4), get16(answer, 6), get16(answer, 8), get16(answer, 10)};
  if (counts[3] == 0) return check;
  // Walk to the last record of the additional section (RFC 8945 §4.2: the TSIG is last).
  std::size_t pos = kHeaderSize;
  for (int section = 0; section < 4; ++section) {
    const uint16_t n = section == 3 ? counts[3] - 1 : counts[section];
    for (uint16_t i = 0; i < n; ++i) {
      if (!skip_rr(answer, pos, section == 0)) return check;
    }
  }
  const std::size_t tsig_start = pos;
  const auto owner = read_name(answer, pos);
  if (!owner || pos + 10 > answer.size() || get16(answer, pos) != kTypeTsig) return check;
  const std::size_t rdata_end = pos + 10 + get16(answer, pos + 8);
  if (rdata_end > answer.size()) return check;
  pos += 10;
  const auto algorithm = read_name(answer, pos);
  if (!algorithm || pos + 10 > rdata_end) return check;
  uint64_t time_signed = 0;
  for (int i = 0; i < 6; ++i) time_signed = time_signed << 8 | static_cast<unsigned char>(answer[pos + i]);
  const uint16_t fudge = get16(answer, pos + 6);
  const uint16_t mac_size = get16(answer, pos + 8);
  pos += 10;
  if (pos + mac_size + 6 > rdata_end) return check;
  const std::string_view mac = answer.substr(pos, mac_size);
  pos += mac_size;
  const std::string_view original_id = answer.substr(pos, 2);
  check.present = true;
  check.error = get16(answer, pos + 2);
  const uint16_t other_len = get16(answer, pos + 4);
  if (pos + 6 + other_len > rdata_end) {
    check.problem = "malformed TSIG record";
    return check;
  }
  const std::string_view other = answer.substr(pos + 6, other_len);

  auto key_name = canonical_wire(key.name, "key name");
  auto our_algorithm = canonical_wire(tsig_algorithm_name(key.algorithm), "algorithm");
  if (!key_name || !our_algorithm || *owner != *key_name) {
    check.problem = "signed with another key";
    return check;
  }
  if (*algorithm != *our_algorithm) {
    check.problem = "signed with another algorithm";
    return check;
  }
  if (mac_size == 0) {
    check.problem = "not signed (empty MAC)";
    return check;
  }
  // RFC 8945 §4.3.3: request MAC, then the answer as it was before the TSIG
  // was added (ARCOUNT one less, the original ID), then the TSIG variables.
  std::string data;
  put16(data, static_cast<uint16_t>(request_mac.size()));
  data += request_mac;
  std::string message(answer.substr(0, tsig_start));
  message.replace(0, 2, original_id);
  const uint16_t arcount = counts[3] - 1;
  message[10] = static_cast<char>(arcount >> 8);
  message[11] = static_cast<char>(arcount & 0xff);
  data += message;
  data += tsig_variables(*key_name, *our_algorithm, time_signed, fudge, check.error, other);
  auto expected = crypto::hmac(info(key.algorithm).digest, key.secret, data);
  if (!expected) {
    check.problem = "cannot compute the MAC";
    return check;
  }
  // RFC 8945 §5.2.2.1: a MAC may be truncated, but not below half the
  // digest length or 10 octets.
  const std::size_t full = expected->size();
  if (mac_size > full || mac_size < std::max<std::size_t>(10, full / 2)) {
    check.problem = "MAC of " + std::to_string(mac_size) + " octets where " + std::to_string(full) + " are expected";
    return check;
  }
  if (!crypto::constant_time_equal(mac, std::string_view(*expected).substr(0, mac_size))) {
    check.problem = "MAC does not match";
    return check;
  }
  // RFC 8945 §5.2.3: time signed within fudge of our clock.
  const uint64_t ours = unix_seconds(now);
  const uint64_t skew = ours > time_signed ? ours - time_signed : time_signed - ours;
  if (skew > fudge) {
    check.problem = "time signed off by " + std::to_string(skew) + " s (fudge " + std::to_string(fudge) + " s)";
    return check;
  }
  check.verified = true;
  return check;
}

}  // namespace acmekit::dns
