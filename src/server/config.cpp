#include "server/config.hpp"

#include "core/text.hpp"
#include "xmpp/jid.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace confab::server {

namespace {

constexpr std::string_view embedded_defaults =
#include "server/default_config.inc"
    ;

// One value the user wrote, with where they wrote it.
struct Setting {
  toml::node_view<const toml::node> node;
  std::string where;
};

std::string location_of(const toml::parse_error& e, const std::string& file) {
  return file + ":" + std::to_string(e.source().begin.line);
}

std::string location(const toml::node& n, const std::string& fallback) {
  const auto& src = n.source();
  // A --set override is one line of its own: its text says more than ":1".
  if (src.path && src.path->starts_with("--set ")) return *src.path;
  if (src.path && src.begin.line) return *src.path + ":" + std::to_string(src.begin.line);
  return fallback;
}

void flatten(const toml::table& t, const std::string& prefix, std::map<std::string, const toml::node*>& out) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table())
      flatten(*sub, key, out);
    else
      out[key] = &v;
  }
}

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "true or false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a value";
  }
}

class Reader {
 public:
  std::map<std::string, const toml::node*> defaults;
  std::map<std::string, std::pair<const toml::node*, std::string>> user;  // key → node, where
  std::optional<ConfigError> error;

  const toml::node& node(const std::string& key) const {
    if (auto it = user.find(key); it != user.end()) return *it->second.first;
    return *defaults.at(key);
  }
  std::string where(const std::string& key) const {
    if (auto it = user.find(key); it != user.end()) return it->second.second;
    return "built-in defaults";
  }
  void fail(const std::string& key, std::string problem) {
    if (!error) error = ConfigError{where(key), key, std::move(problem)};
  }

  std::string str(const std::string& key) { return node(key).value<std::string>().value_or(""); }
  bool boolean(const std::string& key) { return node(key).value<bool>().value_or(false); }
  double number(const std::string& key, double min, double max) {
    double v = node(key).value<double>().value_or(0);
    if (v < min || v > max) fail(key, "must be between " + fmt(min) + " and " + fmt(max));
    return v;
  }
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max) {
    auto v = node(key).value<std::int64_t>().value_or(0);
    if (v < min || v > max) fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
  }
  static std::string fmt(double d) {
    std::ostringstream o;
    o << d;
    return o.str();
  }
};

Result<std::monostate, ConfigError> collect(const toml::table& t, const std::string& where_fallback,
                                            Reader& r) {
  std::map<std::string, const toml::node*> flat;
  flatten(t, "", flat);
  for (const auto& [key, node] : flat) {
    auto def = r.defaults.find(key);
    std::string where = location(*node, where_fallback);
    if (def == r.defaults.end()) return unexpected(ConfigError{where, key, "unknown key"});
    auto want = def->second->type();
    auto got = node->type();
    bool ok = want == got || (want == toml::node_type::floating_point && got == toml::node_type::integer);
    if (!ok)
      return unexpected(ConfigError{where, key, std::string("expected ") + type_name(want) + ", found " +
                                                    type_name(got)});
    r.user[key] = {node, where};
  }
  return std::monostate{};
}

std::optional<IpAddress> address(Reader& r, const std::string& key, bool allow_empty) {
  std::string text = r.str(key);
  if (text.empty()) {
    if (!allow_empty) r.fail(key, "an address is required");
    return std::nullopt;
  }
  auto ip = IpAddress::parse(text);
  if (!ip) r.fail(key, "\"" + text + "\" is not an IPv4 or IPv6 address");
  return ip;
}

