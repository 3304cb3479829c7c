// TSIG (RFC 8945, which obsoletes RFC 2845): a shared-secret HMAC over a
// DNS message, the way RFC 2136 updates are authorized.
//
// Written here rather than with ldns_pkt_tsig_sign/verify: ldns 1.8.3 (Debian
// 12) knows no HMAC-SHA224 and misspells HMAC-SHA384 ("hmac-shac384."), so
// two of the six algorithms certbot offers would fail. ldns still builds and
// parses the messages; the unit tests check that ldns verifies what this code
// signs and the other way round, and BIND accepts all six algorithms.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::dns {

// RFC 8945 §6 (and RFC 4635): the MAC algorithms, as certbot's rfc2136
// plugin offers them.
enum class TsigAlgorithm { kHmacMd5, kHmacSha1, kHmacSha224, kHmacSha256, kHmacSha384, kHmacSha512 };

// Case-insensitive: certbot's "HMAC-SHA256", BIND's "hmac-sha256", the wire
// name with or without its final dot ("hmac-md5.sig-alg.reg.int."). Unknown
// names are kInvalidArgument naming the name.
Result<TsigAlgorithm> parse_tsig_algorithm(std::string_view name);
// The algorithm's domain name on the wire, RFC 8945 §6: "hmac-sha256",
// "hmac-md5.sig-alg.reg.int" (BIND's spelling in key statements, too).
std::string tsig_algorithm_name(TsigAlgorithm algorithm);
// certbot's spelling: "HMAC-SHA256".
std::string certbot_algorithm_name(TsigAlgorithm algorithm);

// A shared key. The secret is raw bytes and is never logged or put into an
// error message.
struct TsigKey {
  std::string name;  // the key's domain name, e.g. "acme-update" (final dot optional)
  TsigAlgorithm algorithm = TsigAlgorithm::kHmacSha256;
  std::string secret;  // raw bytes, decoded from base64
};

// Base64 (RFC 4648 §4; whitespace ignored, as BIND and dnspython read it) to
// raw bytes. kInvalidArgument for bad or empty input; the message never
// repeats the text.
Result<std::string> decode_tsig_secret(std::string_view base64);

// RFC 8945 §10: the fudge we sign with, 300 s.
inline constexpr uint16_t kTsigFudge = 300;

// RFC 8945 §5.3.2 and §5.2.3: TSIG Error field values.
inline constexpr uint16_t kTsigBadSig = 16;
inline constexpr uint16_t kTsigBadKey = 17;
inline constexpr uint16_t kTsigBadTime = 18;
inline constexpr uint16_t kTsigBadTrunc = 22;
// "BADSIG", "BADKEY", "BADTIME", "BADTRUNC", else "error N".
std::string tsig_error_name(uint16_t error);

// A message with its TSIG record appended, and the MAC that the answer's MAC
// covers (RFC 8945 §4.3.3).
struct SignedMessage {
  std::string wire;
  std::string mac;
};

// RFC 8945 §4.3 / §5.1: signs message (wire format, no TSIG yet) with key at
// time now: appends the TSIG RR (key name, class ANY, TTL 0, algorithm, time
// signed, fudge 300, MAC, original ID, error 0) and increments ARCOUNT.
// kInvalidArgument for a bad key name or empty secret, kProtocol for a
// message shorter than a header.
Result<SignedMessage> tsig_sign(std::string_view message, const TsigKey& key,
                                std::chrono::system_clock::time_point now);

// What the TSIG of an answer says, RFC 8945 §5.3 (client side).
struct TsigCheck {
  bool present = false;   // the answer ends with a TSIG RR
  uint16_t error = 0;     // its Error field (BADSIG/BADKEY answers are unsigned, §5.3.2)
  bool verified = false;  // key name and algorithm are ours, the MAC (§4.3.3, with request_mac)
                          // matches, not truncated below §5.2.2.1's limit, time within fudge (§5.2.3)
  std::string problem;    // why not verified: "MAC does not match", "time signed off by 3600 s", ...
};

// Checks the TSIG of answer, the reply to a request whose MAC was
// request_mac, at time now. Never fails: what it finds is in TsigCheck.
TsigCheck tsig_check_answer(std::string_view answer, const TsigKey& key, std::string_view request_mac,
                            std::chrono::system_clock::time_point now);

// RFC 8945 §5.2: a TSIG record anywhere but last in the additional section
// makes the message malformed. True when the message (wire format) has one
// there, or more than one TSIG (the record counts say what comes after).
// Bytes that cannot be walked end the check (the parser refuses them). Checked before ldns parses an answer: ldns
// 1.8.3 keeps only the last of several TSIG records and leaks the others.
bool has_misplaced_tsig(std::string_view message);

}  // namespace acmekit::dns
