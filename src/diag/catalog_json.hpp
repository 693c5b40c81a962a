#pragma once
// The port catalog as JSON, both ways: `confab ports --catalog --json`
// prints it, and confabd answers its control-socket command "ports" with
// it, which `confab ports`/`confab firewall` read back so their catalog is
// the running daemon's.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "diag/port_catalog.hpp"

namespace confab::diag {

const char* to_string(Direction d);  // "to-server", "peer-to-peer"

// [{"service": "sip", "ports": "5060", "first": 5060, "last": 5060, "transport": "udp",
//   "direction": "to-server", "local_only": false, "purpose": "...", "breaks_when_blocked": "..."}, ...]
nlohmann::json catalog_to_json(const std::vector<CatalogEntry>& catalog);

// The reverse; an error names the entry and key ("entry 3: \"first\": expected a port number").
Result<std::vector<CatalogEntry>, std::string> catalog_from_json(const nlohmann::json& j);

}  // namespace confab::diag