// [xmpp.components] (XEP-0114): the listener and the components allowed.
void read_components(Reader& r, XmppConfig& x) {
  auto& xc = x.components;
  xc.enabled = r.boolean("xmpp.components.enabled");
  xc.address = address(r, "xmpp.components.address", false).value_or(IpAddress{});
  xc.port = static_cast<std::uint16_t>(r.integer("xmpp.components.port", 1, 65535));
  if (xc.enabled && (xc.port == x.port || xc.port == x.tls_port))
    r.fail("xmpp.components.port", "must differ from xmpp.port and xmpp.tls_port");
  if (xc.enabled && x.upload.enabled && xc.port == x.upload.port)
    r.fail("xmpp.components.port", "must differ from xmpp.upload.port");
  xc.stanzas_per_second = r.number("xmpp.components.stanzas_per_second", 0, 1e9);
  xc.stanza_burst = r.number("xmpp.components.stanza_burst", 1, 1e9);
  xc.failed_handshakes = static_cast<std::uint32_t>(r.integer("xmpp.components.failed_handshakes", 1, 1'000'000));
  const std::string key = "xmpp.components.list";
  xc.list.clear();
  const auto* arr = r.node(key).as_array();
  for (std::size_t i = 0; arr && i < arr->size(); ++i) {
    const std::string entry = "entry " + std::to_string(i + 1) + ": ";
    const auto* t = arr->get(i)->as_table();
    if (!t) return r.fail(key, entry + "expected a table like { domain = \"echo.example.org\", secret = \"...\" }");
    for (const auto& [k, v] : *t)
      if (k.str() != "domain" && k.str() != "secret")
        return r.fail(key, entry + "unknown key \"" + std::string(k.str()) + "\" (expected domain and secret)");
    auto domain = (*t)["domain"].value<std::string>();
    auto secret = (*t)["secret"].value<std::string>();
    if (!domain) return r.fail(key, entry + "domain: a string like \"echo.example.org\" is required");
    auto jid = xmpp::Jid::parse(*domain);
    if (!jid || !jid->is_domain())
      return r.fail(key, entry + "domain \"" + *domain + "\": " +
                             (jid ? std::string("expected a domain, not a JID with a local part or resource")
                                  : jid.error().message));
    const std::string d = jid->domain();
    for (const auto& own : x.domains)
      if (d == own) return r.fail(key, entry + "domain " + d + " is one of xmpp.domains (the users')");
    if (x.muc.enabled && d == x.muc.domain) return r.fail(key, entry + "domain " + d + " is the group chat's (xmpp.muc.domain)");
    if (x.upload.enabled && d == x.upload.domain)
      return r.fail(key, entry + "domain " + d + " is the file upload's (xmpp.upload.domain)");
    for (const auto& other : xc.list)
      if (other.domain == d) return r.fail(key, entry + "domain " + d + " is listed twice");
    if (!secret || secret->size() < 8)
      return r.fail(key, entry + "secret: a string of at least 8 characters is required (a long random one is best)");
    if (secret->size() > 1024) return r.fail(key, entry + "secret: at most 1024 characters");
    xc.list.push_back({d, *secret});
  }
  if (xc.enabled && xc.list.empty())
    r.fail(key, "at least one component (domain and secret) is needed when xmpp.components is enabled");
}

