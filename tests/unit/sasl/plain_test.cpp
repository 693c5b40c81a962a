// PLAIN against SCRAM-only storage: the password is checked by
// recomputing StoredKey; refused without TLS; fields are bounded.
#include "sasl/plain.hpp"

#include <gtest/gtest.h>

#include "sasl_test_util.hpp"

namespace confab::sasl {
namespace {

using namespace std::string_literals;
using test::Accounts;

class PlainTest : public ::testing::Test {
 protected:
  PlainTest() { accounts.add("alice", "wonderland"); }
  Step plain(std::string_view message, bool tls = true) {
    PlainServer server(config, tls);
    Step s = server.handle(message, accounts.lookup());
    if (s.is_success()) identity = server.identity();
    return s;
  }
  Accounts accounts;
  ServerConfig config = test::server_config();
  std::optional<Identity> identity;
};

TEST_F(PlainTest, TheRightPasswordOverTlsSucceeds) {
  Step s = plain("\0alice\0wonderland"s);
  ASSERT_TRUE(s.is_success()) << s.failure.message();
  EXPECT_TRUE(s.data.empty());
  EXPECT_EQ(identity->username, "alice");
  EXPECT_EQ(identity->authzid, "");
}

TEST_F(PlainTest, ItChecksAgainstTheConfiguredMechanismsKeys) {
  config.plain_verifies_with = ScramMechanism::sha1;
  EXPECT_TRUE(plain("\0alice\0wonderland"s).is_success());
  accounts.keys.erase({"alice", ScramMechanism::sha1});
  EXPECT_EQ(plain("\0alice\0wonderland"s).failure.reason, Reason::unknown_user);
}

TEST_F(PlainTest, WithoutTlsItIsRefusedBeforeAnythingIsLookedAt) {
  Step s = plain("\0alice\0wonderland"s, /*tls=*/false);
  EXPECT_EQ(s.failure.reason, Reason::encryption_required);
  EXPECT_EQ(s.failure.condition, Condition::encryption_required);
  EXPECT_EQ(accounts.lookups, 0);
}

TEST_F(PlainTest, AWrongPasswordAndAnUnknownUserLookTheSame) {
  Step wrong = plain("\0alice\0looking-glass"s);
  Step unknown = plain("\0mallory\0wonderland"s);
  EXPECT_EQ(wrong.failure.reason, Reason::wrong_password);
  EXPECT_EQ(unknown.failure.reason, Reason::unknown_user);
  EXPECT_EQ(wrong.failure.condition, Condition::not_authorized);
  EXPECT_EQ(unknown.failure.condition, Condition::not_authorized);
  EXPECT_EQ(wrong.data, unknown.data);
}

TEST_F(PlainTest, ThePasswordIsSaslpreppedLikeTheStoredOne) {
  accounts.add("bob", "pen cil");
  EXPECT_TRUE(plain("\0bob\0pen\xc2\xa0"s "cil"s).is_success());
}

TEST_F(PlainTest, AuthzidFollowsThePolicy) {
  EXPECT_TRUE(plain("alice@example.org\0alice\0wonderland"s).is_success());
  EXPECT_EQ(identity->authzid, "alice@example.org");
  Step s = plain("bob@example.org\0alice\0wonderland"s);
  EXPECT_EQ(s.failure.reason, Reason::authzid_refused);
  EXPECT_EQ(s.failure.condition, Condition::invalid_authzid);
}

TEST_F(PlainTest, MalformedMessagesAreTypedFailures) {
  EXPECT_EQ(plain("alice").failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0alice"s).failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0\0wonderland"s).failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0alice\0"s).failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0alice\0wonder\0land"s).failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0al\xffice\0wonderland"s).failure.reason, Reason::invalid_username);
  EXPECT_EQ(plain("\xff\0alice\0wonderland"s).failure.reason, Reason::invalid_authzid);
  EXPECT_EQ(plain("\0alice\0wonder\xc3"s).failure.reason, Reason::malformed);
  EXPECT_EQ(plain("\0alice\0"s + std::string(1024, 'x')).failure.reason, Reason::too_long);
  EXPECT_EQ(plain("\0alice\0"s + std::string(5000, 'x')).failure.reason, Reason::too_long);
  EXPECT_EQ(plain("\0a\x07\0wonderland"s).failure.reason, Reason::invalid_username);
  EXPECT_EQ(accounts.lookups, 0);
}

TEST_F(PlainTest, FieldsUpTo255BytesAreAccepted) {
  auto m = parse_plain(std::string(255, 'z') + "\0"s + std::string(255, 'u') + "\0"s + std::string(255, 'p'));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->authcid.size(), 255u);
}

TEST_F(PlainTest, ItTakesOneMessage) {
  PlainServer server(config, true);
  ASSERT_TRUE(server.handle("\0alice\0wonderland"s, accounts.lookup()).is_success());
  EXPECT_EQ(server.handle("\0alice\0wonderland"s, accounts.lookup()).failure.reason, Reason::out_of_sequence);
}

TEST_F(PlainTest, AFailingStoreIsATemporaryFailure) {
  accounts.broken = true;
  EXPECT_EQ(plain("\0alice\0wonderland"s).failure.condition, Condition::temporary_auth_failure);
}

}  // namespace
}  // namespace confab::sasl
