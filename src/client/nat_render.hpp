#pragma once
// How a NatReport is shown: a table for people, JSON (docs/nat-report.md) for scripts.
#include <string>

#include "snatmap/nat_report.hpp"

namespace confab::client {

std::string render_nat_json(const snatmap::NatReport& r);
std::string render_nat_text(const snatmap::NatReport& r);

}  // namespace confab::client