// [xmpp.s2s]: federation.
void read_s2s(Reader& r, XmppConfig& x) {
  auto& s = x.s2s;
  s.enabled = r.boolean("xmpp.s2s.enabled");
  s.address = address(r, "xmpp.s2s.bind", false).value_or(IpAddress{});
  s.port = static_cast<std::uint16_t>(r.integer("xmpp.s2s.port", 1, 65535));
  if (s.enabled && (s.port == x.port || s.port == x.tls_port || (x.components.enabled && s.port == x.components.port)))
    r.fail("xmpp.s2s.port", "must differ from xmpp.port, xmpp.tls_port and xmpp.components.port");
  s.require_tls = r.boolean("xmpp.s2s.require_tls");
  s.max_connections = static_cast<std::size_t>(r.integer("xmpp.s2s.max_connections", 1, 1'000'000));
  s.max_stanza_size = static_cast<std::size_t>(r.integer("xmpp.s2s.max_stanza_size", 10000, 16 << 20));
  s.queue_length = static_cast<std::size_t>(r.integer("xmpp.s2s.queue_length", 1, 1'000'000));
  s.connect_timeout = std::chrono::seconds(r.integer("xmpp.s2s.connect_timeout", 1, 3600));
  s.idle_timeout = std::chrono::seconds(r.integer("xmpp.s2s.idle_timeout", 10, 86400));
  s.hosts.clear();
  const std::string key = "xmpp.s2s.hosts";
  const auto* arr = r.node(key).as_array();
  for (std::size_t i = 0; arr && i < arr->size(); ++i) {
    const std::string entry = "entry " + std::to_string(i + 1) + ": ";
    auto text = arr->get(i)->value<std::string>();
    const auto eq = text ? text->find('=') : std::string::npos;
    if (eq == std::string::npos)
      return r.fail(key, entry + "expected \"domain=host:port\", like \"example.net=192.0.2.7:5269\"");
    auto jid = xmpp::Jid::parse(text->substr(0, eq));
    if (!jid || !jid->is_domain()) return r.fail(key, entry + "\"" + text->substr(0, eq) + "\" is not a domain");
    std::string target = text->substr(eq + 1);
    S2sHost h{jid->domain(), target, 5269};
    // host:port, [v6]:port, or a bare host (port 5269).
    if (auto sa = SocketAddress::parse(target, 5269)) {
      h.host = sa->ip.to_string();
      h.port = sa->port;
    } else if (const auto colon = target.rfind(':'); colon != std::string::npos && target.find(':') == colon) {
      h.host = target.substr(0, colon);
      const std::string port = target.substr(colon + 1);
      char* end = nullptr;
      const long p = std::strtol(port.c_str(), &end, 10);
      if (port.empty() || *end != '\0' || p < 1 || p > 65535)
        return r.fail(key, entry + "\"" + port + "\" is not a port number");
      h.port = static_cast<std::uint16_t>(p);
    }
    if (h.host.empty()) return r.fail(key, entry + "no host after '='");
    s.hosts.push_back(std::move(h));
  }
}

}  // namespace

std::string ConfigError::message() const { return where + ": " + key + ": " + problem; }

std::string_view default_config_text() { return embedded_defaults; }

diag::PortSettings port_settings_from(const Config& c) {
  diag::PortSettings p;
  const auto& s = c.snatmap;
  p.reflector_ports = s.enabled && (s.udp || s.tcp) ? s.ports : std::vector<std::uint16_t>{};
  p.reflector_alternate_offset = s.alternate_port_offset;
  p.reflector_udp = s.udp;
  p.reflector_tcp = s.tcp;
  p.sip_port = c.sip.enabled ? c.sip.port : 0;
  p.sip_udp = c.sip.udp;
  p.sip_tcp = c.sip.tcp;
  p.sip_tls_port = c.sip.enabled ? c.sip.tls_port : 0;
  p.xmpp_port = c.xmpp.enabled ? c.xmpp.port : 0;
  p.xmpp_tls_port = c.xmpp.enabled ? c.xmpp.tls_port : 0;
  p.upload_port = c.xmpp.enabled && c.xmpp.upload.enabled ? c.xmpp.upload.port : 0;
  p.portcheck_port = c.portcheck.enabled ? c.portcheck.port : 0;
  p.component_port = c.xmpp.enabled && c.xmpp.components.enabled ? c.xmpp.components.port : 0;
  p.s2s_port = c.xmpp.enabled && c.xmpp.s2s.enabled ? c.xmpp.s2s.port : 0;
  return p;
}

