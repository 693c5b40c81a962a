// Tls13Records: the key schedule against RFC 8448's trace, and two record
// layers (a client's view and a server's) talking to each other: data both
// ways, records split anywhere, tampering, alerts, limits. KeyUpdate is
// tested against OpenSSL's own client in flow_service_test.cpp.
#include "tls/records.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace confab;
using namespace confab::tls;

namespace {

Bytes hex(std::string_view text) {
  Bytes out;
  int nibbles = 0, value = 0;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    value = value * 16 + v;
    if (++nibbles == 2) {
      out.push_back(static_cast<std::uint8_t>(value));
      nibbles = value = 0;
    }
  }
  return out;
}

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

const Bytes client_secret = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
const Bytes server_secret = hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");

struct Pair {
  std::unique_ptr<Tls13Records> client = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, server_secret, client_secret);
  std::unique_ptr<Tls13Records> server = Tls13Records::create(Tls13Suite::aes_128_gcm_sha256, client_secret, server_secret);
};

}  // namespace

TEST(Tls13Records, DerivesTrafficKeysAsRfc8448Section3) {
  // The server handshake traffic secret of RFC 8448's simple 1-RTT handshake.
  const Bytes secret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  EXPECT_EQ(hkdf_expand_label(Tls13Suite::aes_128_gcm_sha256, secret, "key", 16), hex("3fce516009c21727d0f2e4e86ee403bc"));
  EXPECT_EQ(hkdf_expand_label(Tls13Suite::aes_128_gcm_sha256, secret, "iv", 12), hex("5d313eb2671276ee13000b30"));
}

TEST(Tls13Records, CarriesDataBothWaysAndSplitsLargeWritesIntoRecords) {
  for (auto suite : {Tls13Suite::aes_128_gcm_sha256, Tls13Suite::aes_256_gcm_sha384, Tls13Suite::chacha20_poly1305_sha256}) {
    const std::size_t n = suite == Tls13Suite::aes_256_gcm_sha384 ? 48 : 32;
    const Bytes a(n, 0x11), b(n, 0x22);
    auto client = Tls13Records::create(suite, a, b);
    auto server = Tls13Records::create(suite, b, a);
    ASSERT_TRUE(client && server);
    Bytes big(40000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
    Bytes wire, plain, reply;
    client->seal(big, wire);
    auto r = server->open(wire, plain, reply);
    EXPECT_EQ(r.status, Tls13Records::Status::ok) << r.error;
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_EQ(plain, big);
    EXPECT_EQ(server->records_read(), 3u);  // 16384 + 16384 + 7232
    Bytes back, got;
    server->seal(bytes("<presence/>"), back);
    EXPECT_EQ(client->open(back, got, reply).status, Tls13Records::Status::ok);
    EXPECT_EQ(got, bytes("<presence/>"));
  }
}

TEST(Tls13Records, LeavesAnUnfinishedRecordForLater) {
  Pair p;
  Bytes wire, plain, reply;
  p.client->seal(bytes("hello"), wire);
  p.client->seal(bytes("world"), wire);
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    Pair q;
    Bytes w, first, second;
    q.client->seal(bytes("hello"), w);
    q.client->seal(bytes("world"), w);
    auto r1 = q.server->open(ByteView(w).first(cut), first, reply);
    ASSERT_EQ(r1.status, Tls13Records::Status::ok);
    auto r2 = q.server->open(ByteView(w).subspan(r1.consumed), second, reply);
    ASSERT_EQ(r2.status, Tls13Records::Status::ok);
    EXPECT_EQ(r1.consumed + r2.consumed, w.size());
    first.insert(first.end(), second.begin(), second.end());
    EXPECT_EQ(first, bytes("helloworld")) << "cut at " << cut;
  }
}

TEST(Tls13Records, RefusesATamperedRecordAndNamesIt) {
  Pair p;
  Bytes wire, plain, reply;
  p.client->seal(bytes("one"), wire);
  p.client->seal(bytes("two"), wire);
  wire[wire.size() - 3] ^= 1;  // inside the second record's tag
  auto r = p.server->open(wire, plain, reply);
  EXPECT_EQ(r.status, Tls13Records::Status::failed);
  EXPECT_EQ(r.error, "record 2: bad record MAC");
  EXPECT_EQ(plain, bytes("one"));  // what came before is still delivered
}

TEST(Tls13Records, RefusesOversizedAndMisTypedRecordsBeforeTheyArrive) {
  Pair p;
  Bytes plain, reply;
  const Bytes oversized = {23, 3, 3, 0x41, 0x01};  // 16641 bytes
  auto r = p.server->open(oversized, plain, reply);
  EXPECT_EQ(r.status, Tls13Records::Status::failed);
  EXPECT_NE(r.error.find("record_overflow"), std::string::npos) << r.error;
  const Bytes handshake_outer = {22, 3, 3, 0, 20};
  EXPECT_EQ(p.server->open(handshake_outer, plain, reply).status, Tls13Records::Status::failed);
  const Bytes short_record = {23, 3, 3, 0, 5, 1, 2, 3, 4, 5};
  EXPECT_EQ(p.server->open(short_record, plain, reply).status, Tls13Records::Status::failed);
}

TEST(Tls13Records, CloseNotifyEndsTheStream) {
  Pair p;
  Bytes wire, plain, reply;
  p.client->seal(bytes("last words"), wire);
  p.client->seal_close_notify(wire);
  auto r = p.server->open(wire, plain, reply);
  EXPECT_EQ(r.status, Tls13Records::Status::closed);
  EXPECT_EQ(plain, bytes("last words"));
}
