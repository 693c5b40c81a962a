#include "client/catalog_source.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "diag/catalog_json.hpp"
#include "net/port_range.hpp"
#include "server/config.hpp"
#include "server/control.hpp"

namespace confab::client {

namespace {

// The media range is the clients' (confabd has no media ports of its own),
// so --media-ports may change it whatever the source.
void set_media(std::vector<diag::CatalogEntry>& catalog, const net::PortRange& r) {
  bool found = false;
  for (auto& e : catalog)
    if (e.service == "media") e.first = r.first, e.last = r.last, found = true;
  if (!found) {
    auto defaults = diag::port_catalog();
    auto it = std::find_if(defaults.begin(), defaults.end(), [](const auto& e) { return e.service == "media"; });
    if (it != defaults.end()) {
      it->first = r.first, it->last = r.last;
      catalog.push_back(*it);
    }
  }
}

}  // namespace

Result<LoadedCatalog, std::string> load_catalog(const CatalogSourceOptions& o) {
  std::optional<net::PortRange> media;
  if (!o.media_ports.empty()) {
    media = net::PortRange::parse(o.media_ports);
    if (!media) return unexpected("--media-ports " + o.media_ports + ": expected FIRST-LAST, e.g. 16384-16403");
  }
  LoadedCatalog out;
  if (!o.config_file.empty()) {
    auto config = server::load_config(std::filesystem::path(o.config_file), {});
    if (!config) return unexpected("--config: " + config.error().message());
    out.catalog = diag::port_catalog(server::port_settings_from(*config));
    out.source = "config file " + o.config_file;
  } else {
    // The daemon's control socket, where confabd puts it by default. A
    // daemon with server.control_socket set elsewhere is found with --config.
    const std::filesystem::path dir = o.data_dir.empty() ? "confab-data" : o.data_dir;
    const auto socket = dir / "confabd.sock";
    auto answer = server::query_control_socket(socket, "ports");
    std::string why;
    if (answer) {
      auto j = nlohmann::json::parse(*answer, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("catalog")) {
        why = "the confabd on " + socket.string() + " does not answer \"ports\" (an older version?)";
      } else if (auto c = diag::catalog_from_json(j["catalog"]); !c) {
        why = "the catalog confabd sent is not valid: " + c.error();
      } else {
        out.catalog = std::move(*c);
        out.source = "confabd pid " + std::to_string(j.value("pid", 0)) + " (" + socket.string() + ")";
      }
    } else {
      why = answer.error();
    }
    if (!why.empty()) {
      out.catalog = diag::port_catalog();
      out.source = "built-in defaults";
      out.note = "no --config given and " + why + ": using the built-in default ports";
    }
  }
  if (media) set_media(out.catalog, *media);
  return out;
}

}  // namespace confab::client
