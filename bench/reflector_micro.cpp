// User-space cost of one Binding request through the reflector (parse,
// decide, build the response): what the syscalls of the UDP path add to.
#include <benchmark/benchmark.h>

#include "core/rng.hpp"
#include "snatmap/reflector.hpp"
#include "stun/message.hpp"

using namespace confab;

namespace {

snatmap::ReflectorConfig config(double rate) {
  snatmap::ReflectorConfig c;
  c.primary_address = *IpAddress::parse("203.0.113.10");
  c.alternate_address = *IpAddress::parse("203.0.113.11");
  c.ports = {{5678, 5679}};
  c.rate_limit = {rate, rate * 2, 65536};
  return c;
}

void run(benchmark::State& state, Bytes request, double rate) {
  snatmap::Reflector r(config(rate));
  Datagram d{Transport::udp, *SocketAddress::parse("203.0.113.10:5678"), *SocketAddress::parse("198.51.100.7:40000"),
             request};
  Instant now = Clock::now();
  std::uint32_t i = 0;
  for (auto _ : state) {
    d.remote.ip = IpAddress::v4(0xC6336400u + (++i & 1023));  // 1024 sources
    auto out = r.handle_datagram(now, d);
    benchmark::DoNotOptimize(out);
  }
}

Bytes plain_request() {
  SeededRng rng(1);
  return stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, stun::TransactionId::random(rng))
      .finish();
}

void BM_BindingNoRateLimit(benchmark::State& s) { run(s, plain_request(), 0); }
void BM_BindingWithRateLimit(benchmark::State& s) { run(s, plain_request(), 1e9); }
void BM_BindingWithFingerprintAndSoftware(benchmark::State& s) {
  SeededRng rng(1);
  run(s,
      stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, stun::TransactionId::random(rng))
          .add_string(stun::attr::software, "a client")
          .add_fingerprint()
          .finish(),
      0);
}
void BM_ParseOnly(benchmark::State& state) {
  auto req = plain_request();
  for (auto _ : state) benchmark::DoNotOptimize(stun::parse(req));
}

}  // namespace

BENCHMARK(BM_BindingNoRateLimit);
BENCHMARK(BM_BindingWithRateLimit);
BENCHMARK(BM_BindingWithFingerprintAndSoftware);
BENCHMARK(BM_ParseOnly);
BENCHMARK_MAIN();
