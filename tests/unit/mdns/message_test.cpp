// The DNS codec against packets other implementations wrote, and against
// every way a hostile packet can be malformed.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "mdns/message.hpp"
#include "mdns/txt.hpp"

namespace confab::mdns {
namespace {

Bytes vector_file(const std::string& name) {
  std::ifstream f(std::string(CONFAB_VECTORS_DIR) + "/mdns/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

Bytes hex(std::string_view h) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size();) {
    if (h[i] == ' ') { ++i; continue; }
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

TEST(MdnsMessage, ParsesAnAnnouncementPythonZeroconfWrote) {
  const Bytes wire = vector_file("zeroconf_announce.bin");
  ASSERT_FALSE(wire.empty());
  auto m = parse(wire);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->is_response());
  ASSERT_EQ(m->answers.size(), 3u);
  ASSERT_EQ(m->additionals.size(), 1u);

  const Record& ptr = m->answers[0];
  EXPECT_EQ(ptr.name.to_string(), "_presence._tcp.local");
  EXPECT_EQ(ptr.ttl, 4500u);
  EXPECT_FALSE(ptr.cache_flush);
  EXPECT_EQ(std::get<PtrRecord>(ptr.data).target.to_string(), "bob@zhost._presence._tcp.local");

  const Record& srv = m->answers[1];
  EXPECT_TRUE(srv.cache_flush);
  EXPECT_EQ(srv.rclass, class_in);
  EXPECT_EQ(std::get<SrvRecord>(srv.data).port, 5298);
  EXPECT_EQ(std::get<SrvRecord>(srv.data).target.to_string(), "zhost.local");

  auto txt = TxtAttributes::from_record(std::get<TxtRecord>(m->answers[2].data));
  EXPECT_EQ(txt.get("txtvers"), "1");
  EXPECT_EQ(txt.get("1st"), "Bob");
  EXPECT_EQ(txt.get("status"), "away");
  EXPECT_EQ(txt.get("msg"), "at lunch");
  EXPECT_EQ(txt.get("port.p2pj"), "5298");

  EXPECT_EQ(std::get<ARecord>(m->additionals[0].data).address, (std::array<std::uint8_t, 4>{192, 0, 2, 7}));
}

TEST(MdnsMessage, ReencodesToTheSameBytesWhenCompressedTheSameWay) {
  const Bytes wire = vector_file("zeroconf_announce.bin");
  auto m = parse(wire);
  ASSERT_TRUE(m);
  EXPECT_EQ(serialize(*m), wire);
}

TEST(MdnsMessage, ParsesAQueryWithAKnownAnswer) {
  auto m = parse(vector_file("zeroconf_query_known_answer.bin"));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->is_response());
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].qtype, type::ptr);
  EXPECT_FALSE(m->questions[0].unicast_response);
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(std::get<PtrRecord>(m->answers[0].data).target.labels[0], "carol@c");
}

TEST(MdnsMessage, RoundTripsEveryTypeWithTheTopBitsOfTheClass) {
  Message m;
  m.flags = flag::response | flag::authoritative;
  m.questions.push_back({Name::parse("alice._presence._tcp.local"), type::any, class_in, true});
  const Name host = Name::parse("alice-host.local");
  const Name inst = Name::service_instance("Alice (2) in Room.5", Name::parse("_presence._tcp.local"));
  m.answers.push_back({inst, type::srv, class_in, true, 120, SrvRecord{0, 0, 5298, host}});
  m.answers.push_back({inst, type::txt, class_in, true, 4500, TxtRecord{{"txtvers=1", "status=avail"}}});
  m.answers.push_back({host, type::a, class_in, true, 120, ARecord{{192, 0, 2, 1}}});
  AaaaRecord v6;
  v6.address[0] = 0xfe;
  v6.address[1] = 0x80;
  v6.address[15] = 1;
  m.answers.push_back({host, type::aaaa, class_in, true, 120, v6});
  m.additionals.push_back({host, type::nsec, class_in, true, 120, NsecRecord{host, {type::a, type::aaaa}}});
  m.additionals.push_back({inst, 65, class_in, false, 10, OpaqueRecord{{1, 2, 3}}});
  const Bytes wire = serialize(m);
  auto back = parse(wire);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->answers[0].name.labels[0], "Alice (2) in Room.5");
  EXPECT_EQ(back->answers[0].name.to_string(), "Alice (2) in Room\\.5._presence._tcp.local");
  // Compression: the host name appears once in full.
  const std::string text(wire.begin(), wire.end());
  EXPECT_EQ(text.find("alice-host"), text.rfind("alice-host"));
}

TEST(MdnsMessage, ReadsTheNsecPythonZeroconfWritesWithAnEmptyWindow) {
  // zeroconf 0.47's NSEC for a host with only an A record: "00 00" then "00 01 40".
  auto m = parse(vector_file("zeroconf_nsec_a.bin"));
  ASSERT_TRUE(m) << m.error().message();
  const auto& nsec = std::get<NsecRecord>(m->additionals.back().data);
  EXPECT_EQ(nsec.types, (std::vector<std::uint16_t>{type::a}));
  EXPECT_EQ(nsec.next.to_string(), "zoe-python.local");
}

