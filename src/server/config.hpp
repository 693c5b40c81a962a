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
#include "diag/port_catalog.hpp"

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
  std::chrono::seconds resume_timeout{300};  // XEP-0198: a dropped session waits this long for a resume
  std::size_t offline_messages = 1000;
  std::size_t archive_messages = 10000;  // XEP-0313, per account: past it the oldest go; 0: no archive
};

struct MucSettings {
  bool enabled = true;
  std::string domain;  // "" = conference.<first xmpp domain>
  std::size_t max_rooms = 10000;
  std::size_t max_users = 1000;
  std::size_t archive_messages = 10000;  // per persistent room (XEP-0313 §5); 0: no room archives
};

// XEP-0363 HTTP file upload: a component on its own domain hands out
// slots, an HTTPS server on its own port takes the PUTs and serves GETs.
struct UploadSettings {
  bool enabled = true;
  std::string domain;  // "" = upload.<first xmpp domain>
  IpAddress address;
  std::uint16_t port = 5443;
  std::string url;  // base URL clients use; "" = https://<first xmpp domain>:<port>
  std::uint64_t max_file_size = 100ull << 20;
  std::uint64_t quota_per_user = 1ull << 30;  // 0 = none
  std::uint64_t max_total_size = 0;           // 0 = none
  std::chrono::seconds slot_lifetime{300};
  double slots_per_minute = 30;
  double slot_burst = 10;
  std::size_t connections = 512;
  std::size_t connections_per_address = 32;
  std::chrono::seconds idle_timeout{60};
};

// XEP-0114 external components: programs (gateways, bots, pubsub
// services) that connect to this port and serve a domain of their own,
// each proving it knows that domain's shared secret.
struct ComponentEntry {
  std::string domain;  // canonical JID domainpart
  std::string secret;
};
struct ComponentSettings {
  bool enabled = false;
  IpAddress address;          // 127.0.0.1 by default: the protocol has no TLS
  std::uint16_t port = 5347;
  std::vector<ComponentEntry> list;
  double stanzas_per_second = 1000;  // per component connection; 0 = no limit
  double stanza_burst = 2000;
  std::uint32_t failed_handshakes = 5;  // per address within 10 minutes, then a lockout (doubling)
};

// Federation with other XMPP servers (RFC 6120 server-to-server, XEP-0220
// dialback). Off by default: turning it on opens port 5269 to the internet
// and lets any server on it deliver messages and subscription requests to
// our users, so it is a choice, not a surprise.
struct S2sHost {
  std::string domain;  // canonical
  std::string host;    // an address or a name
  std::uint16_t port = 5269;
};
struct S2sSettings {
  bool enabled = false;
  IpAddress address;          // where 5269 listens ("bind"); 0.0.0.0 by default
  std::uint16_t port = 5269;
  bool require_tls = true;
  std::vector<S2sHost> hosts;  // static routes, before DNS: "domain=host:port"
  std::size_t max_connections = 256;
  std::size_t max_stanza_size = 262144;
  std::size_t queue_length = 1000;  // stanzas per remote domain while its stream is set up
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds idle_timeout{600};
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
  UploadSettings upload;
  ComponentSettings components;
  S2sSettings s2s;
};

// The port-check service (`confab portcheck`): a control port where a
// client opens a short session, echo ports opened on request (src/diag).
struct PortcheckConfig {
  bool enabled = true;
  IpAddress address;
  std::uint16_t port = 5680;  // TCP control port
  std::chrono::seconds session_lifetime{60};
  std::size_t max_sessions = 32;
  std::size_t sessions_per_address = 4;
  double sessions_per_minute = 30;  // new sessions per source address
  double probes_per_second = 200;   // echo probes per source address
};

struct Config {
  LogConfig log;
  ServerConfig server;
  SnatmapConfig snatmap;
  StoreConfig store;
  SipConfig sip;
  XmppConfig xmpp;
  PortcheckConfig portcheck;
};

struct ConfigError {
  std::string where;    // "confab.toml:12", "--set snatmap.ports=...", "built-in defaults"
  std::string key;      // "snatmap.ports"
  std::string problem;  // "expected an array of port numbers"
  std::string message() const;  // one line: "confab.toml:12: snatmap.ports: expected ..."
};

std::string_view default_config_text();

// The ports this configuration listens on, for the port catalog
// (src/diag): what `confab ports`, `confab firewall` and the control
// socket's "ports" command show. A disabled service has no ports; media and
// Bonjour are the clients' and keep their defaults.
diag::PortSettings port_settings_from(const Config& c);

// `file` may be empty (defaults only); overrides are "section.key=value"
// with a TOML value (a bare word is taken as a string).
Result<Config, ConfigError> load_config(const std::optional<std::filesystem::path>& file,
                                        const std::vector<std::string>& overrides);

}  // namespace confab::server
