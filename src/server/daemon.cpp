#include "server/daemon.hpp"

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read_until.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <istream>
#include <map>

#include "diag/catalog_json.hpp"
#include "server/control.hpp"
#include "server/portcheck_service.hpp"
#include "server/sip_service.hpp"
#include "server/snatmap_service.hpp"
#include "server/upload_service.hpp"
#include "server/xmpp_service.hpp"
#include "store/sqlite_account_store.hpp"

namespace confab::server {

namespace {

using local_stream = asio::local::stream_protocol;

nlohmann::json counters_json(const snatmap::ReflectorCounters& c) {
  return {{"received", c.received},       {"answered", c.answered},   {"error_responses", c.error_responses},
          {"classic", c.classic},         {"malformed", c.malformed}, {"not_request", c.not_request},
          {"rate_limited", c.rate_limited}, {"unroutable", c.unroutable}};
}

nlohmann::json status_json(const SnatmapService* snatmap, SipService* sip, XmppService* xmpp, PortcheckService* portcheck,
                           Instant started) {
  nlohmann::json j;
  j["program"] = "confabd";
  j["version"] = "0.1.0";
  j["pid"] = ::getpid();
  j["uptime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
  if (snatmap) {
    auto st = snatmap->status();
    j["snatmap"] = {{"listening", st.listening},
                    {"udp", counters_json(st.udp)},
                    {"tcp", counters_json(st.tcp)},
                    {"tcp_connections",
                     {{"open", st.connections.connections_open},
                      {"accepted", st.connections.connections_accepted},
                      {"refused_over_limit", st.connections.connections_refused},
                      {"closed_invalid", st.connections.closed_invalid},
                      {"closed_idle", st.connections.closed_idle}}}};
  }
  if (sip) j["sip"] = nlohmann::json::parse(sip->status_json());
  if (xmpp) j["xmpp"] = nlohmann::json::parse(xmpp->status_json());
  if (portcheck) j["portcheck"] = nlohmann::json::parse(portcheck->status_json());
  return j;
}

std::string counters_line(const SnatmapService& s) {
  auto st = s.status();
  auto total = st.udp;
  total += st.tcp;
  return fmt::format(
      "snatmap counters: received={} answered={} errors={} classic={} malformed={} not_request={} "
      "rate_limited={} tcp_open={} tcp_refused={}",
      total.received, total.answered, total.error_responses, total.classic, total.malformed, total.not_request,
      total.rate_limited, st.connections.connections_open, st.connections.connections_refused);
}

// The port catalog of this configuration (control command "ports"), what
// `confab ports` and `confab firewall` ask a running daemon for.
nlohmann::json ports_json(const Config& config) {
  return {{"program", "confabd"},
          {"pid", ::getpid()},
          {"catalog", diag::catalog_to_json(diag::port_catalog(port_settings_from(config)))}};
}

// Command name → the function that answers it (one JSON object).
using ControlCommands = std::map<std::string, std::function<std::string()>>;

// Serves one command per connection on the control socket.
class ControlServer {
 public:
  ControlServer(asio::io_context& io, const std::filesystem::path& path, ControlCommands commands)
      : acceptor_(io, local_stream::endpoint(path.string())), commands_(std::move(commands)) {
    accept();
  }

 private:
  struct Connection {
    explicit Connection(local_stream::socket s) : socket(std::move(s)) {}
    local_stream::socket socket;
    asio::streambuf in{256};  // a command is one short line; more is refused
    std::string out;
  };

  void accept() {
    acceptor_.async_accept([this](std::error_code ec, local_stream::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) serve(std::make_shared<Connection>(std::move(s)));
      accept();
    });
  }

  void serve(std::shared_ptr<Connection> c) {
    asio::async_read_until(c->socket, c->in, '\n', [this, c](std::error_code ec, std::size_t) {
      if (ec) return;
      std::istream is(&c->in);
      std::string command;
      std::getline(is, command);
      if (auto it = commands_.find(command); it != commands_.end())
        c->out = it->second();
      else
        c->out = nlohmann::json{{"error", "unknown command: " + command}}.dump();
      c->out.push_back('\n');
      asio::async_write(c->socket, asio::buffer(c->out), [c](std::error_code, std::size_t) {});
    });
  }

  local_stream::acceptor acceptor_;
  ControlCommands commands_;
};

}  // namespace

int run_daemon(const Config& config, std::shared_ptr<spdlog::logger> log) {
  const Instant started = Clock::now();
  std::error_code ec;
  std::filesystem::create_directories(config.server.data_dir, ec);
  if (ec) {
    log->error("cannot create server.data_dir {}: {}", config.server.data_dir.string(), ec.message());
    return exit_runtime_error;
  }
  const auto& control_path = config.server.control_socket;
  if (control_socket_alive(control_path)) {
    log->error("another confabd is already running here (it answers on {}); stop it or set server.data_dir",
               control_path.string());
    return exit_runtime_error;
  }
  std::filesystem::remove(control_path, ec);  // a stale socket from a crashed run

  // The port check first: the SIP service hands it the SIP ALG probes.
  std::unique_ptr<PortcheckService> portcheck;
  if (config.portcheck.enabled) {
    auto started_portcheck = PortcheckService::start(config, log);
    if (!started_portcheck) {
      log->error("{}", started_portcheck.error());
      return exit_runtime_error;
    }
    portcheck = std::move(started_portcheck.value());
  }

  std::unique_ptr<SnatmapService> snatmap;
  if (config.snatmap.enabled) {
    auto started_service = SnatmapService::start(config, log);
    if (!started_service) {
      log->error("{}", started_service.error());
      return exit_runtime_error;
    }
    snatmap = std::move(started_service.value());
  }

  // The account store: SIP digest and XMPP SCRAM credentials. The CLI
  // (`confabd user ...`) opens the same file while the daemon runs (WAL).
  std::unique_ptr<store::SqliteAccountStore> accounts;
  std::unique_ptr<SipService> sip;
  std::unique_ptr<UploadService> upload;  // before xmpp: its component must outlive the router
  std::unique_ptr<XmppService> xmpp;
  if (config.sip.enabled || config.xmpp.enabled) {
    auto opened = store::SqliteAccountStore::open(
        {.path = config.store.path, .create = true, .busy_timeout = config.store.busy_timeout});
    if (!opened) {
      log->error("store: {}", opened.error().message);
      return exit_runtime_error;
    }
    accounts = std::move(*opened);
  }
  if (config.xmpp.enabled && config.xmpp.upload.enabled) {
    auto started_upload = UploadService::start(config, log);
    if (!started_upload) {
      log->error("{}", started_upload.error());
      return exit_runtime_error;
    }
    upload = std::move(started_upload.value());
  }
  if (config.xmpp.enabled) {
    std::vector<xmpp::Component*> components;
    if (upload) components.push_back(&upload->component());
    auto started_xmpp = XmppService::start(config, *accounts, log, std::move(components));
    if (!started_xmpp) {
      log->error("{}", started_xmpp.error());
      return exit_runtime_error;
    }
    xmpp = std::move(started_xmpp.value());
  }
  if (config.sip.enabled) {
    auto started_sip = SipService::start(config, *accounts, log,
                                         portcheck ? portcheck->sip_probe_sink() : SipService::ProbeSink{});
    if (!started_sip) {
      log->error("{}", started_sip.error());
      return exit_runtime_error;
    }
    sip = std::move(started_sip.value());
  }

  asio::io_context io{1};
  std::unique_ptr<ControlServer> control;
  try {
    ControlCommands commands{
        {"status",
         [&] {
           auto j = status_json(snatmap.get(), sip.get(), xmpp.get(), portcheck.get(), started);
           if (upload) j["upload"] = nlohmann::json::parse(upload->status_json());
           return j.dump();
         }},
        {"ports", [&] { return ports_json(config).dump(); }}};
    control = std::make_unique<ControlServer>(io, control_path, std::move(commands));
  } catch (const std::system_error& e) {
    log->error("cannot open the control socket {} (server.control_socket): {}", control_path.string(),
               e.code().message());
    return exit_runtime_error;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code e, int signo) {
    if (e) return;
    log->info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    io.stop();
  });

