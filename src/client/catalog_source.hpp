#pragma once
// Where `confab ports` and `confab firewall` take the port catalog from, so
// it matches the deployment: a confabd config file (--config), else the
// running confabd's control socket (<data_dir>/confabd.sock, command
// "ports"), else the built-in defaults, with a note saying which.
#include <string>
#include <vector>

#include "core/result.hpp"
#include "diag/port_catalog.hpp"

namespace confab::client {

struct CatalogSourceOptions {
  std::string config_file;  // a confabd TOML file; "" = ask the daemon
  std::string data_dir;     // where the daemon runs; "" = confabd's default (confab-data)
  std::string media_ports;  // "FIRST-LAST" overrides the media range; "" = keep the source's
};

struct LoadedCatalog {
  std::vector<diag::CatalogEntry> catalog;
  std::string source;     // "config file confab.toml", "confabd pid 123 (confab-data/confabd.sock)", "built-in defaults"
  std::string note;       // why the defaults were used; "" otherwise
};

// An error only for a config file that does not load or a bad --media-ports.
Result<LoadedCatalog, std::string> load_catalog(const CatalogSourceOptions& o);

}  // namespace confab::client
