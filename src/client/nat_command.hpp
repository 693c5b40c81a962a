#pragma once
// `confab nat`: what NAT am I behind, and will a direct call work?
#include <chrono>
#include <string>

namespace confab::client {

struct NatOptions {
  std::string server = "127.0.0.1";  // HOST[:PORT]
  std::uint16_t default_port = 5678;
  bool json = false;
  bool tcp = false;          // also test TCP (always done when UDP is blocked)
  bool hairpinning = true;
  bool lifetime = false;     // binding lifetime probe: takes minutes
  int lifetime_max_seconds = 600;
  int rto_ms = 250;          // first retransmission timeout
  int transmissions = 4;     // per request
  std::string bind;          // local IP to test from; "" = the route's source address
};

// Runs the diagnosis and prints it; returns the exit code.
int run_nat(const NatOptions& options);

}  // namespace confab::client
