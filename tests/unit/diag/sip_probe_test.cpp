// SIP ALG detection: the probe carries the real local address where ALGs
// rewrite; confabd answers it without routing it; the diff names each
// rewritten header and SDP line.
#include <gtest/gtest.h>

#include "diag/sip_probe.hpp"
#include "sip/parser.hpp"

namespace confab::diag {
namespace {

SipProbeParams params() {
  SipProbeParams p;
  p.local = *SocketAddress::parse("192.0.2.2:40000");
  p.server_host = "203.0.113.10";
  for (std::size_t i = 0; i < p.token.size(); ++i) p.token[i] = static_cast<std::uint8_t>(i);
  p.nonce = "00112233445566778899aabb";
  return p;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

TEST(SipProbe, IsAValidInviteWithTheLocalAddressInViaContactAndSdp) {
  const auto text = build_sip_probe(params());
  auto m = sip::parse(as_bytes(text));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->method, "INVITE");
  EXPECT_EQ(m->top_via()->host, "192.0.2.2");
  EXPECT_NE(text.find("Contact: <sip:portcheck@192.0.2.2:40000>"), std::string::npos);
  EXPECT_NE(m->body.find("c=IN IP4 192.0.2.2"), std::string::npos);
  EXPECT_NE(m->body.find("m=audio 16384 RTP/AVP 0"), std::string::npos);
  EXPECT_EQ(sip_probe_token(as_bytes(text)), params().token);
}

TEST(SipProbe, ConfabdAnswersItStatelesslyWithAFinalNon2xxSmallerThanTheProbe) {
  const auto text = build_sip_probe(params());
  auto a = answer_sip_probe(as_bytes(text));
  EXPECT_TRUE(a.probe);
  ASSERT_TRUE(a.response);
  EXPECT_TRUE(a.response->starts_with("SIP/2.0 480 "));
  EXPECT_LT(a.response->size(), text.size());
  auto ack = replace_all(text, "INVITE sip:", "ACK sip:");
  auto b = answer_sip_probe(as_bytes(ack));
  EXPECT_TRUE(b.probe);
  EXPECT_FALSE(b.response);
}

TEST(SipProbe, OrdinaryRequestsAreNotProbes) {
  const std::string options = "OPTIONS sip:203.0.113.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKx\r\n"
                              "Max-Forwards: 70\r\nFrom: <sip:a@example.org>;tag=1\r\nTo: <sip:203.0.113.10>\r\n"
                              "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  EXPECT_FALSE(answer_sip_probe(as_bytes(options)).probe);
  EXPECT_FALSE(sip_probe_token(as_bytes(options)));
  EXPECT_FALSE(answer_sip_probe(as_bytes(std::string("garbage"))).probe);
}

TEST(SipProbe, AnIdenticalMessageHasNoDifferences) {
  const auto text = build_sip_probe(params());
  EXPECT_TRUE(diff_sip(text, text).empty());
}

TEST(SipProbe, AnAlgRewriteIsReportedHeaderByHeader) {
  const auto sent = build_sip_probe(params());
  // What Linux nf_nat_sip does behind 198.51.100.1: every 192.0.2.2 becomes
  // the public address, the media port may move, Content-Length follows.
  auto received = replace_all(sent, "192.0.2.2:40000", "198.51.100.1:1024");
  received = replace_all(received, "192.0.2.2", "198.51.100.1");
  received = replace_all(received, "m=audio 16384", "m=audio 16386");
  auto changes = diff_sip(sent, received);
  std::vector<std::string> where;
  for (const auto& c : changes) where.push_back(c.where);
  EXPECT_EQ(where, (std::vector<std::string>{"Via", "From", "Contact", "SDP o=", "SDP c=", "SDP m=audio"}));
  EXPECT_EQ(changes[0].sent.substr(0, 33), "Via: SIP/2.0/UDP 192.0.2.2:40000;");
  EXPECT_EQ(changes[0].received.substr(0, 35), "Via: SIP/2.0/UDP 198.51.100.1:1024;");
}

TEST(SipProbe, AddedAndRemovedLinesAreReported) {
  const std::string a = "INVITE sip:x SIP/2.0\r\nVia: v\r\nX-A: 1\r\n\r\n";
  const std::string b = "INVITE sip:x SIP/2.0\r\nVia: v\r\nRecord-Route: <sip:alg>\r\nX-A: 1\r\n\r\n";
  auto c = diff_sip(a, b);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].where, "Record-Route");
  EXPECT_EQ(c[0].sent, "");
  auto d = diff_sip(b, a);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].received, "");
}

}  // namespace
}  // namespace confab::diag
