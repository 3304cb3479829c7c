#include "core/wire/rfc3339.h"

#include <cstdio>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/quote.h"

namespace acmekit::wire {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  auto bad = [&] { return make_error(ErrorKind::kInvalidArgument, fmt::format("{} is not an RFC 3339 time", debug_quoted(text))); };
  auto digits = [&](std::size_t pos, std::size_t n) -> int {
    if (pos + n > text.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() < 20) return bad();
  int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2), s = digits(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return bad();
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad();
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (oh < 0 || om < 0) return bad();
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
  } else {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo), std::chrono::day(d)};
  if (!ymd.ok()) return bad();
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(s) -
           std::chrono::minutes(offset_minutes);
  // system_clock counts nanoseconds: years 1678..2262. Beyond, the cast
  // would overflow.
  constexpr auto kMax = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max());
  if (t.time_since_epoch() >= kMax || t.time_since_epoch() <= -kMax) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{} is out of the range of times handled", debug_quoted(text)));
  }
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

}  // namespace acmekit::wire
