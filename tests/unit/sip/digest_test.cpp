// The digest computation against published vectors: RFC 7616 §3.9.1 (MD5
// and SHA-256), RFC 2617 §3.5 (MD5 with qop), RFC 2069 §2.4 (MD5 without
// qop) and draft-smith-sipping-auth-examples §3.2 (a SIP INVITE).
#include <gtest/gtest.h>

#include "sip/digest.hpp"

namespace confab::sip {
namespace {

DigestCredentials rfc7616(DigestAlgorithm a) {
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "http-auth@example.org";
  c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  c.uri = "/dir/index.html";
  c.algorithm = a;
  c.qop = Qop::auth;
  c.nc = 1;
  c.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  return c;
}

std::string rfc7616_response(DigestAlgorithm a) {
  const DigestCredentials c = rfc7616(a);
  return compute_response(c, "GET", compute_ha1(a, c.username, c.realm, "Circle of Life"));
}

TEST(DigestRfc7616, TheMd5ExampleGivesTheRfcResponse) {
  EXPECT_EQ(rfc7616_response(DigestAlgorithm::md5), "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestRfc7616, TheSha256ExampleGivesTheRfcResponse) {
  EXPECT_EQ(rfc7616_response(DigestAlgorithm::sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(DigestRfc7616, TheServerVerifiesTheExampleFromStoredHa1Alone) {
  for (DigestAlgorithm a : {DigestAlgorithm::md5, DigestAlgorithm::sha256}) {
    DigestCredentials c = rfc7616(a);
    const std::string ha1 = compute_ha1(a, "Mufasa", "http-auth@example.org", "Circle of Life");
    c.response = rfc7616_response(a);
    EXPECT_TRUE(verify(c, "GET", ha1));
    EXPECT_FALSE(verify(c, "POST", ha1)) << "the method is signed";
    EXPECT_FALSE(verify(c, "GET", compute_ha1(a, "Mufasa", "http-auth@example.org", "Circle Of Life")))
        << "RFC 7616 erratum 4495: the o of 'of' is lowercase";
  }
}

TEST(DigestRfc2617, TheMd5ExampleWithQopAuthGivesTheRfcResponse) {
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = Qop::auth;
  c.nc = 1;
  c.cnonce = "0a4f113b";
  const std::string ha1 = compute_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(ha1, "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(compute_response(c, "GET", ha1), "6629fae49393a05397450978507c4ef1");
}

TEST(DigestRfc2069, TheMd5ExampleWithoutQopGivesTheRfcResponse) {
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  const std::string ha1 = compute_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "CircleOfLife");
  c.response = compute_response(c, "GET", ha1);
  EXPECT_EQ(c.response, "1949323746fe6a43ef61f9606e7febea");
  EXPECT_TRUE(verify(c, "GET", ha1));
}

TEST(DigestSipExample, BobsInviteFromTheSippingAuthExamplesDraftVerifies) {
  DigestCredentials c;
  c.username = "bob";
  c.realm = "biloxi.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "sip:bob@biloxi.com";
  c.qop = Qop::auth;
  c.nc = 1;
  c.cnonce = "0a4f113b";
  c.response = "89eb0059246c02b2f6ee02c7961d5ea3";
  EXPECT_EQ(compute_ha1(DigestAlgorithm::md5, "bob", "biloxi.com", "zanzibar"), "12af60467a33e8518da5c68bbff12b11");
  EXPECT_TRUE(verify(c, "INVITE", "12af60467a33e8518da5c68bbff12b11"));
  EXPECT_TRUE(verify(c, "INVITE", "12AF60467A33E8518DA5C68BBFF12B11")) << "stored HA1 in either case";
}

TEST(DigestComputation, Sha512_256UsesTheTruncatedSha512NotATruncatedHash) {
  // SHA-512/256 has its own initial values: its digest of "" is not a prefix of SHA-512's.
  EXPECT_EQ(digest_hex(DigestAlgorithm::sha512_256, ""),
            "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
  EXPECT_EQ(digest_hex_length(DigestAlgorithm::sha512_256), 64u);
  EXPECT_EQ(digest_hex_length(DigestAlgorithm::md5), 32u);
}

TEST(DigestComputation, AuthIntSignsTheBody) {
  DigestCredentials c = rfc7616(DigestAlgorithm::sha256);
  c.qop = Qop::auth_int;
  const std::string ha1 = compute_ha1(c.algorithm, c.username, c.realm, "Circle of Life");
  EXPECT_EQ(compute_ha2(c.algorithm, "GET", "/dir/index.html", Qop::auth_int, "body"),
            digest_hex(c.algorithm, "GET:/dir/index.html:" + digest_hex(c.algorithm, "body")));
  c.response = compute_response(c, "GET", ha1, "body");
  EXPECT_TRUE(verify(c, "GET", ha1, "body"));
  EXPECT_FALSE(verify(c, "GET", ha1, "bodY"));
}

TEST(DigestComputation, AStoredHa1OfTheWrongShapeNeverVerifies) {
  DigestCredentials c = rfc7616(DigestAlgorithm::sha256);
  c.response = rfc7616_response(DigestAlgorithm::sha256);
  const std::string md5_ha1 = compute_ha1(DigestAlgorithm::md5, c.username, c.realm, "Circle of Life");
  EXPECT_FALSE(verify(c, "GET", md5_ha1)) << "an MD5 HA1 for a SHA-256 response";
  EXPECT_FALSE(verify(c, "GET", std::string(64, 'z')));
  EXPECT_FALSE(verify(c, "GET", ""));
}

TEST(DigestComputation, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

}  // namespace
}  // namespace confab::sip
