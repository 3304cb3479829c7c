// base64url (RFC 7515 §2): decode is strict (canonical encodings only), so
// whatever decodes re-encodes to exactly the input; and any bytes encode to
// text that decodes back to them.
#include "core/base64url.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  const std::string_view in = fuzz::as_view(data, size);
  if (auto decoded = base64url_decode(in)) {
    FUZZ_CHECK(base64url_encode(*decoded) == in);
  } else {
    FUZZ_CHECK(decoded.error().kind == ErrorKind::kInvalidArgument);
  }
  const std::string encoded = base64url_encode(in);
  FUZZ_CHECK(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string::npos);
  auto back = base64url_decode(encoded);
  FUZZ_CHECK(back && *back == in);
  return 0;
}
