// The port-check codecs: probes round-trip, replies are never larger than
// requests, and bad input names where it went wrong.
#include <gtest/gtest.h>

#include <algorithm>

#include "diag/portcheck_wire.hpp"

namespace confab::diag {
namespace {

Token token() {
  Token t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::uint8_t>(0xa0 + i);
  return t;
}

TEST(PortcheckProbe, EchoRequestIsPaddedTo64BytesAndRoundTrips) {
  Probe p;
  p.token = token();
  p.client_port = 16390;
  p.server_port = 16391;
  auto bytes = encode_probe(p);
  EXPECT_EQ(bytes.size(), probe_request_size);
  auto back = parse_probe(bytes);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->kind, ProbeKind::echo_request);
  EXPECT_EQ(back->token, p.token);
  EXPECT_EQ(back->client_port, 16390);
  EXPECT_EQ(back->server_port, 16391);
}

TEST(PortcheckProbe, EchoReplyCarriesTheObservedAddressAndIsNeverLargerThanARequest) {
  for (const char* addr : {"198.51.100.7:40000", "[2001:db8::1]:40000"}) {
    Probe p;
    p.kind = ProbeKind::echo_reply;
    p.token = token();
    p.client_port = 1;
    p.server_port = 2;
    p.observed = SocketAddress::parse(addr);
    auto bytes = encode_probe(p);
    EXPECT_LE(bytes.size(), probe_request_size) << addr;
    auto back = parse_probe(bytes);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->observed, p.observed);
  }
}

TEST(PortcheckProbe, InboundProbeIs26Bytes) {
  Probe p;
  p.kind = ProbeKind::inbound;
  p.token = token();
  p.client_port = 5298;
  EXPECT_EQ(encode_probe(p).size(), probe_inbound_size);
  EXPECT_TRUE(parse_probe(encode_probe(p)));
}

TEST(PortcheckProbe, BadInputSaysWhere) {
  Probe p;
  p.token = token();
  auto bytes = encode_probe(p);
  auto short_one = Bytes(bytes.begin(), bytes.begin() + 40);
  auto r = parse_probe(short_one);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what.find("64 bytes"), std::string::npos);
  bytes[0] = 'X';
  EXPECT_EQ(parse_probe(bytes).error().offset, 0u);
  bytes[0] = 'C';
  bytes[4] = 9;
  EXPECT_EQ(parse_probe(bytes).error().offset, 4u);
  bytes[4] = 1;
  bytes[5] = 7;
  EXPECT_EQ(parse_probe(bytes).error().offset, 5u);
  EXPECT_FALSE(parse_probe(Bytes(600, 0)));
}

TEST(PortcheckControl, CommandsRoundTrip) {
  for (const char* line : {"PORTCHECK 1", "PORTCHECK 2", "OPEN udp 16384-16403", "OPEN tcp 5298", "INBOUND udp 16384", "REPORT", "BYE"}) {
    auto c = parse_command(line);
    ASSERT_TRUE(c) << line << ": " << c.error().message();
    EXPECT_EQ(format_command(*c), line);
  }
}

TEST(PortcheckControl, BadCommandsNameTheColumn) {
  EXPECT_EQ(parse_command("OPEN sctp 5060").error().offset, 5u);
  EXPECT_EQ(parse_command("OPEN udp 5070-5060").error().offset, 9u);
  EXPECT_EQ(parse_command("INBOUND udp 1-2").error().offset, 12u);
  EXPECT_FALSE(parse_command("REPORT now"));
  EXPECT_FALSE(parse_command("HELLO"));
  EXPECT_FALSE(parse_command(""));
  EXPECT_FALSE(parse_command(std::string(600, 'A')));
  EXPECT_FALSE(parse_command("OPEN udp 0"));
  EXPECT_FALSE(parse_command(std::string("OPEN udp 1\x01")));
}

