// RFC 3339 times (order expiry, ARI windows). Whatever parses is whole
// seconds, and within years 0000..9999 prints back to a time that parses to
// the same instant.
#include <chrono>

#include "core/wire/rfc3339.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  using namespace std::chrono;
  const std::string_view in = fuzz::as_view(data, size);
  auto t = wire::parse_rfc3339(in);
  if (!t) {
    FUZZ_CHECK(t.error().kind == ErrorKind::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(floor<seconds>(*t) == *t);
  const year_month_day ymd{floor<days>(*t)};
  if (ymd.year() >= year(0) && ymd.year() <= year(9999)) {
    const std::string text = wire::rfc3339(*t);
    FUZZ_CHECK(text.size() == 20 && text.back() == 'Z');
    auto again = wire::parse_rfc3339(text);
    FUZZ_CHECK(again && *again == *t);
  }
  return 0;
}
