#include "http/range.hpp"

#include "http/fields.hpp"

namespace confab::http {

std::variant<ByteRange, WholeRepresentation, Unsatisfiable> parse_range(std::string_view value, std::uint64_t size) {
  constexpr std::string_view unit = "bytes=";
  if (value.size() <= unit.size() || !iequals(value.substr(0, unit.size()), unit)) return WholeRepresentation{};
  std::string_view spec = value.substr(unit.size());
  if (spec.find(',') != std::string_view::npos) return WholeRepresentation{};
  while (!spec.empty() && (spec.front() == ' ' || spec.front() == '\t')) spec.remove_prefix(1);
  while (!spec.empty() && (spec.back() == ' ' || spec.back() == '\t')) spec.remove_suffix(1);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return WholeRepresentation{};
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if (a.empty()) {  // suffix: the last N bytes
    auto n = detail::parse_decimal(b);
    if (!n) return WholeRepresentation{};
    if (*n == 0 || size == 0) return Unsatisfiable{};
    return ByteRange{*n >= size ? 0 : size - *n, size - 1};
  }
  auto first = detail::parse_decimal(a);
  if (!first) return WholeRepresentation{};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    auto l = detail::parse_decimal(b);
    if (!l || *l < *first) return WholeRepresentation{};
    if (*l < last) last = *l;
  }
  if (*first >= size) return Unsatisfiable{};
  return ByteRange{*first, last};
}

}  // namespace confab::http
