// JIDs (RFC 7622): the §3.5 examples, splitting, case folding, limits, and
// the ASCII fast paths checked against libidn's profiles.
#include "xmpp/jid.hpp"

#include <gtest/gtest.h>
#include <idn-free.h>
#include <stringprep.h>

#include <string>
#include <unordered_set>

namespace confab::xmpp {
namespace {

Jid jid(std::string_view text) {
  auto j = Jid::parse(text);
  EXPECT_TRUE(j) << text << ": " << (j ? "" : j.error().message);
  return j ? *j : Jid();
}

JidError error_of(std::string_view text) {
  auto j = Jid::parse(text);
  EXPECT_FALSE(j) << text << " parsed as " << (j ? j->str() : "");
  return j ? JidError{} : j.error();
}

// RFC 7622 §3.5.1. Examples 7 to 10 are kept by Nodeprep too; where
// Nodeprep and PRECIS differ (ß, final sigma) the tests below say so.
TEST(Jid, AcceptsTheValidExamplesOfRfc7622) {
  for (std::string_view text :
       {"juliet@example.com", "juliet@example.com/foo", "juliet@example.com/foo bar", "juliet@example.com/foo@bar",
        "foo\\20bar@example.com", "fussball@example.com", "fu\xc3\x9f" "ball@example.com", "\xcf\x80@example.com",
        "\xce\xa3@example.com/foo", "\xcf\x83@example.com/foo", "\xcf\x82@example.com/foo",
        "king@example.com/\xe2\x99\x9a", "example.com", "example.com/foobar", "a.example.com/b@example.net"})
    EXPECT_TRUE(Jid::parse(text)) << text;
}

TEST(Jid, SplitsAtTheFirstSlashThenTheFirstAt) {
  Jid j = jid("a.example.com/b@example.net");
  EXPECT_EQ(j.local(), "");
  EXPECT_EQ(j.domain(), "a.example.com");
  EXPECT_EQ(j.resource(), "b@example.net");

  j = jid("juliet@example.com/foo@bar/baz");
  EXPECT_EQ(j.local(), "juliet");
  EXPECT_EQ(j.domain(), "example.com");
  EXPECT_EQ(j.resource(), "foo@bar/baz");

  j = jid("juliet@example.com/foo bar");
  EXPECT_EQ(j.resource(), "foo bar");
}

// RFC 7622 §3.5.2, those a Nodeprep implementation refuses too.
TEST(Jid, RefusesTheInvalidExamplesOfRfc7622) {
  EXPECT_EQ(error_of("\"juliet\"@example.com").part, JidError::Part::localpart);
  EXPECT_EQ(error_of("foo bar@example.com").part, JidError::Part::localpart);
  EXPECT_EQ(error_of("juliet@").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("/foobar").part, JidError::Part::domainpart);
}

TEST(Jid, ErrorsNameThePartAndTheCharacter) {
  EXPECT_EQ(error_of("foo bar@example.com").message, "localpart: prohibited character U+0020");
  EXPECT_EQ(error_of("a\xe2\x80\x8f" "b@example.com").message.rfind("localpart: ", 0), 0u);
  EXPECT_EQ(error_of("juliet@example.com/a\x01").message, "resourcepart: prohibited character U+0001");
  EXPECT_EQ(error_of("juliet@exa mple.com").message,
            "domainpart: character U+0020 not allowed in a domain name (letters, digits, hyphens)");
}

TEST(Jid, RefusesEveryCharacterNodeprepProhibitsInALocalpart) {
  for (char c : std::string_view("\"&'/:<>@ ")) {
    std::string text = std::string("a") + c + "b@example.com";
    if (c == '/' || c == '@') continue;  // these split the JID instead
    EXPECT_EQ(error_of(text).part, JidError::Part::localpart) << text;
  }
  EXPECT_EQ(error_of("a@b@example.com").part, JidError::Part::domainpart);  // the second @ is in the domain
  EXPECT_EQ(jid("a/b@example.com").domain(), "a");  // the @ is in the resource
}

TEST(Jid, RefusesEmptyParts) {
  EXPECT_EQ(error_of("").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("@example.com").part, JidError::Part::localpart);
  EXPECT_EQ(error_of("juliet@example.com/").part, JidError::Part::resourcepart);
  EXPECT_EQ(error_of("example.com/").part, JidError::Part::resourcepart);
  EXPECT_EQ(error_of("juliet@/foo").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("a..example.com").message, "domainpart: empty label");
  EXPECT_EQ(error_of(".example.com").message, "domainpart: empty label");
  EXPECT_EQ(error_of("example.com..").message, "domainpart: empty label");
  EXPECT_EQ(error_of(".").part, JidError::Part::domainpart);
}

TEST(Jid, FoldsTheCaseOfLocalpartAndDomainButNotResource) {
  Jid j = jid("JuLiEt@ExAmPlE.CoM/BalCony");
  EXPECT_EQ(j.str(), "juliet@example.com/BalCony");
  EXPECT_EQ(j, jid("juliet@example.com/BalCony"));
  EXPECT_NE(j, jid("juliet@example.com/balcony"));
  // Beyond ASCII: Σ and σ are one localpart (RFC 7622 §3.5.1 examples 9, 10).
  EXPECT_EQ(jid("\xce\xa3@example.com"), jid("\xcf\x83@example.com"));
  // Nodeprep (B.2) also folds final sigma and ß, where PRECIS keeps them.
  EXPECT_EQ(jid("\xcf\x82@example.com"), jid("\xcf\x83@example.com"));
  EXPECT_EQ(jid("fu\xc3\x9f" "ball@example.com"), jid("fussball@example.com"));
  // Where PRECIS refuses (RFC 7622 §3.5.2 examples 3 and 4) Nodeprep maps
  // or accepts: Ⅳ (U+2163) folds to "iv", ♚ is an assigned symbol.
  EXPECT_EQ(jid("henry\xe2\x85\xa3@example.com").local(), "henryiv");
  EXPECT_EQ(jid("\xe2\x99\x9a@example.com").local(), "\xe2\x99\x9a");
  // Resourceprep normalises (NFKC) but keeps case: Ⅳ (U+2163) becomes IV.
  EXPECT_EQ(jid("a@example.com/\xe2\x85\xa3").resource(), "IV");
}

TEST(Jid, DropsOneTrailingDotFromTheDomain) {
  EXPECT_EQ(jid("juliet@example.com.").domain(), "example.com");
  EXPECT_EQ(jid("example.com./r"), jid("example.com/r"));
}

TEST(Jid, AcceptsIpLiteralsInCanonicalForm) {
  EXPECT_EQ(jid("juliet@192.0.2.1/r").domain(), "192.0.2.1");
  EXPECT_EQ(jid("juliet@[2001:DB8:0::1]/r").domain(), "[2001:db8::1]");
  EXPECT_EQ(jid("[::1]"), jid("[0:0::1]"));
  EXPECT_EQ(error_of("juliet@[192.0.2.1]").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("juliet@[2001:db8::1").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("juliet@2001:db8::1").part, JidError::Part::domainpart);
}

TEST(Jid, HoldsInternationalDomainsAsULabels) {
  // bücher.example: A-label and U-label, any case, are one domain.
  Jid u = jid("a@B\xc3\x9c" "cher.example");
  EXPECT_EQ(u.domain(), "b\xc3\xbc" "cher.example");
  EXPECT_EQ(jid("a@xn--bcher-kva.example"), u);
  EXPECT_EQ(jid("a@XN--BCHER-KVA.EXAMPLE"), u);
  EXPECT_FALSE(Jid::parse("a@xn--zz.example"));  // not valid Punycode
  EXPECT_FALSE(Jid::parse("a@-example.com"));
  EXPECT_FALSE(Jid::parse("a@ex_ample.com"));
}

TEST(Jid, LimitsEachPartTo1023BytesAfterPreparation) {
  const std::string l1023(1023, 'a'), l1024(1024, 'a');
  EXPECT_TRUE(Jid::parse(l1023 + "@example.com/" + l1023));
  EXPECT_EQ(error_of(l1024 + "@example.com").part, JidError::Part::localpart);
  EXPECT_EQ(error_of("a@example.com/" + l1024).part, JidError::Part::resourcepart);
  // A domain of 1023 bytes: labels of 63.
  std::string domain;
  while (domain.size() + 64 <= 1023) domain += std::string(63, 'd') + ".";
  domain += std::string(1023 - domain.size(), 'e');
  ASSERT_EQ(domain.size(), 1023u);
  EXPECT_TRUE(Jid::parse(domain)) << domain.size();
  EXPECT_EQ(error_of(domain + "e").part, JidError::Part::domainpart);
  EXPECT_EQ(error_of("a@" + std::string(64, 'd') + ".example").message, "domainpart: label over 63 bytes (64)");
  // ß → ss: a localpart that grows past the limit in preparation.
  std::string eszett;
  for (int i = 0; i < 512; ++i) eszett += "\xc3\x9f";
  EXPECT_EQ(error_of(eszett + "@example.com").message, "localpart: over 1023 bytes (1024)");
}

TEST(Jid, RefusesInvalidUtf8AndNul) {
  EXPECT_EQ(error_of("a\xff@example.com").message, "localpart: invalid UTF-8 at byte 1");
  EXPECT_EQ(error_of(std::string_view("a\0b@example.com", 15)).part, JidError::Part::localpart);
  EXPECT_EQ(error_of("example.com/\xc3").part, JidError::Part::resourcepart);
}

TEST(Jid, RefusesUnassignedCodePoints) {
  // U+0221 is unassigned in Unicode 3.2, the version stringprep knows.
  EXPECT_EQ(error_of("a\xc8\xa1@example.com").message, "localpart: unassigned code point U+0221");
}

TEST(Jid, BuildsFromPartsLikeParse) {
  auto j = Jid::from_parts("Juliet", "Example.com", "Balcony");
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, jid("juliet@example.com/Balcony"));
  EXPECT_EQ(Jid::from_parts("a@b", "example.com").error().part, JidError::Part::localpart);
  EXPECT_EQ(Jid::from_parts("", "example.com")->str(), "example.com");
}

TEST(Jid, BareAndFullForms) {
  Jid j = jid("juliet@example.com/balcony");
  EXPECT_TRUE(j.is_full());
  EXPECT_FALSE(j.is_bare());
  EXPECT_EQ(j.bare().str(), "juliet@example.com");
  EXPECT_EQ(j.bare_str(), "juliet@example.com");
  EXPECT_EQ(j.bare().with_resource("orchard").str(), "juliet@example.com/orchard");
  EXPECT_TRUE(jid("example.com").is_domain());
  EXPECT_FALSE(j.empty());
  EXPECT_TRUE(Jid().empty());
}

TEST(Jid, EqualJidsHashAlike) {
  std::unordered_set<Jid> set{jid("Juliet@Example.com/r"), jid("juliet@example.com/r"), jid("juliet@example.com"),
                              jid("example.com/r")};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.count(jid("JULIET@EXAMPLE.COM/r")));
  EXPECT_LT(jid("a@example.com"), jid("b@example.com"));
}

