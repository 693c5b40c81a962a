// confabd — the confab server. Every service in one process; runs with no
// config file at all (embedded defaults). See `confabd --help`.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <tuple>

#include "server/config.hpp"
#include "server/control.hpp"
#include "server/daemon.hpp"
#include "server/logging.hpp"
#include "server/user_command.hpp"

using namespace confab::server;

namespace {

int print_status(const Config& config, bool json) {
  auto answer = query_control_socket(config.server.control_socket, "status");
  if (!answer) {
    std::fprintf(stderr, "confabd status: %s\n", answer.error().c_str());
    return 3;
  }
  if (json) {
    std::cout << *answer;
    return 0;
  }
  auto j = nlohmann::json::parse(*answer, nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stderr, "confabd status: the daemon's answer is not JSON\n");
    return 4;
  }
  std::cout << "confabd " << j.value("version", "?") << ", pid " << j.value("pid", 0) << ", up "
            << j.value("uptime_seconds", 0) << " s\n";
  if (j.contains("snatmap")) {
    const auto& s = j["snatmap"];
    std::cout << "\nsnatmap listening on:\n";
    for (const auto& l : s["listening"]) std::cout << "  " << l.get<std::string>() << "\n";
    std::printf("\n  %-16s %12s %12s\n", "counter", "udp", "tcp");
    for (const char* k : {"received", "answered", "error_responses", "classic", "malformed", "not_request",
                          "rate_limited", "unroutable"})
      std::printf("  %-16s %12llu %12llu\n", k, s["udp"].value(k, 0ULL), s["tcp"].value(k, 0ULL));
    const auto& c = s["tcp_connections"];
    std::printf("\n  tcp connections: %llu open, %llu accepted, %llu refused (limit), %llu closed (bad input), "
                "%llu closed (idle)\n",
                c.value("open", 0ULL), c.value("accepted", 0ULL), c.value("refused_over_limit", 0ULL),
                c.value("closed_invalid", 0ULL), c.value("closed_idle", 0ULL));
  }
  if (j.contains("sip")) {
    const auto& s = j["sip"];
    std::cout << "\nsip listening on:\n";
    for (const auto& l : s["listening"]) std::cout << "  " << l.get<std::string>() << "\n";
    std::printf("\n  registered bindings %zu, open transactions %zu\n", s.value("bindings", std::size_t{0}),
                s.value("transactions", std::size_t{0}));
    for (const char* group : {"requests", "registrar", "transport"}) {
      std::printf("  %s:", group);
      for (const auto& [k, v] : s[group].items()) std::printf(" %s=%llu", k.c_str(), v.get<unsigned long long>());
      std::printf("\n");
    }
  }
  if (j.contains("portcheck")) {
    const auto& p = j["portcheck"];
    std::cout << "\nportcheck listening on:\n";
    for (const auto& l : p["listening"]) std::cout << "  " << l.get<std::string>() << "\n";
    std::printf("\n  sessions open %zu, echo ports open %zu\n  counters:", p.value("sessions", std::size_t{0}),
                p.value("open_echo_ports", std::size_t{0}));
    for (const auto& [k, v] : p["counters"].items()) std::printf(" %s=%llu", k.c_str(), v.get<unsigned long long>());
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "confabd — the confab server: iChat's network services (SNATMAP address reflector on 5678/3478, ...)\n"
      "Runs with built-in defaults when no config file is given."};
  app.set_version_flag("--version", "confabd 0.1.0");
  std::string config_file;
  std::vector<std::string> overrides;
  bool print_default = false;
  bool check = false;
  app.add_option("-c,--config", config_file, "TOML config file (see --print-default-config)")->check(CLI::ExistingFile);
  app.add_option("--set", overrides, "override one key, e.g. --set snatmap.ports=[15678] --set log.level=debug")
      ->type_name("KEY=VALUE");
  app.add_flag("--print-default-config", print_default, "print the built-in configuration (a commented TOML file)");
  app.add_flag("--check-config", check, "load and validate the configuration, then exit");
  auto* status = app.add_subcommand("status", "show the running daemon's listeners and counters");
  bool status_json = false;
  status->add_flag("--json", status_json, "print the raw JSON");

  auto* user = app.add_subcommand("user", "manage accounts (alice@example.org); works while confabd runs");
  user->require_subcommand(1);
  UserCommand user_command;
  auto add_user_action = [&](const char* name, UserCommand::Action action, const char* help) {
    auto* sub = user->add_subcommand(name, help);
    sub->callback([&user_command, action] { user_command.action = action; });
    return sub;
  };
  for (auto [name, action, help] :
       {std::tuple{"add", UserCommand::Action::add, "add an account; asks for its password"},
        std::tuple{"passwd", UserCommand::Action::passwd, "change an account's password"},
        std::tuple{"del", UserCommand::Action::del, "delete an account"}}) {
    auto* sub = add_user_action(name, action, help);
    sub->add_option("address", user_command.address, "the account, localpart@domain")->required();
    if (action != UserCommand::Action::del)
      sub->add_option("--password-file", user_command.password_file,
                      "read the password from the file's first line (\"-\" = stdin); default: prompt twice on a "
                      "terminal, else the first line of stdin");
  }
  add_user_action("list", UserCommand::Action::list, "list the accounts")
      ->add_flag("--json", user_command.json, "a JSON array with creation and password-change times");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_config_error;
  }

  if (print_default) {
    std::cout << default_config_text();
    return exit_ok;
  }
  std::optional<std::filesystem::path> file;
  if (!config_file.empty()) file = config_file;
  auto config = load_config(file, overrides);
  if (!config) {
    std::fprintf(stderr, "confabd: config error: %s\n", config.error().message().c_str());
    return exit_config_error;
  }
  if (check) {
    std::printf("confabd: configuration OK\n");
    return exit_ok;
  }
  if (*status) return print_status(*config, status_json);
  if (*user) return run_user_command(*config, user_command);

  auto log = make_logger(config->log);
  return run_daemon(*config, log);
}
