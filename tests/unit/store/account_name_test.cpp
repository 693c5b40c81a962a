// Account names: bare JIDs that are also SIP addresses of record.
#include "store/account_name.hpp"

#include <gtest/gtest.h>

using confab::store::AccountName;

TEST(AccountName, ABareJidSplitsIntoLocalpartAndDomain) {
  auto n = AccountName::parse("alice@example.org");
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(n->localpart, "alice");
  EXPECT_EQ(n->domain, "example.org");
  EXPECT_EQ(n->str(), "alice@example.org");
}

TEST(AccountName, BothPartsAreLowercasedSoCaseVariantsAreOneAccount) {
  auto n = AccountName::parse("Alice@Example.ORG");
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(n->str(), "alice@example.org");
}

TEST(AccountName, NonAsciiBytesAreKeptAsGiven) {
  auto n = AccountName::parse("jos\xc3\xa9@example.org");
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ(n->localpart, "jos\xc3\xa9");
}

TEST(AccountName, AMissingOrEmptyPartIsRefusedWithAReason) {
  EXPECT_EQ(AccountName::parse("alice").error(), "\"alice\" has no domain (expected localpart@domain)");
  EXPECT_EQ(AccountName::parse("@example.org").error(), "\"@example.org\" has an empty localpart");
  EXPECT_EQ(AccountName::parse("alice@").error(), "\"alice@\" has an empty domain");
}

TEST(AccountName, SpacesControlsAndJidSpecialsAreRefused) {
  EXPECT_FALSE(AccountName::parse("al ice@example.org"));
  EXPECT_FALSE(AccountName::parse("alice@exa\tmple.org"));
  EXPECT_FALSE(AccountName::parse("alice\x7f@example.org"));
  EXPECT_FALSE(AccountName::parse("alice@example.org/home"));
  EXPECT_FALSE(AccountName::parse("alice@bob@example.org"));
  EXPECT_FALSE(AccountName::parse("a:b@example.org"));
  EXPECT_FALSE(AccountName::parse("alice@.example.org"));
  EXPECT_EQ(AccountName::parse("al'ice@example.org").error(),
            "\"al'ice@example.org\": the character ''' is not allowed in a localpart");
}

TEST(AccountName, APartLongerThan1023BytesIsRefused) {
  EXPECT_TRUE(AccountName::parse(std::string(1023, 'a') + "@example.org"));
  auto r = AccountName::parse(std::string(1024, 'a') + "@example.org");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "the localpart of an address is at most 1023 bytes");
  EXPECT_FALSE(AccountName::parse("alice@" + std::string(1024, 'd')));
}
