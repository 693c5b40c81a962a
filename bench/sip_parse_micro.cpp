// Micro-benchmark of the SIP codec's hot path: parsing a typical INVITE
// (with the typed checks parse() runs), reading the fields a proxy needs,
// the proxy's edits, and serializing.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/parser.hpp"

namespace {

using namespace confab;
using namespace confab::sip;

const std::string invite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE\r\n"
    "Supported: replaces, timer\r\n"
    "User-Agent: confab-bench/0.1\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 142\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

void BM_ParseInvite(benchmark::State& state) {
  for (auto _ : state) {
    auto m = parse(as_bytes(invite));
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(invite.size()));
}
BENCHMARK(BM_ParseInvite);

void BM_ParseInviteAndReadTransactionKey(benchmark::State& state) {
  for (auto _ : state) {
    auto m = parse(as_bytes(invite));
    auto via = m->top_via();
    auto cseq = m->cseq();
    auto call_id = m->call_id();
    benchmark::DoNotOptimize(via);
    benchmark::DoNotOptimize(cseq);
    benchmark::DoNotOptimize(call_id);
  }
}
BENCHMARK(BM_ParseInviteAndReadTransactionKey);

void BM_ProxyForwardInvite(benchmark::State& state) {
  for (auto _ : state) {
    auto m = parse(as_bytes(invite));
    m->prepend(HeaderId::via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1");
    m->prepend(HeaderId::record_route, "<sip:proxy.example.com;lr>");
    m->decrement_max_forwards();
    std::string out = serialize(*m);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ProxyForwardInvite);

void BM_FrameStream(benchmark::State& state) {
  for (auto _ : state) {
    auto f = frame_size(as_bytes(invite));
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_FrameStream);

}  // namespace

BENCHMARK_MAIN();
