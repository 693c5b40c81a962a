-- Prosody 0.12 for bench/xmpp_bench.sh (see bench/README.md). The script
-- copies this file into its temporary directory and replaces the @...@
-- placeholders; nothing here touches /etc/prosody or /var/lib/prosody.
--
-- Like confabd in the benchmark: c2s with STARTTLS required, internal hashed
-- passwords (SCRAM-SHA-1), roster, disco, blocking, carbons, CSI, ping and
-- version; no s2s, HTTP or admin listeners. NOT loaded: mod_limits, so
-- there is no c2s rate limit (Debian's default config has
-- limits = { c2s = { rate = "10kb/s" } }, which would cap the message rate
-- at a few hundred messages per second per connection).

-- The benchmark runs as root inside a temporary directory.
run_as_root = true
daemonize = false
pidfile = "@WORK@/prosody.pid"
data_path = "@DATA@"
plugin_paths = { }

network_backend = "epoll"

c2s_ports = { @PORT@ }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
s2s_ports = { }
component_ports = { }
c2s_require_encryption = true

authentication = "internal_hashed"
storage = "internal"

modules_enabled = {
	"roster";
	"saslauth";
	"tls";
	"disco";
	"blocklist";
	"carbons";
	"csi_simple";
	"ping";
	"version";
}
-- No rate limiting or traffic shaping of any kind.
limits = { }

ssl = {
	certificate = "@CERT@";
	key = "@KEY@";
}

log = {
	{ levels = { min = "warn" }, to = "file", filename = "@WORK@/prosody.log" };
}

VirtualHost "example.org"
