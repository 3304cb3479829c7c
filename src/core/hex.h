// Bytes as lower-case hexadecimal, two digits per byte (RFC 4648 §8's
// alphabet, lower case): serials, signatures, PostgreSQL's bytea input.
#pragma once

#include <string>
#include <string_view>

namespace acmekit {

inline std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace acmekit
