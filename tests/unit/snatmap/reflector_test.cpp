// The SNATMAP reflector, driven directly: requests in, responses out.
#include "snatmap/reflector.hpp"

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "stun/attributes.hpp"
#include "stun/message.hpp"

using namespace confab;
using namespace confab::snatmap;
namespace attr = confab::stun::attr;

namespace {

const IpAddress primary = *IpAddress::parse("203.0.113.10");
const IpAddress alternate = *IpAddress::parse("203.0.113.11");
const SocketAddress client = *SocketAddress::parse("198.51.100.7:40000");
const Instant t0 = Instant{} + std::chrono::hours(1);

ReflectorConfig two_addresses() {
  ReflectorConfig c;
  c.primary_address = primary;
  c.alternate_address = alternate;
  c.ports = {{5678, 5679}};
  c.rate_limit = {0, 0, 100};
  return c;
}

ReflectorConfig one_address() {
  auto c = two_addresses();
  c.alternate_address.reset();
  return c;
}

Bytes binding_request(std::uint64_t seed = 1, std::function<void(stun::MessageBuilder&)> extra = {}) {
  SeededRng rng(seed);
  stun::MessageBuilder b(stun::MessageClass::request, stun::method::binding, stun::TransactionId::random(rng));
  if (extra) extra(b);
  return std::move(b).finish();
}

Datagram arriving(const Bytes& bytes, SocketAddress local = {primary, 5678}, Transport t = Transport::udp) {
  return Datagram{t, local, client, bytes};
}

}  // namespace

TEST(Reflector, AnswersABindingRequestWithTheClientsAddress) {
  Reflector r(two_addresses());
  auto request = binding_request();
  auto out = r.handle_datagram(t0, arriving(request));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->remote, client);
  EXPECT_EQ(out->local, (SocketAddress{primary, 5678}));
  auto m = stun::parse(out->bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->cls, stun::MessageClass::success_response);
  EXPECT_EQ(m->transaction_id, stun::parse(request)->transaction_id);
  EXPECT_EQ(m->xor_address(attr::xor_mapped_address), client);
  EXPECT_EQ(m->address(attr::mapped_address), client);
  EXPECT_EQ(m->address(attr::response_origin), (SocketAddress{primary, 5678}));
  EXPECT_EQ(m->address(attr::other_address), (SocketAddress{alternate, 5679}));
  EXPECT_EQ(m->string(attr::software), "confab");
  EXPECT_TRUE(m->has(attr::fingerprint));
  EXPECT_EQ(r.counters().answered, 1u);
}

TEST(Reflector, AnswersChangePortFromTheAlternatePort) {
  Reflector r(two_addresses());
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [](auto& b) { b.add_change_request({false, true}); })));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local, (SocketAddress{primary, 5679}));
  EXPECT_EQ(stun::parse(out->bytes)->address(attr::response_origin), (SocketAddress{primary, 5679}));
}

TEST(Reflector, AnswersChangeIpAndPortFromTheOtherAddress) {
  Reflector r(two_addresses());
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [](auto& b) { b.add_change_request({true, true}); })));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local, (SocketAddress{alternate, 5679}));
  EXPECT_EQ(out->remote, client);
}

TEST(Reflector, RequestsToTheAlternateAddressPointBackAtThePrimary) {
  Reflector r(two_addresses());
  auto out = r.handle_datagram(t0, arriving(binding_request(), {alternate, 5679}));
  ASSERT_TRUE(out);
  auto m = stun::parse(out->bytes);
  EXPECT_EQ(m->address(attr::response_origin), (SocketAddress{alternate, 5679}));
  EXPECT_EQ(m->address(attr::other_address), (SocketAddress{primary, 5678}));
}

TEST(Reflector, WithOneAddressChangeIpIsRefusedWith420AndNoOtherAddressIsAdvertised) {
  Reflector r(one_address());
  auto plain = r.handle_datagram(t0, arriving(binding_request()));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(stun::parse(plain->bytes)->has(attr::other_address));

  auto out = r.handle_datagram(t0, arriving(binding_request(2, [](auto& b) { b.add_change_request({true, false}); })));
  ASSERT_TRUE(out);
  auto m = stun::parse(out->bytes);
  EXPECT_EQ(m->cls, stun::MessageClass::error_response);
  EXPECT_EQ(m->error_code()->code, 420);
  EXPECT_EQ(m->unknown_attributes(), std::vector<std::uint16_t>{attr::change_request});
  EXPECT_EQ(out->local, (SocketAddress{primary, 5678}));
}

TEST(Reflector, WithOneAddressChangePortStillWorks) {
  Reflector r(one_address());
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [](auto& b) { b.add_change_request({false, true}); })));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local, (SocketAddress{primary, 5679}));
}

TEST(Reflector, ResponsePortMovesOnlyThePortNeverTheAddress) {
  Reflector r(two_addresses());
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [](auto& b) { b.add_response_port(41000); })));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->remote, (SocketAddress{client.ip, 41000}));
}

