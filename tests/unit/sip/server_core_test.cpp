// The SIP server core fed datagrams directly: REGISTER through its
// transaction, retransmissions absorbed, Via stamped for NAT, OPTIONS to the
// server, keep-alives, garbage dropped.
#include "sip/server_core.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "sip/digest.hpp"

using namespace confab;
using namespace confab::sip;

namespace {

const Instant t0 = Instant{} + std::chrono::hours(1);
const SocketAddress server = *SocketAddress::parse("203.0.113.10:5060");
const SocketAddress nat = *SocketAddress::parse("198.51.100.2:41000");

struct Fixture {
  SeededRng rng{3};
  ServerCore core;
  Fixture()
      : core(
            [] {
              ServerCoreConfig c;
              c.registrar.nonce_secret = Bytes(32, 1);
              return c;
            }(),
            [](std::string_view u, std::string_view realm, DigestAlgorithm a) -> std::optional<std::string> {
              if (u != "alice" || a == DigestAlgorithm::sha512_256) return std::nullopt;
              return compute_ha1(a, u, realm, "wonderland");
            },
            rng) {}

  std::vector<Outgoing> feed(const std::string& text, Transport t = Transport::udp, std::uint64_t flow = 0,
                             Instant now = t0) {
    core.handle_datagram(now, Datagram{t, server, nat, as_bytes(text)}, flow);
    std::vector<Outgoing> out;
    while (auto o = core.poll_transmit()) out.push_back(std::move(*o));
    return out;
  }
};

std::string options(const std::string& ruri, bool rport = true) {
  return "OPTIONS " + ruri + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bKopt1" + std::string(rport ? ";rport" : "") + "\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=1\r\nTo: <sip:example.org>\r\n"
         "Call-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
}

std::string text(const Outgoing& o) { return std::string(as_chars(o.transmit.bytes)); }

}  // namespace

TEST(ServerCore, AnswersOptionsToItselfFromWhereTheRequestArrived) {
  Fixture f;
  auto out = f.feed(options("sip:example.org"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]).rfind("SIP/2.0 200 OK\r\n", 0), 0u);
  EXPECT_EQ(out[0].transmit.remote, nat);  // rport: back through the NAT
  EXPECT_EQ(out[0].transmit.local, server);
  // received and rport name the NAT's public side (RFC 3581)
  EXPECT_NE(text(out[0]).find("received=198.51.100.2;rport=41000"), std::string::npos) << text(out[0]);
  EXPECT_NE(text(out[0]).find("Allow: REGISTER, OPTIONS"), std::string::npos);
}

TEST(ServerCore, WithoutRportTheResponseGoesToTheViaPort) {
  Fixture f;
  auto out = f.feed(options("sip:example.org", false));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].transmit.remote, (SocketAddress{nat.ip, 5062}));
  EXPECT_NE(text(out[0]).find("received=198.51.100.2"), std::string::npos);
}

TEST(ServerCore, ARetransmittedRequestGetsTheSameResponseFromItsTransaction) {
  Fixture f;
  auto first = f.feed(options("sip:example.org"));
  auto again = f.feed(options("sip:example.org"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(text(again[0]), text(first[0]));
  EXPECT_EQ(f.core.counters().retransmissions, 1u);
  EXPECT_EQ(f.core.counters().options, 1u);
}

TEST(ServerCore, ARegisterIsChallengedStatelesslyAndARetransmissionIsChallengedAgain) {
  Fixture f;
  auto out = f.feed(
      "REGISTER sip:example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKr1;rport\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a\r\nTo: <sip:alice@example.org>\r\n"
      "Call-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@192.0.2.5>\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]).rfind("SIP/2.0 401 Unauthorized", 0), 0u);
  EXPECT_EQ(f.core.transactions(), 0u);  // nothing held for Timer J
  auto again = f.feed(
      "REGISTER sip:example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKr1;rport\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a\r\nTo: <sip:alice@example.org>\r\n"
      "Call-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@192.0.2.5>\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(text(again[0]).rfind("SIP/2.0 401 Unauthorized", 0), 0u);
}

TEST(ServerCore, ARequestForSomeoneNotRegisteredGets480OnItsConnection) {
  Fixture f;
  auto out = f.feed(
      "MESSAGE sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.5;branch=z9hG4bKm1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a\r\nTo: <sip:bob@example.org>\r\n"
      "Call-ID: m1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
      Transport::tcp, 9);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]).rfind("SIP/2.0 480", 0), 0u);
  EXPECT_EQ(out[0].flow, 9u);  // over the connection it came on
}

TEST(ServerCore, AnswersAKeepAlivePingOnAStream) {
  Fixture f;
  auto out = f.feed("\r\n\r\n", Transport::tcp, 4);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]), "\r\n");
  EXPECT_EQ(out[0].flow, 4u);
}

TEST(ServerCore, GarbageAndRequestsWithoutViaAreDroppedAndCounted) {
  Fixture f;
  EXPECT_TRUE(f.feed("hello world").empty());
  EXPECT_TRUE(f.feed("OPTIONS sip:example.org SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n").empty());
  EXPECT_EQ(f.core.counters().malformed, 2u);
  EXPECT_FALSE(f.feed(options("sip:example.org")).empty());  // nothing else is lost
}

TEST(ServerCore, AFloodingSourceIsRateLimited) {
  Fixture f;
  int answered = 0;
  for (int i = 0; i < 500; ++i) {
    std::string o = options("sip:example.org");
    o.replace(o.find("opt1"), 4, "o" + std::to_string(1000 + i));
    answered += static_cast<int>(f.feed(o).size());
  }
  EXPECT_EQ(answered, 200);  // the burst
  EXPECT_EQ(f.core.counters().rate_limited, 300u);
}

TEST(ServerCore, ARequestWithDuplicatedSingleValuedHeadersGets400) {
  // RFC 4475 §3.3.8 (multi01): two To, From, CSeq and Call-ID headers.
  Fixture f;
  std::ifstream in(std::string(CONFAB_VECTORS_DIR) + "/rfc4475/multi01.dat", std::ios::binary);
  std::string multi01((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(multi01.empty());
  auto out = f.feed(multi01);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(text(out[0]).rfind("SIP/2.0 400 Bad Request: more than one ", 0), 0u) << text(out[0]);
  EXPECT_EQ(f.core.counters().malformed, 1u);
}
