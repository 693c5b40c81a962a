#include "xmpp/delay.hpp"

#include <cstdint>
#include <cstdio>

#include "xmpp/im_namespaces.hpp"

namespace confab::xmpp {

namespace {

struct Civil {
  std::int64_t year;
  unsigned month, day;
};

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
// civil_from_days): pure arithmetic, no time zone database, no libc state.
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

}  // namespace

std::string datetime_stamp(std::chrono::system_clock::time_point t) {
  const std::int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::int64_t days = secs / 86400;
  std::int64_t rest = secs % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const Civil c = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(c.year), c.month, c.day,
                static_cast<int>(rest / 3600), static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60));
  return buf;
}

Element delay_element(std::string_view from, std::chrono::system_clock::time_point t) {
  Element d("delay", std::string(ns::delay));
  if (!from.empty()) d.set_attribute("from", std::string(from));
  d.set_attribute("stamp", datetime_stamp(t));
  return d;
}

void add_delay(Element& stanza, std::string_view from, std::chrono::system_clock::time_point t) {
  for (const Element* e : stanza.elements())
    if (e->is("delay", ns::delay) && e->attribute("from") == from) return;
  stanza.add_child(delay_element(from, t));
}

}  // namespace confab::xmpp
