// NatDiscovery's decisions: what each answer (or silence) means and which
// test runs next. The order matters: the filtering tests run before mapping
// tests II and III, because those send to the server's alternate address and
// would open the very filter holes the filtering tests look for (RFC 5780 §4.4).
#include <algorithm>

#include "snatmap/nat_discovery.hpp"

namespace confab::snatmap {

namespace {

std::string seconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void NatDiscovery::on_binding(const std::optional<Answer>& a, Instant now) {
  if (!a) {
    note("No answer from the server over UDP after " + std::to_string(config_.retransmit.max_transmissions) +
         " requests: UDP is blocked (or the server is down)");
    step_ = DiscoveryStep::done;
    return;
  }
  report_.udp = true;
  if (a->error_code || !a->mapped) {
    note(a->error_code ? "The server answered the Binding request with error " + std::to_string(*a->error_code)
                       : "The server's answer carried no mapped address");
    step_ = DiscoveryStep::done;
    return;
  }
  report_.mapped_address = a->mapped;
  report_.other_address = a->other;
  report_.rfc5780 = a->other.has_value();
  if (a->from != config_.server)
    note("The server answered from " + a->from.to_string() + " instead of " + config_.server.to_string());
  // RESPONSE-ORIGIN is what the server believes it sent from; a difference
  // means something in front of the server rewrites addresses, and then its
  // OTHER-ADDRESS is unlikely to be reachable as advertised.
  if (a->origin && *a->origin != a->from)
    note("The server says it answered from " + a->origin->to_string() + " but the answer came from " +
         a->from.to_string() + ": the server is probably behind a NAT itself");

  const SocketAddress& local = config_.sockets[0];
  const SocketAddress& mapped = *a->mapped;
  bool local_ip = mapped.ip == local.ip || std::ranges::find(config_.local_addresses, mapped.ip) !=
                                               config_.local_addresses.end();
  if (local_ip && mapped.port == local.port)
    report_.behind_nat = false;
  else if (!local.ip.is_unspecified() || !config_.local_addresses.empty())
    report_.behind_nat = true;
  else
    note("The local address is not known, so whether there is a NAT cannot be told");

  if (!report_.rfc5780) {
    note("The server did not send OTHER-ADDRESS (no RFC 5780 support): mapping behaviour cannot be tested, "
         "and filtering only with a change of port");
  } else if (!alternate_ip_known()) {
    note("The server's OTHER-ADDRESS has its own IP address: mapping and change-IP tests are impossible");
  }
  // An RFC 5780 server must honour change-port, so its silence is a filter's doing.
  change_port_trusted_ = report_.rfc5780;
  start(alternate_ip_known() ? DiscoveryStep::filtering_change_ip_port : DiscoveryStep::filtering_change_port,
        now);
}

void NatDiscovery::on_filtering(const std::optional<Answer>& a, Instant now) {
  const SocketAddress& server = config_.server;
  if (step_ == DiscoveryStep::filtering_change_ip_port) {
    const SocketAddress& expected = *report_.other_address;
    if (!a) {
      change_ip_ = ChangeIpResult::silent;
    } else if (a->error_code) {
      note("The server refused to change its IP address and port (error " + std::to_string(*a->error_code) + ")");
      change_ip_ = ChangeIpResult::inconclusive;
    } else if (a->from.ip != server.ip && a->from.port != server.port) {
      if (a->from != expected)
        note("The change-IP-and-port answer came from " + a->from.to_string() + ", not OTHER-ADDRESS " +
             expected.to_string());
      report_.filtering = Filtering::endpoint_independent;
      start_after_filtering(now);
      return;
    } else {
      note("The change-IP-and-port answer came from " + a->from.to_string() + ", expected " +
           expected.to_string() + ": the server did not change both, so it proves nothing");
      change_ip_ = ChangeIpResult::inconclusive;
    }
    start(DiscoveryStep::filtering_change_port, now);
    return;
  }

  // Filtering test III: only the port changes.
  std::optional<SocketAddress> expected;
  if (report_.other_address) expected = SocketAddress{server.ip, report_.other_address->port};
  if (!a) {
    if (change_port_trusted_)
      report_.filtering = Filtering::address_and_port_dependent;
    else
      note("No answer to a change-port request: either the server ignores CHANGE-REQUEST or the filtering is "
           "address-and-port-dependent");
  } else if (a->error_code) {
    note("The server refused to change its port (error " + std::to_string(*a->error_code) + ")");
  } else if (a->from.ip == server.ip && a->from.port != server.port) {
    if (expected && a->from != *expected)
      note("The change-port answer came from " + a->from.to_string() + ", expected " + expected->to_string());
    if (change_ip_ == ChangeIpResult::silent)
      report_.filtering = Filtering::address_dependent;
    else
      note("Filtering lets in another port of the same address, so it is endpoint-independent or "
           "address-dependent; without a change of IP address the two cannot be told apart");
  } else {
    note("The change-port answer came from " + a->from.to_string() +
         ": the server did not change its port, so it proves nothing");
  }
  start_after_filtering(now);
}

void NatDiscovery::start_after_filtering(Instant now) {
  if (report_.behind_nat == false) {
    // No translation: every destination sees the same address.
    report_.mapping = Mapping::endpoint_independent;
    start_after_mapping(now);
  } else if (!alternate_ip_known()) {
    start_after_mapping(now);
  } else {
    start(DiscoveryStep::mapping_other_ip, now);
  }
}

void NatDiscovery::on_mapping(const std::optional<Answer>& a, Instant now) {
  if (!a || !a->mapped) {
    note("No answer from the server's alternate address " +
         (step_ == DiscoveryStep::mapping_other_ip ? SocketAddress{report_.other_address->ip, config_.server.port}
                                                   : *report_.other_address)
             .to_string() +
         ": mapping behaviour unknown");
    start_after_mapping(now);
    return;
  }
  if (step_ == DiscoveryStep::mapping_other_ip) {
    if (*a->mapped == *report_.mapped_address) {
      report_.mapping = Mapping::endpoint_independent;
      start_after_mapping(now);
    } else {
      mapped_other_ip_ = a->mapped;
      start(DiscoveryStep::mapping_other_ip_port, now);
    }
    return;
  }
  report_.mapping = *a->mapped == *mapped_other_ip_ ? Mapping::address_dependent
                                                    : Mapping::address_and_port_dependent;
  start_after_mapping(now);
}

void NatDiscovery::start_after_mapping(Instant now) {
  // Without a NAT the "mapped address" is our own socket: nothing to hairpin.
  if (config_.test_hairpinning && report_.behind_nat != false)
    start(DiscoveryStep::hairpinning, now);
  else
    start_lifetime(now);
}

// RFC 5780 §4.6, one step at a time: refresh socket 0's mapping, stay silent
// for the step's idle time, then ask the server (from socket 1, RESPONSE-PORT
// = socket 0's mapped port) to answer to socket 0's mapping. Socket 1's
// request must not refresh socket 0's mapping, which is why it is a second socket.
void NatDiscovery::start_lifetime(Instant now) {
  if (!config_.test_lifetime) {
    step_ = DiscoveryStep::done;
    return;
  }
  if (config_.sockets.size() < 2) {
    note("The mapping lifetime test needs a second local socket; it was not run");
    step_ = DiscoveryStep::done;
    return;
  }
  if (!report_.rfc5780) {
    note("The mapping lifetime test needs RESPONSE-PORT (RFC 5780); it was not run");
    step_ = DiscoveryStep::done;
    return;
  }
  lifetime_started_ = now;
  lifetime_index_ = 0;
  start_lifetime_step(now);
}

void NatDiscovery::start_lifetime_step(Instant now) {
  const auto& steps = config_.lifetime.steps;
  if (lifetime_index_ >= steps.size() ||
      now - *lifetime_started_ + steps[lifetime_index_] > config_.lifetime.max_duration) {
    if (report_.mapping_lifetime)
      note("The mapping survived every idle time tried; it lasts at least " +
           seconds_text(steps[lifetime_index_ - 1]));
    else
      note("The mapping lifetime test was not run: no idle time fits in its maximum duration");
    step_ = DiscoveryStep::done;
    return;
  }
  start(DiscoveryStep::lifetime_refresh, now);
}

void NatDiscovery::on_lifetime(const std::optional<Answer>& a, Instant now) {
  const Duration idle = config_.lifetime.steps[lifetime_index_];
  if (step_ == DiscoveryStep::lifetime_refresh) {
    if (!a || !a->mapped || a->socket != 0) {
      note("The mapping lifetime test stopped: no answer to a refresh from the main socket");
      step_ = DiscoveryStep::done;
      return;
    }
    lifetime_port_ = a->mapped->port;
    step_ = DiscoveryStep::lifetime_wait;
    wait_until_ = now + idle;
    return;
  }
  if (!a) {
    report_.mapping_lifetime_expired_by = to_seconds(idle);
    if (!report_.mapping_lifetime) note("The mapping did not survive even " + seconds_text(idle) + " of silence");
    step_ = DiscoveryStep::done;
  } else if (a->error_code || a->socket != 0) {
    note(a->error_code ? "The server refused RESPONSE-PORT (error " + std::to_string(*a->error_code) +
                             "): mapping lifetime not measured"
                       : "The server ignored RESPONSE-PORT: mapping lifetime not measured");
    report_.mapping_lifetime.reset();
    step_ = DiscoveryStep::done;
  } else {
    report_.mapping_lifetime = to_seconds(idle);
    ++lifetime_index_;
    start_lifetime_step(now);
  }
}

}  // namespace confab::snatmap