TEST(MdnsMessage, NsecBitmapMatchesRfc6762Example) {
  // RFC 6762 §6.1: an NSEC asserting only A and AAAA exist: window 0, 4 bytes.
  Message m;
  const Name host = Name::parse("h.local");
  m.answers.push_back({host, type::nsec, class_in, true, 120, NsecRecord{host, {type::aaaa, type::a}}});
  const Bytes wire = serialize(m);
  const Bytes tail(wire.end() - 6, wire.end());
  EXPECT_EQ(tail, hex("0004 40000008"));
}

struct Bad {
  const char* what;
  const char* hex;
  DecodeErrorCode code;
  std::size_t offset;
};

class MdnsMalformed : public ::testing::TestWithParam<Bad> {};

TEST_P(MdnsMalformed, IsRejectedWithATypedErrorNamingThePlace) {
  auto m = parse(hex(GetParam().hex));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, GetParam().code) << m.error().message();
  EXPECT_EQ(m.error().offset, GetParam().offset) << m.error().message();
  EXPECT_NE(m.error().message().find("mDNS decode error at byte"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Packets, MdnsMalformed,
    ::testing::Values(
        Bad{"short header", "0000 0000 0001", DecodeErrorCode::truncated_header, 0},
        Bad{"question name cut", "0000 0000 0001 0000 0000 0000 05 6c6f63", DecodeErrorCode::truncated_name, 12},
        Bad{"pointer to itself", "0000 0000 0001 0000 0000 0000 c00c 000c 0001", DecodeErrorCode::bad_pointer, 12},
        Bad{"forward pointer", "0000 0000 0001 0000 0000 0000 c010 000c 0001 0000", DecodeErrorCode::bad_pointer, 12},
        Bad{"pointer loop via two names",
            "0000 0000 0002 0000 0000 0000 01 61 c012 0001 0001 01 62 c00c 0001 0001",
            DecodeErrorCode::bad_pointer, 14},
        Bad{"reserved label type", "0000 0000 0001 0000 0000 0000 41 00 0001 0001", DecodeErrorCode::bad_label_type, 12},
        Bad{"question type cut", "0000 0000 0001 0000 0000 0000 00 00", DecodeErrorCode::truncated_question, 13},
        Bad{"A of 5 bytes", "0000 8400 0000 0001 0000 0000 00 0001 8001 00000078 0005 c0000201ff",
            DecodeErrorCode::bad_rdata, 23},
        Bad{"rdata past end", "0000 8400 0000 0001 0000 0000 00 0001 8001 00000078 0004 c000",
            DecodeErrorCode::truncated_record, 23},
        Bad{"TXT string past its rdata", "0000 8400 0000 0001 0000 0000 00 0010 8001 00000078 0002 0561",
            DecodeErrorCode::bad_rdata, 23},
        Bad{"SRV target not filling", "0000 8400 0000 0001 0000 0000 00 0021 8001 00000078 0009 0000 0000 1492 00 ffff",
            DecodeErrorCode::bad_rdata, 29},
        Bad{"NSEC windows out of order",
            "0000 8400 0000 0001 0000 0000 00 002f 8001 00000078 0007 00 0101 40 0001 40",
            DecodeErrorCode::bad_rdata, 27},
        Bad{"NSEC window over 32 bytes", "0000 8400 0000 0001 0000 0000 00 002f 8001 00000078 0003 00 0021",
            DecodeErrorCode::bad_rdata, 25},
        Bad{"trailing bytes", "0000 0000 0000 0000 0000 0000 ff", DecodeErrorCode::trailing_bytes, 12},
        Bad{"count larger than the packet", "0000 0000 ffff 0000 0000 0000", DecodeErrorCode::truncated_name, 12}),
    [](const ::testing::TestParamInfo<Bad>& info) {
      std::string name;
      for (const char* c = info.param.what; *c; ++c) name.push_back(std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_');
      return name;
    });

TEST(MdnsName, LongerThan255BytesIsRejected) {
  Bytes wire = hex("0000 0000 0001 0000 0000 0000");
  for (int i = 0; i < 5; ++i) {
    wire.push_back(60);
    wire.insert(wire.end(), 60, 'x');
  }
  wire.push_back(0);
  wire.insert(wire.end(), {0, 1, 0, 1});
  auto m = parse(wire);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, DecodeErrorCode::name_too_long);
}

TEST(MdnsName, ComparesCaseInsensitivelyAndEscapesDots) {
  EXPECT_EQ(Name::parse("Alice._Presence._tcp.LOCAL"), Name::parse("alice._presence._tcp.local"));
  EXPECT_FALSE(Name::parse("a\\.b.local") == Name::parse("a.b.local"));
  EXPECT_EQ(Name::parse("a\\.b.local").labels.size(), 2u);
  EXPECT_TRUE(Name::parse("x._presence._tcp.local").ends_with(Name::parse("_PRESENCE._tcp.local")));
}

TEST(MdnsTxt, FirstOccurrenceWinsAndBooleanKeysHaveNoValue) {
  auto t = TxtAttributes::from_record(TxtRecord{{"status=avail", "STATUS=away", "flag", "=bad", "msg="}});
  EXPECT_EQ(t.get("status"), "avail");
  EXPECT_TRUE(t.has("flag"));
  EXPECT_EQ(t.get("flag"), "");
  EXPECT_EQ(t.get("msg"), "");
  EXPECT_EQ(t.entries().size(), 3u);
}

}  // namespace
}  // namespace confab::mdns
