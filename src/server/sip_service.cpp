#include "server/sip_service.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/rate_limiter.hpp"
#include "core/text.hpp"
#include "diag/sip_probe.hpp"
#include "net/flow_service.hpp"
#include "net/resolve.hpp"
#include "net/self_signed.hpp"
#include "server/secret_file.hpp"
#include "sip/server_core.hpp"

namespace confab::server {


struct SipService::State {
  SystemRng rng;
  std::shared_ptr<spdlog::logger> log;
};

// The core on the flow service's thread; the store lookup runs there too
// (the SQLite store serialises its own access).
class SipFlowCore final : public net::FlowCore {
 public:
  SipFlowCore(sip::ServerCoreConfig config, sip::Ha1Lookup lookup, Rng& rng, std::shared_ptr<spdlog::logger> log,
              SipService::ProbeSink probes, std::size_t max_message_size)
      : core(std::move(config), std::move(lookup), rng),
        log_(std::move(log)),
        probes_(std::move(probes)),
        max_message_size_(max_message_size) {}
  void handle_datagram(Instant now, const Datagram& d, net::FlowId flow) override {
    if (probes_) {
      // `confab portcheck`'s SIP ALG probe: never routed, answered here.
      auto probe = diag::answer_sip_probe(d.bytes, max_message_size_);
      if (probe.probe) {
        if (!probe_limiter_.allow(d.remote.ip, now)) return;  // a port check sends a handful
        probes_(d.transport, d.remote, d.bytes);
        if (probe.response)
          probe_answers_.push_back({Transmit{d.transport, d.local, d.remote, Bytes(probe.response->begin(), probe.response->end())}, flow});
        return;
      }
    }
    core.handle_datagram(now, d, flow);
    log_auth_failures(now);
  }
  void handle_flow_closed(Instant now, net::FlowId flow) override { core.handle_flow_closed(now, flow); }
  void handle_timeout(Instant now) override { core.handle_timeout(now); }
  std::optional<net::FlowTransmit> poll_transmit() override {
    if (!probe_answers_.empty()) {
      auto t = std::move(probe_answers_.front());
      probe_answers_.pop_front();
      return t;
    }
    auto o = core.poll_transmit();
    if (!o) return std::nullopt;
    return net::FlowTransmit{std::move(o->transmit), o->flow};
  }
  std::optional<Instant> poll_timeout() const override { return core.poll_timeout(); }
  sip::ServerCore core;

