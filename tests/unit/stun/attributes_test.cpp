// The attribute registry: one table gives every known type its name.
#include <gtest/gtest.h>

#include "stun/attributes.hpp"

namespace confab::stun {
namespace {

TEST(AttributeRegistry, NamesComeFromTheIanaRegistry) {
  EXPECT_EQ(attr::name(attr::xor_mapped_address), "XOR-MAPPED-ADDRESS");
  EXPECT_EQ(attr::name(attr::message_integrity_sha256), "MESSAGE-INTEGRITY-SHA256");
  EXPECT_EQ(attr::name(attr::ice_controlling), "ICE-CONTROLLING");
  EXPECT_EQ(attr::name(attr::other_address), "OTHER-ADDRESS");
  EXPECT_EQ(attr::name(attr::requested_transport), "REQUESTED-TRANSPORT");
}

TEST(AttributeRegistry, UnknownTypesAreNamedInHex) {
  EXPECT_EQ(attr::name(0x7f01), "0x7f01");
  EXPECT_EQ(attr::name(0x0000), "0x0000");
  EXPECT_EQ(attr::name(0xffff), "0xffff");
  EXPECT_FALSE(attr::is_known(0x7f01));
  EXPECT_EQ(attr::info(0x7f01), nullptr);
}

TEST(AttributeRegistry, EveryDeclaredTypeIsKnown) {
  const std::uint16_t declared[] = {
      attr::mapped_address, attr::username, attr::message_integrity, attr::error_code,
      attr::unknown_attributes, attr::realm, attr::nonce, attr::message_integrity_sha256,
      attr::password_algorithm, attr::userhash, attr::xor_mapped_address, attr::password_algorithms,
      attr::alternate_domain, attr::software, attr::alternate_server, attr::fingerprint,
      attr::response_address, attr::source_address, attr::changed_address, attr::password,
      attr::reflected_from, attr::change_request, attr::padding, attr::response_port,
      attr::cache_timeout, attr::response_origin, attr::other_address, attr::priority,
      attr::use_candidate, attr::ice_controlled, attr::ice_controlling, attr::channel_number,
      attr::lifetime, attr::xor_peer_address, attr::data, attr::xor_relayed_address,
      attr::requested_address_family, attr::even_port, attr::requested_transport,
      attr::dont_fragment, attr::reservation_token, attr::additional_address_family,
      attr::address_error_code, attr::icmp};
  for (std::uint16_t t : declared) {
    EXPECT_TRUE(attr::is_known(t)) << t;
    ASSERT_NE(attr::info(t), nullptr);
    EXPECT_EQ(attr::info(t)->type, t);
    EXPECT_NE(attr::name(t).substr(0, 2), "0x") << t;
    EXPECT_LE(attr::info(t)->min_length, attr::info(t)->max_length);
  }
}

TEST(AttributeRegistry, ComprehensionRangeIsBelow0x8000) {
  EXPECT_TRUE(attr::is_comprehension_required(attr::username));
  EXPECT_TRUE(attr::is_comprehension_required(0x7fff));
  EXPECT_FALSE(attr::is_comprehension_required(attr::software));
  EXPECT_FALSE(attr::is_comprehension_required(0x8000));
}

}  // namespace
}  // namespace confab::stun
