// confab — the user's tool. One subcommand per job; human output by default,
// --json for scripts; exit codes in src/client/exit_codes.hpp.
#include <CLI/CLI.hpp>

#include "client/exit_codes.hpp"
#include "client/nat_command.hpp"

using namespace confab::client;

int main(int argc, char** argv) {
  CLI::App app{"confab — chat, calls and network diagnostics for confabd (iChat's network system, rebuilt)"};
  app.set_version_flag("--version", "confab 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 done, 1 internal error, 2 usage error, 3 server unreachable, 4 server answered with an error.");

  NatOptions nat;
  auto* nat_cmd = app.add_subcommand(
      "nat", "what NAT am I behind, and will direct calls work? (RFC 5780 NAT behaviour discovery)");
  nat_cmd->add_option("server", nat.server, "reflector HOST[:PORT]: a confabd, or any RFC 5780 STUN server")
      ->capture_default_str();
  nat_cmd->add_option("--port", nat.default_port, "port when SERVER has none")->capture_default_str();
  nat_cmd->add_flag("--json", nat.json, "print a JSON object (docs/nat-report.md)");
  nat_cmd->add_flag("--tcp", nat.tcp, "also test STUN over TCP (always done when UDP is blocked)");
  nat_cmd->add_flag("!--no-hairpinning", nat.hairpinning, "skip the hairpinning test");
  nat_cmd->add_flag("--lifetime", nat.lifetime, "also measure how long an idle mapping lasts (takes minutes)");
  nat_cmd->add_option("--lifetime-max", nat.lifetime_max_seconds, "longest lifetime probe, seconds")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600));
  nat_cmd->add_option("--rto", nat.rto_ms, "first retransmission timeout, ms")->capture_default_str()->check(CLI::Range(10, 10000));
  nat_cmd->add_option("--attempts", nat.transmissions, "transmissions per request")->capture_default_str()->check(CLI::Range(1, 10));
  nat_cmd->add_option("--bind", nat.bind, "local IP address to test from (default: the route's source address)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  if (*nat_cmd) return run_nat(nat);
  return exit_usage;
}