 private:
  // One warning line per refused authentication, in a fixed format for
  // fail2ban-style tools; at most max_lines a second, so a password-guessing
  // flood cannot flood the log too (the counters still count every one).
  void log_auth_failures(Instant now) {
    static constexpr int max_lines = 20;
    while (auto f = core.poll_auth_failure()) {
      if (now - window_start_ >= std::chrono::seconds(1)) {
        if (suppressed_ > 0) log_->warn("sip: {} more authentication failures not logged", suppressed_);
        window_start_ = now;
        lines_ = 0;
        suppressed_ = 0;
      }
      if (lines_ >= max_lines) {
        ++suppressed_;
        continue;
      }
      ++lines_;
      log_->warn("sip: authentication failed for user \"{}\" registering {} from {} over {}: {}",
                 printable(f->username), printable(f->aor), f->source.remote.to_string(),
                 to_string(f->source.transport), f->reason);
    }
  }
  std::shared_ptr<spdlog::logger> log_;
  SipService::ProbeSink probes_;
  std::size_t max_message_size_;
  std::deque<net::FlowTransmit> probe_answers_;
  RateLimiter probe_limiter_{RateLimit{10, 20, 4096}};
  Instant window_start_{};
  int lines_ = 0;
  std::uint64_t suppressed_ = 0;
};

Result<std::unique_ptr<SipService>, std::string> SipService::start(const Config& config, store::AccountStore& accounts,
                                                                   std::shared_ptr<spdlog::logger> log,
                                                                   ProbeSink portcheck_probes) {
  std::unique_ptr<SipService> s(new SipService);
  s->state_ = std::make_shared<State>();
  s->state_->log = log;
  const auto& c = config.sip;

  // Nonces stay valid across restarts: the secret that signs them persists.
  auto secret = load_or_create_secret(config.server.data_dir / "sip-nonce.key", 32, s->state_->rng);
  if (!secret) return unexpected("sip: " + secret.error());

  sip::ServerCoreConfig core;
  core.registrar.domains = c.domains;
  core.registrar.nonce_secret = *secret;
  core.registrar.algorithms.clear();
  for (const auto& a : c.digest_algorithms)
    core.registrar.algorithms.push_back(a == "MD5" ? sip::DigestAlgorithm::md5 : sip::DigestAlgorithm::sha256);
  core.registrar.default_expires = c.limits.default_expires;
  core.registrar.min_expires = c.limits.min_expires;
  core.registrar.max_expires = c.limits.max_expires;
  core.limits.max_message_size = c.limits.max_message_size;
  core.rate_limit = {c.limits.requests_per_second, c.limits.burst, 65536};
  core.max_transactions = c.limits.max_transactions;
  core.identity.port = c.port;
  core.identity.tls_port = c.tls_port;
  core.identity.host = c.advertised_address;
  if (core.identity.host.empty() && !c.address.is_unspecified()) core.identity.host = c.address.to_string();
  if (core.identity.host.empty()) {
    for (const auto& ip : net::interface_addresses())
      if (ip.family() == c.address.family() && !ip.is_loopback() && !(ip.is_v6() && ip.data()[0] == 0xfe)) {
        core.identity.host = ip.to_string();
        break;
      }
  }
  if (core.identity.host.empty()) core.identity.host = c.address.is_v4() ? "127.0.0.1" : "::1";
  if (core.identity.host.find(':') != std::string::npos) core.identity.host = "[" + core.identity.host + "]";

  auto logger = log;
  sip::Ha1Lookup lookup = [&accounts, logger](std::string_view user, std::string_view realm,
                                              sip::DigestAlgorithm alg) -> std::optional<std::string> {
    store::DigestAlgorithm a;
    if (alg == sip::DigestAlgorithm::md5)
      a = store::DigestAlgorithm::md5;
    else if (alg == sip::DigestAlgorithm::sha256)
      a = store::DigestAlgorithm::sha256;
    else
      return std::nullopt;  // SHA-512-256 hashes are not stored
    store::AccountName name{ascii_lower(user), ascii_lower(realm)};
    auto r = accounts.digest_ha1(name, name.domain, a);
    if (!r) {
      logger->error("sip: account store: {}", r.error().message);
      return std::nullopt;
    }
    return *r;
  };

  net::FlowServiceConfig fc;
  fc.name = "sip";
  if (c.udp) fc.udp = {{c.address, c.port}};
  if (c.tcp) fc.tcp = {{c.address, c.port}};
  if (c.tls_port != 0) {
    fc.tls = {{c.address, c.tls_port}};
    if (!c.tls_certificate.empty()) {
      fc.tls_files = net::TlsFiles{c.tls_certificate, c.tls_private_key};
    } else {
      auto made = net::ensure_self_signed(config.server.data_dir / "tls", c.domains.front());
      if (!made) return unexpected("sip: " + made.error());
      fc.tls_files = *made;
      log->warn("sip: TLS uses a self-signed certificate ({}); set sip.tls_certificate for a real one",
                made->certificate.string());
    }
  }
  fc.max_message_size = c.limits.max_message_size;
  fc.max_connections = c.limits.tcp_connections;
  fc.idle_timeout = c.limits.tcp_idle_timeout;
  sip::Limits limits{c.limits.max_message_size, 128};
  fc.framer = [limits](ByteView b) {
    auto f = sip::frame_size(b, limits);
    if (!f) return net::StreamFrame{net::StreamFrame::State::invalid, 0};
    if (!*f) return net::StreamFrame{};
    return net::StreamFrame{net::StreamFrame::State::complete, (*f)->size};
  };

  net::BindError bind_error;
  std::string tls_error;
  s->flows_ = net::FlowService::start(fc, std::make_unique<SipFlowCore>(core, lookup, s->state_->rng, log,
                                                                    std::move(portcheck_probes), c.limits.max_message_size), bind_error,
                                      tls_error);
  if (!s->flows_) {
    if (!tls_error.empty()) return unexpected("sip: " + tls_error + " (sip.tls_certificate, sip.tls_private_key)");
    std::string why = bind_error.error.message();
    if (bind_error.error == std::errc::address_in_use) why += " (another program has this port; change sip.port or stop it)";
    return unexpected("sip: cannot listen on " + bind_error.address.to_string() + ": " + why);
  }
  log->info("sip: listening on {} for {}, known as {}", fmt::join(s->flows_->listening(), ", "),
            fmt::join(c.domains, ", "), core.identity.host);
  return s;
}

SipService::~SipService() { stop(); }

void SipService::stop() {
  if (flows_) flows_->stop();
}

// Counters and table sizes, read on the SIP thread so they are consistent.
static nlohmann::json snapshot(net::FlowService& flows) {
  nlohmann::json j;
  j["listening"] = flows.listening();
  flows.with_core([&](net::FlowCore& fc) {
    auto& core = static_cast<SipFlowCore&>(fc).core;
    const auto& c = core.counters();
    const auto& r = core.registrar_counters();
    j["requests"] = {{"received", c.received},       {"malformed", c.malformed},     {"rate_limited", c.rate_limited},
                     {"retransmissions", c.retransmissions}, {"keepalives", c.keepalives}, {"options", c.options},
                     {"overloaded", c.overloaded}, {"stray_acks", c.stray_acks}, {"responses_in", c.responses_in},
                     {"unavailable", c.unavailable}, {"not_found", c.not_found}, {"too_many_hops", c.too_many_hops},
                     {"loops", c.loops}, {"cancels", c.cancels}};
    const auto& p = core.proxy_counters();
    j["proxy"] = {{"proxied", p.proxied}, {"stateless", p.stateless}, {"branches", p.branches},
                  {"cancelled", p.cancelled}, {"timeouts", p.timeouts}, {"stray_responses", p.stray_responses}};
    j["registrar"] = {{"requests", r.requests},         {"ok", r.ok},
                      {"challenged", r.challenged},     {"auth_failed", r.auth_failed},
                      {"bad_requests", r.bad_requests}, {"other_domain", r.other_domain},
                      {"too_brief", r.too_brief},       {"full", r.full}};
    j["bindings"] = core.bindings();
    j["transactions"] = core.transactions();
  });
  auto st = flows.stats();
  j["transport"] = {{"datagrams_in", st.datagrams_in},       {"datagrams_out", st.datagrams_out},
                    {"connections_open", st.connections_open}, {"connections_accepted", st.connections_accepted},
                    {"connections_refused", st.connections_refused}, {"closed_invalid", st.closed_invalid},
                    {"closed_idle", st.closed_idle},         {"tls_handshake_failures", st.tls_handshake_failures},
                    {"send_failures", st.send_failures}};
  return j;
}

std::string SipService::status_json() { return snapshot(*flows_).dump(); }

std::string SipService::counters_line() {
  auto j = snapshot(*flows_);
  return fmt::format("sip counters: received={} registrar_ok={} auth_failed={} challenged={} malformed={} "
                     "rate_limited={} bindings={} connections={}",
                     j["requests"]["received"].get<std::uint64_t>(), j["registrar"]["ok"].get<std::uint64_t>(),
                     j["registrar"]["auth_failed"].get<std::uint64_t>(), j["registrar"]["challenged"].get<std::uint64_t>(),
                     j["requests"]["malformed"].get<std::uint64_t>(), j["requests"]["rate_limited"].get<std::uint64_t>(),
                     j["bindings"].get<std::size_t>(), j["transport"]["connections_open"].get<std::uint64_t>());
}

}  // namespace confab::server