  asio::steady_timer stats_timer(io);
  std::function<void()> schedule_stats = [&] {
    if (config.server.stats_interval.count() == 0) return;
    stats_timer.expires_after(config.server.stats_interval);
    stats_timer.async_wait([&](std::error_code e) {
      if (e) return;
      if (snatmap) log->info("{}", counters_line(*snatmap));
      if (sip) log->info("{}", sip->counters_line());
      if (xmpp) log->info("{}", xmpp->counters_line());
      if (upload) log->info("{}", upload->counters_line());
      if (portcheck) log->info("{}", portcheck->counters_line());
      schedule_stats();
    });
  };
  schedule_stats();

  log->info("confabd ready (data_dir={}, control socket {})", config.server.data_dir.string(), control_path.string());
  io.run();

  if (snatmap) {
    snatmap->stop();
    log->info("{}", counters_line(*snatmap));
  }
  if (sip) {
    log->info("{}", sip->counters_line());
    sip->stop();
  }
  if (xmpp) {
    log->info("{}", xmpp->counters_line());
    xmpp->stop();
  }
  if (upload) {
    log->info("{}", upload->counters_line());
    upload->stop();
  }
  if (portcheck) {
    log->info("{}", portcheck->counters_line());
    portcheck->stop();
  }
  control.reset();
  std::filesystem::remove(control_path, ec);
  log->info("confabd stopped");
  return exit_ok;
}

}  // namespace confab::server