Result<Config, ConfigError> load_config(const std::optional<std::filesystem::path>& file,
                                        const std::vector<std::string>& overrides) {
  // The parsed tables must outlive the Reader, which points into them.
  toml::table defaults_table = toml::parse(embedded_defaults, std::string_view("built-in defaults"));
  toml::table user_table;
  std::vector<toml::table> override_tables;
  Reader r;
  flatten(defaults_table, "", r.defaults);

  if (file) {
    std::ifstream in(*file);
    if (!in) return unexpected(ConfigError{file->string(), "", "cannot read the file"});
    try {
      user_table = toml::parse(in, std::string_view(file->string()));
    } catch (const toml::parse_error& e) {
      return unexpected(ConfigError{location_of(e, file->string()), "", std::string(e.description())});
    }
    if (auto c = collect(user_table, file->string(), r); !c) return unexpected(c.error());
  }
  override_tables.reserve(overrides.size());
  for (const auto& o : overrides) {
    std::string where = "--set " + o;
    auto eq = o.find('=');
    if (eq == std::string::npos)
      return unexpected(ConfigError{where, o, "expected section.key=value"});
    try {
      override_tables.push_back(toml::parse(std::string_view(o), std::string_view(where)));
    } catch (const toml::parse_error&) {
      // A bare word ("--set log.level=debug") is meant as a string.
      std::string quoted = o.substr(0, eq) + "=\"" + o.substr(eq + 1) + "\"";
      try {
        override_tables.push_back(toml::parse(std::string_view(quoted), std::string_view(where)));
      } catch (const toml::parse_error& e) {
        return unexpected(ConfigError{where, o.substr(0, eq), std::string(e.description())});
      }
    }
    if (auto c = collect(override_tables.back(), where, r); !c) return unexpected(c.error());
  }

  Config c;
  c.log.level = r.str("log.level");
  if (c.log.level != "trace" && c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn" &&
      c.log.level != "error")
    r.fail("log.level", "must be one of trace, debug, info, warn, error");
  c.log.format = r.str("log.format");
  if (c.log.format != "text" && c.log.format != "json") r.fail("log.format", "must be text or json");

  c.server.data_dir = r.str("server.data_dir");
  if (c.server.data_dir.empty()) r.fail("server.data_dir", "must not be empty");
  c.server.workers = static_cast<unsigned>(r.integer("server.workers", 0, 256));
  if (c.server.workers == 0) c.server.workers = std::max(1u, std::thread::hardware_concurrency());
  c.server.control_socket = r.str("server.control_socket");
  if (c.server.control_socket.empty()) c.server.control_socket = c.server.data_dir / "confabd.sock";
  c.server.stats_interval = std::chrono::seconds(r.integer("server.stats_interval", 0, 86400));

  auto& s = c.snatmap;
  s.enabled = r.boolean("snatmap.enabled");
  s.address = address(r, "snatmap.address", false).value_or(IpAddress{});
  s.alternate_address = address(r, "snatmap.alternate_address", true);
  s.alternate_port_offset = static_cast<std::uint16_t>(r.integer("snatmap.alternate_port_offset", 1, 1000));
  s.ports.clear();
  if (const auto* arr = r.node("snatmap.ports").as_array()) {
    for (const auto& p : *arr) {
      auto v = p.value<std::int64_t>();
      if (!v || *v < 1 || *v + s.alternate_port_offset > 65535) {
        r.fail("snatmap.ports", "expected port numbers from 1 to " +
                                    std::to_string(65535 - s.alternate_port_offset) +
                                    " (the alternate port is port + alternate_port_offset)");
        break;
      }
      s.ports.push_back(static_cast<std::uint16_t>(*v));
    }
  }
  if (s.enabled && s.ports.empty()) r.fail("snatmap.ports", "at least one port is needed when enabled");
  s.udp = r.boolean("snatmap.udp");
  s.tcp = r.boolean("snatmap.tcp");
  s.software = r.str("snatmap.software");
  if (s.software.size() > 127) r.fail("snatmap.software", "at most 127 characters");
  if (s.alternate_address) {
    if (s.address.is_unspecified())
      r.fail("snatmap.alternate_address",
             "needs snatmap.address to be a specific address (RESPONSE-ORIGIN and OTHER-ADDRESS must be true)");
    else if (s.alternate_address->family() != s.address.family())
      r.fail("snatmap.alternate_address", "must be of the same IP family as snatmap.address");
    else if (*s.alternate_address == s.address)
      r.fail("snatmap.alternate_address", "must differ from snatmap.address");
  }
  auto& l = s.limits;
  l.requests_per_second = r.number("snatmap.limits.requests_per_second", 0, 1e9);
  l.burst = r.number("snatmap.limits.burst", 1, 1e9);
  l.tracked_sources = static_cast<std::size_t>(r.integer("snatmap.limits.tracked_sources", 1, 100'000'000));
  l.tcp_connections = static_cast<std::size_t>(r.integer("snatmap.limits.tcp_connections", 1, 1'000'000));
  l.tcp_idle_timeout = std::chrono::seconds(r.integer("snatmap.limits.tcp_idle_timeout", 1, 86400));
  l.max_message_size = static_cast<std::size_t>(r.integer("snatmap.limits.max_message_size", 548, 65535));

  auto& st = c.store;
  st.backend = r.str("store.backend");
  if (st.backend != "sqlite") r.fail("store.backend", "must be sqlite (the only backend so far)");
  st.path = r.str("store.path");
  if (st.path.empty()) st.path = c.server.data_dir / "confab.db";
  st.busy_timeout = std::chrono::milliseconds(r.integer("store.busy_timeout", 0, 3600) * 1000);
  // RFC 5802 / RFC 7677 ask for at least 4096; more than ~10^7 makes each
  // client login take seconds.
  st.scram_sha1_iterations = static_cast<std::uint32_t>(r.integer("store.scram_sha1_iterations", 4096, 10'000'000));
  st.scram_sha256_iterations =
      static_cast<std::uint32_t>(r.integer("store.scram_sha256_iterations", 4096, 10'000'000));

  auto& sip = c.sip;
  sip.enabled = r.boolean("sip.enabled");
  sip.address = address(r, "sip.address", false).value_or(IpAddress{});
  sip.advertised_address = r.str("sip.advertised_address");
  if (sip.advertised_address.find_first_of(" \t;,<>\"") != std::string::npos)
    r.fail("sip.advertised_address", "expected an address or host name");
  sip.port = static_cast<std::uint16_t>(r.integer("sip.port", 1, 65535));
  sip.tls_port = static_cast<std::uint16_t>(r.integer("sip.tls_port", 0, 65535));
  sip.udp = r.boolean("sip.udp");
  sip.tcp = r.boolean("sip.tcp");
  sip.domains.clear();
  if (const auto* arr = r.node("sip.domains").as_array()) {
    for (const auto& d : *arr) {
      auto v = d.value<std::string>();
      if (!v || v->empty() || v->find_first_of(" \t@:;/\"") != std::string::npos) {
        r.fail("sip.domains", "expected domain names like \"example.org\"");
        break;
      }
      sip.domains.push_back(*v);
    }
  }
  if (sip.enabled && sip.domains.empty()) r.fail("sip.domains", "at least one domain is needed when sip is enabled");
  sip.digest_algorithms.clear();
  if (const auto* arr = r.node("sip.digest_algorithms").as_array()) {
    for (const auto& d : *arr) {
      auto v = d.value<std::string>();
      if (!v || (*v != "SHA-256" && *v != "MD5")) {
        r.fail("sip.digest_algorithms", "expected \"SHA-256\" and/or \"MD5\"");
        break;
      }
      sip.digest_algorithms.push_back(*v);
    }
  }
  if (sip.enabled && sip.digest_algorithms.empty()) r.fail("sip.digest_algorithms", "at least one algorithm is needed");
  sip.tls_certificate = r.str("sip.tls_certificate");
  sip.tls_private_key = r.str("sip.tls_private_key");
  if (sip.tls_certificate.empty() != sip.tls_private_key.empty())
    r.fail("sip.tls_private_key", "give both sip.tls_certificate and sip.tls_private_key, or neither");
  if (sip.tls_port != 0 && sip.tls_port == sip.port) r.fail("sip.tls_port", "must differ from sip.port");
  auto& sl = sip.limits;
  sl.max_message_size = static_cast<std::size_t>(r.integer("sip.limits.max_message_size", 1024, 65535));
  sl.requests_per_second = r.number("sip.limits.requests_per_second", 0, 1e9);
  sl.burst = r.number("sip.limits.burst", 1, 1e9);
  sl.max_transactions = static_cast<std::size_t>(r.integer("sip.limits.max_transactions", 1, 10'000'000));
  sl.default_expires = static_cast<std::uint32_t>(r.integer("sip.limits.default_expires", 1, 86400));
  sl.min_expires = static_cast<std::uint32_t>(r.integer("sip.limits.min_expires", 1, 86400));
  sl.max_expires = static_cast<std::uint32_t>(r.integer("sip.limits.max_expires", 1, 604800));
  if (sl.min_expires > sl.max_expires) r.fail("sip.limits.min_expires", "must not exceed sip.limits.max_expires");
  sl.tcp_connections = static_cast<std::size_t>(r.integer("sip.limits.tcp_connections", 1, 1'000'000));
  sl.tcp_idle_timeout = std::chrono::seconds(r.integer("sip.limits.tcp_idle_timeout", 1, 86400));
  auto& x = c.xmpp;
  x.enabled = r.boolean("xmpp.enabled");
  x.address = address(r, "xmpp.address", false).value_or(IpAddress{});
  x.port = static_cast<std::uint16_t>(r.integer("xmpp.port", 0, 65535));
  x.tls_port = static_cast<std::uint16_t>(r.integer("xmpp.tls_port", 0, 65535));
  if (x.enabled && x.port == 0 && x.tls_port == 0) r.fail("xmpp.port", "xmpp.port or xmpp.tls_port is needed when enabled");
  if (x.port != 0 && x.port == x.tls_port) r.fail("xmpp.tls_port", "must differ from xmpp.port");
  x.domains.clear();
  if (const auto* arr = r.node("xmpp.domains").as_array()) {
    for (const auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v || v->empty() || v->find_first_of(" \t@/:;,<>\"'") != std::string::npos) {
        r.fail("xmpp.domains", "expected domain names like \"example.org\"");
        break;
      }
      x.domains.push_back(ascii_lower(*v));
    }
  }
  if (x.enabled && x.domains.empty()) r.fail("xmpp.domains", "at least one domain is needed when xmpp is enabled");
  x.require_tls = r.boolean("xmpp.require_tls");
  x.external_services_host = r.str("xmpp.external_services_host");
  if (x.external_services_host.find_first_of(" \t/@<>\"'") != std::string::npos)
    r.fail("xmpp.external_services_host", "expected a host name or address");
  x.tls_certificate = r.str("xmpp.tls_certificate");
  x.tls_private_key = r.str("xmpp.tls_private_key");
  if (x.tls_certificate.empty() != x.tls_private_key.empty())
    r.fail("xmpp.tls_private_key", "give both xmpp.tls_certificate and xmpp.tls_private_key, or neither");
  x.muc.enabled = r.boolean("xmpp.muc.enabled");
  x.muc.domain = ascii_lower(r.str("xmpp.muc.domain"));
  if (x.muc.domain.find_first_of(" \t@/:;,<>\"'") != std::string::npos)
    r.fail("xmpp.muc.domain", "expected a domain like \"conference.example.org\"");
  if (x.muc.enabled && x.muc.domain.empty() && !x.domains.empty()) x.muc.domain = "conference." + x.domains.front();
  for (const auto& d : x.domains)
    if (x.muc.enabled && d == x.muc.domain) r.fail("xmpp.muc.domain", "must differ from the user domains");
  x.muc.max_rooms = static_cast<std::size_t>(r.integer("xmpp.muc.max_rooms", 1, 10'000'000));
  x.muc.max_users = static_cast<std::size_t>(r.integer("xmpp.muc.max_users", 2, 1'000'000));
  x.muc.archive_messages = static_cast<std::size_t>(r.integer("xmpp.muc.archive_messages", 0, 100'000'000));
  auto& up = x.upload;
  up.enabled = r.boolean("xmpp.upload.enabled");
  up.domain = ascii_lower(r.str("xmpp.upload.domain"));
  if (up.domain.find_first_of(" \t@/:;,<>\"'") != std::string::npos)
    r.fail("xmpp.upload.domain", "expected a domain like \"upload.example.org\"");
  if (up.enabled && up.domain.empty() && !x.domains.empty()) up.domain = "upload." + x.domains.front();
  for (const auto& d : x.domains)
    if (up.enabled && d == up.domain) r.fail("xmpp.upload.domain", "must differ from the user domains");
  if (up.enabled && x.muc.enabled && up.domain == x.muc.domain) r.fail("xmpp.upload.domain", "must differ from xmpp.muc.domain");
  up.address = address(r, "xmpp.upload.address", false).value_or(IpAddress{});
  up.port = static_cast<std::uint16_t>(r.integer("xmpp.upload.port", 1, 65535));
  if (up.enabled && (up.port == x.port || up.port == x.tls_port)) r.fail("xmpp.upload.port", "must differ from the XMPP ports");
  up.url = r.str("xmpp.upload.url");
  if (!up.url.empty() && ((up.url.rfind("https://", 0) != 0 && up.url.rfind("http://", 0) != 0) ||
                          up.url.back() == '/' || up.url.find_first_of(" \t\"'<>?#") != std::string::npos))
    r.fail("xmpp.upload.url", "expected a base URL like \"https://upload.example.org:5443\" (no trailing /)");
  if (up.url.empty() && !x.domains.empty()) up.url = "https://" + x.domains.front() + ":" + std::to_string(up.port);
  up.max_file_size = static_cast<std::uint64_t>(r.integer("xmpp.upload.max_file_size", 1, std::int64_t{1} << 50));
  up.quota_per_user = static_cast<std::uint64_t>(r.integer("xmpp.upload.quota_per_user", 0, std::int64_t{1} << 56));
  up.max_total_size = static_cast<std::uint64_t>(r.integer("xmpp.upload.max_total_size", 0, std::int64_t{1} << 60));
  up.slot_lifetime = std::chrono::seconds(r.integer("xmpp.upload.slot_lifetime", 10, 86400));
  up.slots_per_minute = r.number("xmpp.upload.slots_per_minute", 0, 1e6);
  up.slot_burst = r.number("xmpp.upload.slot_burst", 1, 1e6);
  up.connections = static_cast<std::size_t>(r.integer("xmpp.upload.connections", 1, 1'000'000));
  up.connections_per_address = static_cast<std::size_t>(r.integer("xmpp.upload.connections_per_address", 1, 1'000'000));
  up.idle_timeout = std::chrono::seconds(r.integer("xmpp.upload.idle_timeout", 1, 3600));
  read_components(r, x);
  read_s2s(r, x);
  auto& xl = x.limits;
  xl.max_stanza_size = static_cast<std::size_t>(r.integer("xmpp.limits.max_stanza_size", 10000, 16 << 20));
  xl.connections = static_cast<std::size_t>(r.integer("xmpp.limits.connections", 1, 10'000'000));
  xl.auth_timeout = std::chrono::seconds(r.integer("xmpp.limits.auth_timeout", 1, 3600));
  xl.idle_timeout = std::chrono::seconds(r.integer("xmpp.limits.idle_timeout", 10, 86400));
  xl.resume_timeout = std::chrono::seconds(r.integer("xmpp.limits.resume_timeout", 1, 86400));
  xl.offline_messages = static_cast<std::size_t>(r.integer("xmpp.limits.offline_messages", 0, 1'000'000));
  xl.archive_messages = static_cast<std::size_t>(r.integer("xmpp.limits.archive_messages", 0, 100'000'000));

  auto& pc = c.portcheck;
  pc.enabled = r.boolean("portcheck.enabled");
  pc.address = address(r, "portcheck.address", false).value_or(IpAddress{});
  pc.port = static_cast<std::uint16_t>(r.integer("portcheck.port", 1, 65535));
  pc.session_lifetime = std::chrono::seconds(r.integer("portcheck.session_lifetime", 5, 3600));
  pc.max_sessions = static_cast<std::size_t>(r.integer("portcheck.max_sessions", 1, 100000));
  pc.sessions_per_address = static_cast<std::size_t>(r.integer("portcheck.sessions_per_address", 1, 1000));
  pc.sessions_per_minute = r.number("portcheck.sessions_per_minute", 0, 1e6);
  pc.probes_per_second = r.number("portcheck.probes_per_second", 0, 1e9);

  if (r.error) return unexpected(*r.error);
  return c;
}

}  // namespace confab::server
