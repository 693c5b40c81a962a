// XEP-0185 dialback keys, and the SRV answers (RFC 2782) that find servers.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "xmpp/s2s_dialback.hpp"
#include "xmpp/srv_records.hpp"

namespace confab::xmpp {
namespace {

TEST(DialbackKey, FollowsXep0185sRecipe) {
  // XEP-0185 §3's inputs. The expected value is the recipe computed by
  // hand: `printf s3cr3tf0rd14lb4ck | sha256sum` gives the HMAC key text,
  // `printf 'example.net example.com D60000229F' | openssl dgst -sha256 -hmac KEY`.
  const std::string secret = "s3cr3tf0rd14lb4ck";
  EXPECT_EQ(dialback_key(as_bytes(secret), "example.net", "example.com", "D60000229F"),
            "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc");
}

TEST(DialbackKey, DependsOnEveryInput) {
  const std::string secret = "s3cr3tf0rd14lb4ck";
  const std::string key = dialback_key(as_bytes(secret), "b.test", "a.test", "id1");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_NE(key, dialback_key(as_bytes(secret), "a.test", "b.test", "id1"));
  EXPECT_NE(key, dialback_key(as_bytes(secret), "b.test", "a.test", "id2"));
  EXPECT_NE(key, dialback_key(as_bytes(std::string("other")), "b.test", "a.test", "id1"));
  EXPECT_TRUE(dialback_key_matches(key, key));
  EXPECT_FALSE(dialback_key_matches(key.substr(1), key));
  EXPECT_FALSE(dialback_key_matches("", ""));
}

// A DNS response for _xmpp-server._tcp.example.net with the given SRV
// records (priority, weight, port, target), targets compressed to the
// question's name where `compress` says so.
Bytes srv_response(const std::vector<SrvRecord>& records, bool compress_target = false) {
  Bytes m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, static_cast<std::uint8_t>(records.size()), 0, 0, 0, 0};
  auto name = [&](std::string_view n) {
    std::size_t start = 0;
    while (start < n.size()) {
      auto dot = n.find('.', start);
      if (dot == std::string_view::npos) dot = n.size();
      m.push_back(static_cast<std::uint8_t>(dot - start));
      m.insert(m.end(), n.begin() + start, n.begin() + dot);
      start = dot + 1;
    }
    m.push_back(0);
  };
  name("_xmpp-server._tcp.example.net");
  m.insert(m.end(), {0, 33, 0, 1});
  for (const auto& r : records) {
    m.insert(m.end(), {0xC0, 12, 0, 33, 0, 1, 0, 0, 0x0E, 0x10});  // name: a pointer to the question
    Bytes rdata = {static_cast<std::uint8_t>(r.priority >> 8), static_cast<std::uint8_t>(r.priority),
                   static_cast<std::uint8_t>(r.weight >> 8),   static_cast<std::uint8_t>(r.weight),
                   static_cast<std::uint8_t>(r.port >> 8),     static_cast<std::uint8_t>(r.port)};
    Bytes saved;
    std::swap(saved, m);
    if (compress_target) {
      m = {0xC0, 12 + 1 + 12 + 1 + 4};  // "example.net" inside the question's name (after _xmpp-server._tcp.)
    } else if (r.target.empty()) {
      m = {0};
    } else {
      name(r.target);
    }
    Bytes target = std::move(m);
    m = std::move(saved);
    rdata.insert(rdata.end(), target.begin(), target.end());
    m.push_back(static_cast<std::uint8_t>(rdata.size() >> 8));
    m.push_back(static_cast<std::uint8_t>(rdata.size()));
    m.insert(m.end(), rdata.begin(), rdata.end());
  }
  return m;
}

TEST(SrvAnswer, ParsesEveryRecord) {
  auto r = parse_srv_answer(srv_response({{10, 5, 5269, "xmpp1.example.net"}, {20, 0, 5270, "XMPP2.example.net"}}));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, (std::vector<SrvRecord>{{10, 5, 5269, "xmpp1.example.net"}, {20, 0, 5270, "xmpp2.example.net"}}));
}

TEST(SrvAnswer, FollowsCompressedTargets) {
  auto r = parse_srv_answer(srv_response({{0, 0, 5269, ""}}, true));
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->front().target, "example.net");
}

TEST(SrvAnswer, DotTargetMeansNoService) {
  auto r = parse_srv_answer(srv_response({{0, 0, 0, ""}}));
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(srv_declined(*r));
}

TEST(SrvAnswer, TruncationAndLoopsAreErrorsThatSayWhere) {
  Bytes m = srv_response({{10, 5, 5269, "xmpp1.example.net"}});
  for (std::size_t cut = 0; cut < m.size(); ++cut) {
    auto r = parse_srv_answer(ByteView(m.data(), cut));
    EXPECT_FALSE(r) << "cut at " << cut;
    if (!r) EXPECT_NE(r.error().find("offset"), std::string::npos) << r.error();
  }
  Bytes loop = m;
  // The answer's name (after the 31-byte question name and its type and
  // class) now points at itself.
  loop[12 + 31 + 4] = 0xC0;
  loop[12 + 31 + 4 + 1] = 12 + 31 + 4;
  auto r = parse_srv_answer(loop);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("point back"), std::string::npos) << r.error();
}

TEST(SrvAnswer, RefusesErrorsAndQueries) {
  Bytes m = srv_response({});
  m[3] = 0x83;  // NXDOMAIN
  EXPECT_FALSE(parse_srv_answer(m));
  m[2] = 0x01;  // a query, not a response
  m[3] = 0x00;
  EXPECT_FALSE(parse_srv_answer(m));
}

TEST(SrvOrder, LowestPriorityFirstAndWeightsDecideWithinOne) {
  SeededRng rng(1);
  int heavy_first = 0;
  for (int i = 0; i < 1000; ++i) {
    auto o = order_srv({{20, 0, 1, "backup"}, {10, 1, 2, "light"}, {10, 99, 3, "heavy"}}, rng);
    ASSERT_EQ(o.size(), 3u);
    EXPECT_EQ(o[2].target, "backup");
    if (o[0].target == "heavy") ++heavy_first;
  }
  EXPECT_GT(heavy_first, 900);  // ~98% by weight
  EXPECT_LT(heavy_first, 1000);
}

}  // namespace
}  // namespace confab::xmpp