TEST(PortcheckControl, RepliesRoundTrip) {
  Reply s;
  s.kind = ReplyKind::session;
  s.token = token();
  s.client_ip = *IpAddress::parse("198.51.100.1");
  s.lifetime_seconds = 60;
  Reply o;
  o.kind = ReplyKind::opened;
  o.first = 16384;
  o.last = 16403;
  o.unavailable = {16390, 16391};
  Reply seen;
  seen.kind = ReplyKind::seen;
  seen.proto = Proto::tcp;
  seen.server_port = 5298;
  seen.client_port = 40000;
  seen.address = *SocketAddress::parse("198.51.100.1:40000");
  Reply sip;
  sip.kind = ReplyKind::sip;
  sip.address = *SocketAddress::parse("198.51.100.1:5060");
  sip.message = Bytes{'I', 'N', 'V', '\r', '\n'};
  for (const auto& r : {s, o, seen, sip}) {
    const auto line = format_reply(r);
    auto back = parse_reply(line);
    ASSERT_TRUE(back) << line << ": " << back.error().message();
    EXPECT_EQ(format_reply(*back), line);
  }
  auto e = parse_reply("ERR session expired");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ReplyKind::error);
  EXPECT_EQ(e->text, "session expired");
}

TEST(PortcheckControl, TheDefaultHelloAsksForVersion2) {
  EXPECT_EQ(format_command(Command{}), "PORTCHECK 2");
}

TEST(PortcheckControl, TheCatalogReplyCarriesTheServersPortsAndRoundTrips) {
  PortSettings settings;
  settings.sip_port = 5070;
  Reply c;
  c.kind = ReplyKind::catalog;
  c.catalog = port_catalog(settings);
  const auto line = format_reply(c);
  EXPECT_EQ(line.rfind("CATALOG [{", 0), 0u) << line;
  for (char ch : line) EXPECT_TRUE(ch >= 0x20 && ch <= 0x7e) << "not printable: " << int(ch);
  auto back = parse_reply(line);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->kind, ReplyKind::catalog);
  ASSERT_EQ(back->catalog.size(), c.catalog.size());
  const auto sip = std::find_if(back->catalog.begin(), back->catalog.end(), [](auto& e) { return e.service == "sip"; });
  ASSERT_NE(sip, back->catalog.end());
  EXPECT_EQ(sip->first, 5070);
  EXPECT_EQ(sip->purpose, c.catalog[static_cast<std::size_t>(sip - back->catalog.begin())].purpose);
  EXPECT_EQ(format_reply(*back), line);
  // Not ASCII in the text: escaped, still one printable line.
  c.catalog[0].purpose = "caf\xc3\xa9";
  EXPECT_NE(format_reply(c).find("caf\\u00e9"), std::string::npos);
}

TEST(PortcheckControl, ABadCatalogNamesTheEntryAndKey) {
  EXPECT_EQ(parse_reply("CATALOG").error().offset, 7u);
  EXPECT_NE(parse_reply("CATALOG [1,").error().what.find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_reply("CATALOG {}").error().what.find("not a JSON array"), std::string::npos);
  auto e = parse_reply(R"(CATALOG [{"service":"sip","first":5060,"last":5060,"transport":"sctp","direction":"to-server"}])");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().offset, 8u);
  EXPECT_NE(e.error().what.find("entry 0: \"transport\""), std::string::npos) << e.error().what;
  std::string many = "CATALOG [";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + R"({"service":"x","first":1,"last":1,"transport":"udp","direction":"to-server"})";
  EXPECT_NE(parse_reply(many + "]").error().what.find("more than 64"), std::string::npos);
  EXPECT_NE(parse_reply("CATALOG [" + std::string(600000, ' ') + "]").error().what.find("512 KiB"), std::string::npos);
  auto long_text = parse_reply(R"(CATALOG [{"service":"sip","first":5060,"last":5060,"transport":"udp",)"
                               R"("direction":"to-server","purpose":")" + std::string(300, 'x') + "\"}]");
  ASSERT_FALSE(long_text);
  EXPECT_NE(long_text.error().what.find("entry 0: a text longer than 256"), std::string::npos) << long_text.error().what;
  auto empty = parse_reply("CATALOG []");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->catalog.empty());
}

TEST(PortcheckControl, TokensAreLowercaseHexOnly) {
  EXPECT_TRUE(parse_token(token_hex(token())));
  EXPECT_FALSE(parse_token("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"));
  EXPECT_FALSE(parse_token("a0a1"));
  EXPECT_FALSE(parse_token("zza1a2a3a4a5a6a7a8a9aaabacadaeaf"));
}

}  // namespace
}  // namespace confab::diag