TEST(Jid, PreparesRequestedResources) {
  EXPECT_EQ(*prepare_resource("Balcony \xe2\x85\xa3"), "Balcony IV");
  EXPECT_EQ(prepare_resource("").error().part, JidError::Part::resourcepart);
  EXPECT_EQ(prepare_resource("a\x7f").error().message, "resourcepart: prohibited character U+007F");
}

// The ASCII fast paths against libidn's own profiles, character by
// character: same verdict, same output.
std::optional<std::string> libidn(const std::string& in, const char* profile) {
  char* out = nullptr;
  int rc = stringprep_profile(in.c_str(), &out, profile, STRINGPREP_NO_UNASSIGNED);
  std::optional<std::string> result;
  if (rc == STRINGPREP_OK) result = out;
  idn_free(out);
  return result;
}

TEST(Jid, AsciiFastPathsAgreeWithLibidn) {
  for (int c = 1; c < 0x80; ++c) {
    const std::string s = std::string("x") + static_cast<char>(c) + "Y";
    if (c != '@' && c != '/') {
      auto fast = Jid::from_parts(s, "example.com");
      auto slow = libidn(s, "Nodeprep");
      EXPECT_EQ(fast.has_value(), slow.has_value()) << "localpart char " << c;
      if (fast && slow) EXPECT_EQ(fast->local(), *slow) << "localpart char " << c;
    }
    auto fast = prepare_resource(s);
    auto slow = libidn(s, "Resourceprep");
    EXPECT_EQ(fast.has_value(), slow.has_value()) << "resource char " << c;
    if (fast && slow) EXPECT_EQ(*fast, *slow) << "resource char " << c;
  }
}

}  // namespace
}  // namespace confab::xmpp