TEST(Reflector, PaddingNeverMakesTheResponseLargerThanTheRequest) {
  Reflector r(two_addresses());
  auto request = binding_request(1, [](auto& b) { b.add_padding(400); });
  auto out = r.handle_datagram(t0, arriving(request));
  ASSERT_TRUE(out);
  EXPECT_LE(out->bytes.size(), request.size());
  EXPECT_GT(out->bytes.size(), request.size() - 16);  // but it does pad towards it
  EXPECT_TRUE(stun::parse(out->bytes));
}

TEST(Reflector, UnknownComprehensionRequiredAttributesAreReportedWith420) {
  Reflector r(two_addresses());
  std::uint8_t value[4] = {1, 2, 3, 4};
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [&](auto& b) { b.add_raw(0x7F01, value); })));
  ASSERT_TRUE(out);
  auto m = stun::parse(out->bytes);
  EXPECT_EQ(m->error_code()->code, 420);
  EXPECT_EQ(m->unknown_attributes(), std::vector<std::uint16_t>{0x7F01});
  EXPECT_EQ(r.counters().error_responses, 1u);
}

TEST(Reflector, UnknownOptionalAttributesAreIgnored) {
  Reflector r(two_addresses());
  std::uint8_t value[4] = {1, 2, 3, 4};
  auto out = r.handle_datagram(t0, arriving(binding_request(1, [&](auto& b) { b.add_raw(0xC001, value); })));
  ASSERT_TRUE(out);
  EXPECT_EQ(stun::parse(out->bytes)->cls, stun::MessageClass::success_response);
}

TEST(Reflector, ClassicRfc3489RequestsGetMappedSourceAndChangedAddress) {
  Reflector r(two_addresses());
  Bytes request = {0x00, 0x01, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto out = r.handle_datagram(t0, arriving(request));
  ASSERT_TRUE(out);
  auto m = stun::parse(out->bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->is_classic());
  EXPECT_EQ(m->cookie, 0xdeadbeefu);
  EXPECT_EQ(m->address(attr::mapped_address), client);
  EXPECT_EQ(m->address(attr::source_address), (SocketAddress{primary, 5678}));
  EXPECT_EQ(m->address(attr::changed_address), (SocketAddress{alternate, 5679}));
  EXPECT_FALSE(m->has(attr::xor_mapped_address));
  EXPECT_FALSE(m->has(attr::fingerprint));
  EXPECT_EQ(r.counters().classic, 1u);
}

TEST(Reflector, MalformedPacketsAreDroppedAndCounted) {
  Reflector r(two_addresses());
  Bytes junk = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42};
  EXPECT_FALSE(r.handle_datagram(t0, arriving(junk)));
  Bytes http = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n', 0, 0};
  EXPECT_FALSE(r.handle_datagram(t0, arriving(http)));
  EXPECT_EQ(r.counters().malformed, 2u);
  EXPECT_TRUE(r.handle_datagram(t0, arriving(binding_request())));  // and nothing else is lost
}

TEST(Reflector, ResponsesAndIndicationsAreNeverAnswered) {
  Reflector r(two_addresses());
  SeededRng rng(3);
  for (auto cls : {stun::MessageClass::success_response, stun::MessageClass::indication}) {
    auto msg = stun::MessageBuilder(cls, stun::method::binding, stun::TransactionId::random(rng)).finish();
    EXPECT_FALSE(r.handle_datagram(t0, arriving(msg)));
  }
  EXPECT_EQ(r.counters().not_request, 2u);
}

TEST(Reflector, ASourceOverItsRateIsDroppedWhileOthersAreServed) {
  auto c = two_addresses();
  c.rate_limit = {10, 5, 100};
  Reflector r(c);
  auto request = binding_request();
  int answered = 0;
  for (int i = 0; i < 20; ++i) answered += r.handle_datagram(t0, arriving(request)).has_value();
  EXPECT_EQ(answered, 5);  // the burst
  EXPECT_EQ(r.counters().rate_limited, 15u);

  Datagram other = arriving(request);
  other.remote = *SocketAddress::parse("198.51.100.8:40000");
  EXPECT_TRUE(r.handle_datagram(t0, other));
  // A second later the first source has earned 10 more.
  answered = 0;
  for (int i = 0; i < 20; ++i) answered += r.handle_datagram(t0 + std::chrono::seconds(1), arriving(request)).has_value();
  EXPECT_EQ(answered, 5);  // refilled to the burst depth, not beyond
}

TEST(Reflector, OverTcpChangeRequestIsRefusedBecauseOnlyOneSocketCanAnswer) {
  Reflector r(two_addresses());
  auto out = r.handle_datagram(
      t0, arriving(binding_request(1, [](auto& b) { b.add_change_request({false, true}); }), {primary, 5678},
                   Transport::tcp));
  ASSERT_TRUE(out);
  EXPECT_EQ(stun::parse(out->bytes)->error_code()->code, 420);
  EXPECT_EQ(out->transport, Transport::tcp);
}

TEST(Reflector, ListsEveryLocalAddressItAnswersFrom) {
  Reflector r(two_addresses());
  auto a = r.local_addresses();
  EXPECT_EQ(a.size(), 4u);
  EXPECT_NE(std::find(a.begin(), a.end(), SocketAddress{alternate, 5679}), a.end());
}
