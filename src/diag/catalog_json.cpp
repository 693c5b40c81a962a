#include "diag/catalog_json.hpp"

namespace confab::diag {

const char* to_string(Direction d) { return d == Direction::to_server ? "to-server" : "peer-to-peer"; }

nlohmann::json catalog_to_json(const std::vector<CatalogEntry>& catalog) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : catalog)
    j.push_back({{"service", e.service}, {"ports", e.ports()}, {"first", e.first}, {"last", e.last},
                 {"transport", to_string(e.proto)}, {"direction", to_string(e.direction)},
                 {"local_only", e.local_only}, {"purpose", e.purpose}, {"breaks_when_blocked", e.breaks}});
  return j;
}

Result<std::vector<CatalogEntry>, std::string> catalog_from_json(const nlohmann::json& j) {
  if (!j.is_array()) return unexpected(std::string("the catalog is not a JSON array"));
  std::vector<CatalogEntry> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    auto bad = [&](const char* key, const char* want) {
      return unexpected("entry " + std::to_string(i) + ": \"" + key + "\": expected " + want);
    };
    if (!e.is_object()) return unexpected("entry " + std::to_string(i) + ": not an object");
    CatalogEntry c;
    for (const char* key : {"service", "transport", "direction"})
      if (!e.contains(key) || !e[key].is_string()) return bad(key, "a string");
    for (const char* key : {"first", "last"})
      if (!e.contains(key) || !e[key].is_number_unsigned() || e[key].get<std::uint64_t>() > 65535)
        return bad(key, "a port number");
    c.service = e["service"].get<std::string>();
    c.first = e["first"].get<std::uint16_t>();
    c.last = e["last"].get<std::uint16_t>();
    if (c.first == 0 || c.last < c.first) return bad("last", "a port range with 0 < first <= last");
    const auto transport = e["transport"].get<std::string>();
    if (transport != "udp" && transport != "tcp") return bad("transport", "\"udp\" or \"tcp\"");
    c.proto = transport == "udp" ? Proto::udp : Proto::tcp;
    const auto direction = e["direction"].get<std::string>();
    if (direction != "to-server" && direction != "peer-to-peer")
      return bad("direction", "\"to-server\" or \"peer-to-peer\"");
    c.direction = direction == "to-server" ? Direction::to_server : Direction::peer_to_peer;
    // Optional keys; a wrong type is an error too (json::value would throw).
    if (e.contains("local_only")) {
      if (!e["local_only"].is_boolean()) return bad("local_only", "true or false");
      c.local_only = e["local_only"].get<bool>();
    }
    for (auto [key, field] : {std::pair{"purpose", &c.purpose}, std::pair{"breaks_when_blocked", &c.breaks}})
      if (e.contains(key)) {
        if (!e[key].is_string()) return bad(key, "a string");
        *field = e[key].get<std::string>();
      }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace confab::diag
