// Micro-benchmark of confabd's SIP server core without sockets: one whole
// call per iteration, shaped like sipp's built-in uac/uas scenarios that
// bench/sip_bench.sh runs — INVITE, 100, 180, 200, ACK, BYE, 200 — through
// the registrar's binding for bob and the stateful proxy. It measures the
// user-space share of a call (parse, transactions, proxy edits, serialize);
// sip_bench.sh measures the whole server, kernel included. The harness
// builds the phones' messages with plain string edits, which it counts too.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/server_core.hpp"

namespace {

using namespace confab;
using namespace confab::sip;

const SocketAddress server = *SocketAddress::parse("127.0.0.1:5060");
const SocketAddress uac = *SocketAddress::parse("127.0.0.1:5061");
const SocketAddress uas = *SocketAddress::parse("127.0.0.1:5062");

const std::string sdp =
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

std::string invite(const std::string& n) {
  return "INVITE sip:bob@127.0.0.1:5060 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-" + n + "-0\r\n"
         "From: sipp <sip:sipp@127.0.0.1:5061>;tag=1SIPpTag00" + n + "\r\n"
         "To: bob <sip:bob@127.0.0.1:5060>\r\n"
         "Call-ID: " + n + "-1@127.0.0.1\r\n"
         "CSeq: 1 INVITE\r\n"
         "Contact: sip:sipp@127.0.0.1:5061\r\n"
         "Max-Forwards: 70\r\n"
         "Subject: Performance Test\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
}

std::string in_dialog(const std::string& method, const std::string& n, int cseq, const std::string& branch) {
  return method + " sip:bob@127.0.0.1:5062 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-" + n + "-" + branch + "\r\n"
         "Route: <sip:127.0.0.1:5060;transport=udp;lr>\r\n"
         "From: sipp <sip:sipp@127.0.0.1:5061>;tag=1SIPpTag00" + n + "\r\n"
         "To: bob <sip:bob@127.0.0.1:5060>;tag=2SIPpTag01" + n + "\r\n"
         "Call-ID: " + n + "-1@127.0.0.1\r\n"
         "CSeq: " + std::to_string(cseq) + " " + method + "\r\n"
         "Contact: sip:sipp@127.0.0.1:5061\r\n"
         "Max-Forwards: 70\r\n"
         "Subject: Performance Test\r\n"
         "Content-Length: 0\r\n\r\n";
}

// The uas's answer to a request as the proxy forwarded it: its Via and
// Record-Route lines copied, a To tag, and a body for 200 to INVITE.
std::string answer(const std::string& request, const std::string& status, bool with_sdp) {
  std::string copied;
  std::size_t pos = request.find("\r\n") + 2;
  while (pos < request.size()) {
    std::size_t end = request.find("\r\n", pos);
    if (end == pos) break;
    std::string_view line(request.data() + pos, end - pos);
    if (line.starts_with("Via:") || line.starts_with("Record-Route:") || line.starts_with("From:") ||
        line.starts_with("Call-ID:") || line.starts_with("CSeq:"))
      copied.append(line).append("\r\n");
    else if (line.starts_with("To:"))
      copied.append(line).append(line.find(";tag=") == std::string_view::npos ? ";tag=2SIPpTag01x" : "").append("\r\n");
    pos = end + 2;
  }
  std::string body = with_sdp ? sdp : "";
  return "SIP/2.0 " + status + "\r\n" + copied + "Contact: <sip:127.0.0.1:5062;transport=UDP>\r\n" +
         (with_sdp ? "Content-Type: application/sdp\r\n" : "") + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

struct Rig {
  SeededRng rng{7};
  ServerCore core;
  Instant now = Instant{} + std::chrono::hours(1);
  std::string to_uas;  // the last request forwarded to bob
  std::size_t sent = 0;

  Rig()
      : core(
            [] {
              ServerCoreConfig c;
              c.registrar.nonce_secret = Bytes(32, 1);
              c.registrar.require_authentication = false;  // the digest path has its own numbers
              c.registrar.domains = {"127.0.0.1"};
              c.identity = {"127.0.0.1", 5060, 5061};
              c.rate_limit = {0, 0, 65536};
              c.max_transactions = 1000000;
              return c;
            }(),
            [](std::string_view, std::string_view, DigestAlgorithm) { return std::optional<std::string>{}; }, rng) {
    feed("REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKreg;rport\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:bob@127.0.0.1>;tag=r\r\nTo: <sip:bob@127.0.0.1>\r\n"
         "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:bob@127.0.0.1:5062>\r\nExpires: 3600\r\n"
         "Content-Length: 0\r\n\r\n",
         uas);
  }

  void feed(const std::string& text, SocketAddress from) {
    core.handle_datagram(now, Datagram{Transport::udp, server, from, as_bytes(text)}, 0);
    while (auto o = core.poll_transmit()) {
      ++sent;
      if (o->transmit.remote == uas && o->transmit.bytes.size() > 8 && o->transmit.bytes[0] != 'S')
        to_uas.assign(as_chars(o->transmit.bytes));
    }
  }
};

void BM_CallThroughProxy(benchmark::State& state) {
  Rig rig;
  std::uint64_t call = 0;
  for (auto _ : state) {
    const std::string n = std::to_string(++call);
    rig.feed(invite(n), uac);
    const std::string inv = rig.to_uas;
    rig.feed(answer(inv, "180 Ringing", false), uas);
    rig.feed(answer(inv, "200 OK", true), uas);
    rig.feed(in_dialog("ACK", n, 1, "5"), uac);
    rig.feed(in_dialog("BYE", n, 2, "7"), uac);
    rig.feed(answer(rig.to_uas, "200 OK", false), uas);
    // Let transactions end as they would on a wire (Timer K/J/D...).
    rig.now += std::chrono::milliseconds(1);
    if (call % 256 == 0) rig.core.handle_timeout(rig.now);
  }
  state.counters["calls/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["out/call"] = static_cast<double>(rig.sent) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CallThroughProxy);
// A fixed count, for instruction profiles: valgrind --tool=callgrind ... --benchmark_filter=Fixed
BENCHMARK(BM_CallThroughProxy)->Name("Fixed3000Calls")->Iterations(3000);

}  // namespace

BENCHMARK_MAIN();
