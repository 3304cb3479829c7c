#include "core/base64url.h"

#include <array>
#include <cstdint>

namespace acmekit {
namespace {

// RFC 4648 §5, Table 2: the "URL and Filename safe" alphabet.
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_reverse() {
  std::array<int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    r[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  return r;
}
constexpr std::array<int8_t, 256> kReverse = make_reverse();

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  // RFC 7515 §2: the trailing '=' characters are omitted.
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  // A final group of one character cannot carry a whole byte.
  if (text.size() % 4 == 1) {
    return make_error(ErrorKind::kInvalidArgument, "base64url: invalid length " + std::to_string(text.size()));
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int8_t v = kReverse[static_cast<unsigned char>(text[i])];
    if (v < 0) {
      // Covers '=', '+', '/', whitespace and anything outside the alphabet.
      return make_error(ErrorKind::kInvalidArgument,
                        "base64url: invalid character at offset " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // RFC 4648 §3.5: the pad bits of the last character must be zero.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return make_error(ErrorKind::kInvalidArgument, "base64url: non-zero trailing bits");
  }
  return out;
}

}  // namespace acmekit
