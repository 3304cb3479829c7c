// Text from outside, quoted for an error message: "..." with \" \\ \n \r \t
// escaped, other control characters and every byte that is not part of
// valid UTF-8 as \xNN, valid UTF-8 kept. What fmt's "{:?}" does, except that
// fmt 9.1 (Debian 12's libfmt9, as libspdlog instantiates it) aborts on a
// string that ends inside a UTF-8 sequence ("assertion failed: negative
// value") and garbles other invalid bytes: never hand "{:?}" bytes that may
// not be UTF-8 (found by tests/fuzz).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace acmekit {

// The length of the valid UTF-8 sequence (RFC 3629 §4: no overlong forms,
// no surrogates, at most U+10FFFF) at the start of s, or 0.
inline std::size_t utf8_sequence_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (s.empty()) return 0;
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

inline std::string debug_quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence_length(s.substr(i)); n > 0) {
        out.append(s, i, n);
        i += n;
        continue;
      }
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

}  // namespace acmekit
