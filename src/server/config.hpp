#pragma once
// confabd's configuration: embedded defaults (default_config.toml), then the
// user's file, then --set overrides. Unknown keys and wrong types are errors
// that name the key and where it was written.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"

namespace confab::server {

struct LogConfig {
  std::string level = "info";
  std::string format = "text";
};

struct ServerConfig {
  std::filesystem::path data_dir = "confab-data";
  unsigned workers = 0;
  std::filesystem::path control_socket;  // resolved: never empty after load
  std::chrono::seconds stats_interval{60};
};

struct SnatmapLimits {
  double requests_per_second = 200;
  double burst = 400;
  std::size_t tracked_sources = 65536;
  std::size_t tcp_connections = 1024;
  std::chrono::seconds tcp_idle_timeout{30};
  std::size_t max_message_size = 4096;
};

struct SnatmapConfig {
  bool enabled = true;
  IpAddress address;
  std::optional<IpAddress> alternate_address;
  std::vector<std::uint16_t> ports{5678, 3478};
  std::uint16_t alternate_port_offset = 1;
  bool udp = true;
  bool tcp = true;
  std::string software = "confab";
  SnatmapLimits limits;
};

// The account store (src/store). Accounts are "localpart@domain"; the
// domain is also the SIP digest realm, so there is no separate realm key.
struct StoreConfig {
  std::string backend = "sqlite";
  std::filesystem::path path;  // resolved: never empty after load (<data_dir>/confab.db)
  std::chrono::milliseconds busy_timeout{10'000};
  std::uint32_t scram_sha1_iterations = 4096;
  std::uint32_t scram_sha256_iterations = 8192;
};

struct SipLimits {
  std::size_t max_message_size = 65535;
  double requests_per_second = 100;
  double burst = 200;
  std::size_t max_transactions = 500000;
  std::uint32_t default_expires = 3600;
  std::uint32_t min_expires = 60;
  std::uint32_t max_expires = 7200;
  std::size_t tcp_connections = 4096;
  std::chrono::seconds tcp_idle_timeout{600};
};

struct SipConfig {
  bool enabled = true;
  IpAddress address;
  std::string advertised_address;  // "" = derived at start
  std::uint16_t port = 5060;
  std::uint16_t tls_port = 5061;  // 0 = off
  bool udp = true;
  bool tcp = true;
  std::vector<std::string> domains{"example.org"};
  std::vector<std::string> digest_algorithms{"SHA-256", "MD5"};
  std::filesystem::path tls_certificate;  // empty = self-signed in <data_dir>/tls
  std::filesystem::path tls_private_key;
  SipLimits limits;
};

struct XmppLimits {
  std::size_t max_stanza_size = 262144;
  std::size_t connections = 10000;
  std::chrono::seconds auth_timeout{30};
  std::chrono::seconds idle_timeout{900};
  std::size_t offline_messages = 1000;
};

struct MucSettings {
  bool enabled = true;
  std::string domain;  // "" = conference.<first xmpp domain>
  std::size_t max_rooms = 10000;
  std::size_t max_users = 1000;
};

struct XmppConfig {
  bool enabled = true;
  IpAddress address;
  std::uint16_t port = 5222;      // STARTTLS; 0 = off
  std::uint16_t tls_port = 5223;  // direct TLS; 0 = off
  std::vector<std::string> domains{"example.org"};
  bool require_tls = true;
  std::string external_services_host;  // XEP-0215: how clients reach our reflector; "" = snatmap.address or the domain
  std::filesystem::path tls_certificate;  // empty = self-signed in <data_dir>/tls
  std::filesystem::path tls_private_key;
  XmppLimits limits;
  MucSettings muc;
};

struct Config {
  LogConfig log;
  ServerConfig server;
  SnatmapConfig snatmap;
  StoreConfig store;
  SipConfig sip;
  XmppConfig xmpp;
};

struct ConfigError {
  std::string where;    // "confab.toml:12", "--set snatmap.ports=...", "built-in defaults"
  std::string key;      // "snatmap.ports"
  std::string problem;  // "expected an array of port numbers"
  std::string message() const;  // one line: "confab.toml:12: snatmap.ports: expected ..."
};

std::string_view default_config_text();

// `file` may be empty (defaults only); overrides are "section.key=value"
// with a TOML value (a bare word is taken as a string).
Result<Config, ConfigError> load_config(const std::optional<std::filesystem::path>& file,
                                        const std::vector<std::string>& overrides);

}  // namespace confab::server
