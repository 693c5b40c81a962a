// Digest challenge and credentials header values: the RFC 7616 §3.9.1
// example headers, the token/quoted-string/LWS grammar, and every error path.
#include <gtest/gtest.h>

#include "sip/digest_header.hpp"

namespace confab::sip {
namespace {

constexpr std::string_view rfc7616_challenge =
    "Digest\r\n    realm=\"http-auth@example.org\",\r\n    qop=\"auth, auth-int\",\r\n    algorithm=SHA-256,\r\n"
    "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
    "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

constexpr std::string_view rfc7616_credentials =
    "Digest username=\"Mufasa\",\r\n    realm=\"http-auth@example.org\",\r\n    uri=\"/dir/index.html\",\r\n"
    "    algorithm=SHA-256,\r\n    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n    nc=00000001,\r\n"
    "    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n    qop=auth,\r\n"
    "    response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
    "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

constexpr std::string_view md5_response = "6629fae49393a05397450978507c4ef1";

std::string credentials_with(std::string_view extra) {
  return "Digest username=\"alice\", realm=\"example.org\", nonce=\"n\", uri=\"sip:example.org\", response=\"" +
         std::string(md5_response) + "\"" + std::string(extra);
}

DigestParseError challenge_error(std::string_view value) {
  auto r = parse_challenge(value);
  EXPECT_FALSE(r) << "parsed: " << value;
  return r ? DigestParseError{} : r.error();
}

DigestParseError credentials_error(std::string_view value) {
  auto r = parse_credentials(value);
  EXPECT_FALSE(r) << "parsed: " << value;
  return r ? DigestParseError{} : r.error();
}

TEST(DigestChallengeHeader, TheRfc7616ExampleChallengeParsesWithFoldedLines) {
  auto c = parse_challenge(rfc7616_challenge);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->realm, "http-auth@example.org");
  EXPECT_EQ(c->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
  EXPECT_EQ(c->qop, (std::vector<Qop>{Qop::auth, Qop::auth_int}));
  EXPECT_EQ(c->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  EXPECT_FALSE(c->stale);
}

TEST(DigestChallengeHeader, AnAbsentAlgorithmMeansMd5AndAnAbsentQopMeansNone) {
  auto c = parse_challenge("Digest realm=\"example.org\", nonce=\"abc\"");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
  EXPECT_TRUE(c->qop.empty());
  EXPECT_FALSE(c->opaque.has_value());
}

TEST(DigestChallengeHeader, SchemeNamesAndTokenValuesAreCaseInsensitive) {
  auto c = parse_challenge("dIgEsT REALM=\"r\", Nonce=\"n\", Algorithm=sha-512-256, STALE=true, UserHash=FALSE");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->algorithm, DigestAlgorithm::sha512_256);
  EXPECT_TRUE(c->stale);
  EXPECT_FALSE(c->userhash);
}

TEST(DigestChallengeHeader, QuotedPairsAreUnescapedAndTokenValuesAccepted) {
  auto c = parse_challenge(R"(Digest realm="a \"quoted\" \\ realm", nonce=abc123, algorithm="SHA-256")");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->realm, R"(a "quoted" \ realm)");
  EXPECT_EQ(c->nonce, "abc123");
  EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
}

TEST(DigestChallengeHeader, UnknownParametersAndQopOptionsAreIgnored) {
  auto c = parse_challenge("Digest realm=\"r\", charset=UTF-8, nonce=\"n\", qop=\"auth-conf,auth\", x-foo=\"bar\"");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->qop, std::vector<Qop>{Qop::auth});
}

TEST(DigestChallengeHeader, SerializingAndParsingAgainGivesTheSameChallenge) {
  DigestChallenge c;
  c.realm = R"(odd "realm" \)";
  c.nonce = "bm9uY2U=";
  c.algorithm = DigestAlgorithm::sha256;
  c.qop = {Qop::auth, Qop::auth_int};
  c.opaque = "op";
  c.domain = "sip:example.org sip:example.net";
  c.stale = true;
  const std::string text = serialize(c);
  EXPECT_EQ(text,
            R"(Digest realm="odd \"realm\" \\", nonce="bm9uY2U=", algorithm=SHA-256, qop="auth,auth-int", )"
            R"(opaque="op", domain="sip:example.org sip:example.net", stale=TRUE)");
  auto back = parse_challenge(text);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->realm, c.realm);
  EXPECT_EQ(back->nonce, c.nonce);
  EXPECT_EQ(back->algorithm, c.algorithm);
  EXPECT_EQ(back->qop, c.qop);
  EXPECT_EQ(back->opaque, c.opaque);
  EXPECT_EQ(back->domain, c.domain);
  EXPECT_TRUE(back->stale);
}

TEST(DigestChallengeHeader, MissingRealmOrNonceIsAnErrorNamingIt) {
  EXPECT_EQ(challenge_error("Digest nonce=\"n\"").param, "realm");
  auto e = challenge_error("Digest realm=\"r\"");
  EXPECT_EQ(e.param, "nonce");
  EXPECT_EQ(e.message(), "digest header error at byte 16 (nonce): missing parameter");
  EXPECT_EQ(challenge_error("Digest realm=\"r\", nonce=\"\"").detail, "empty nonce");
}

TEST(DigestChallengeHeader, BadAlgorithmStaleOrQopValuesAreErrorsNamingTheParameter) {
  auto e = challenge_error("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess");
  EXPECT_EQ(e.param, "algorithm");
  EXPECT_EQ(e.detail, "unsupported algorithm 'MD5-sess'");
  EXPECT_EQ(e.offset, 39u);
  EXPECT_EQ(challenge_error("Digest realm=\"r\", nonce=\"n\", stale=maybe").param, "stale");
  EXPECT_EQ(challenge_error("Digest realm=\"r\", nonce=\"n\", userhash=1").param, "userhash");
  EXPECT_EQ(challenge_error("Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"").param, "qop");
}

TEST(DigestChallengeHeader, OtherSchemesAreRejected) {
  EXPECT_EQ(challenge_error("Basic realm=\"r\"").detail, "scheme 'Basic' is not Digest");
  EXPECT_EQ(challenge_error("").detail, "expected the Digest scheme");
  EXPECT_EQ(challenge_error("Digest").detail, "no parameters");
  EXPECT_EQ(challenge_error("Digest   ").detail, "no parameters");
  EXPECT_EQ(challenge_error("Digestrealm=\"r\"").detail, "scheme 'Digestrealm' is not Digest");
  EXPECT_EQ(challenge_error("Digest\"r\"").detail, "expected whitespace after the scheme");
}

TEST(DigestAuthParams, DuplicatesAreRejectedWhateverTheirCase) {
  auto e = challenge_error("Digest realm=\"r\", nonce=\"n\", Realm=\"s\"");
  EXPECT_EQ(e.param, "realm");
  EXPECT_EQ(e.detail, "duplicate parameter");
  EXPECT_EQ(e.offset, 29u);
}

TEST(DigestAuthParams, ListSyntaxErrorsSayWhereTheyAre) {
  EXPECT_EQ(challenge_error("Digest realm=\"r\",, nonce=\"n\"").detail, "empty parameter");
  EXPECT_EQ(challenge_error("Digest realm=\"r\", nonce=\"n\",").detail, "trailing ','");
  EXPECT_EQ(challenge_error("Digest realm=\"r\" nonce=\"n\"").detail, "expected ',' after the value");
  EXPECT_EQ(challenge_error("Digest realm \"r\"").detail, "expected '=' after the name");
  EXPECT_EQ(challenge_error("Digest realm=, nonce=\"n\"").detail, "expected a token or quoted-string value");
  EXPECT_EQ(challenge_error("Digest =\"r\"").detail, "expected a parameter name");
  EXPECT_EQ(challenge_error("Digest realm=a=b, nonce=n").detail, "expected ',' after the value");
}

TEST(DigestAuthParams, QuotedStringsMustBeTerminatedAndFreeOfControlBytes) {
  auto e = challenge_error("Digest realm=\"r, nonce=\"n\"");
  EXPECT_EQ(e.param, "realm");
  EXPECT_EQ(e.detail, "expected ',' after the value");  // the quoted-string ended at the second quote
  EXPECT_EQ(challenge_error("Digest realm=\"unterminated").detail, "unterminated quoted-string");
  EXPECT_EQ(challenge_error("Digest realm=\"ends in backslash\\").detail, "unterminated quoted-string");
  EXPECT_EQ(challenge_error("Digest realm=\"a\r\nSet-Cookie: x\", nonce=\"n\"").detail,
            "control byte 0x0D in quoted-string");
  EXPECT_EQ(challenge_error(std::string_view("Digest realm=\"a\0b\", nonce=\"n\"", 28)).detail,
            "control byte 0x00 in quoted-string");
  EXPECT_EQ(challenge_error("Digest realm=\"a\\\nb\", nonce=\"n\"").detail,
            "invalid escaped byte 0x0A in quoted-string");
}

TEST(DigestAuthParams, OverlongValuesAndTooManyParametersAreRejected) {
  const std::string long_value(max_digest_param_length + 1, 'x');
  EXPECT_EQ(challenge_error("Digest realm=\"" + long_value + "\", nonce=n").detail, "value longer than 1024 bytes");
  EXPECT_EQ(challenge_error("Digest realm=" + long_value + ", nonce=n").detail, "value longer than 1024 bytes");
  std::string many = "Digest realm=r, nonce=n";
  for (int i = 0; i < 40; ++i) many += ", x" + std::to_string(i) + "=y";
  EXPECT_EQ(challenge_error(many).detail, "more than 32 parameters");
}

TEST(DigestCredentialsHeader, TheRfc7616ExampleCredentialsParse) {
  auto c = parse_credentials(rfc7616_credentials);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "http-auth@example.org");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->algorithm, DigestAlgorithm::sha256);
  EXPECT_EQ(c->nonce, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  EXPECT_EQ(c->nc, 1u);
  EXPECT_EQ(c->cnonce, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
  EXPECT_EQ(c->qop, Qop::auth);
  EXPECT_EQ(c->response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(c->opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
}

TEST(DigestCredentialsHeader, QuotedQopAndAlgorithmFromLaxClientsAreAccepted) {
  auto c = parse_credentials(credentials_with(", qop=\"auth\", nc=0000000a, cnonce=\"c\", algorithm=\"md5\""));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->qop, Qop::auth);
  EXPECT_EQ(c->nc, 10u);
  EXPECT_EQ(c->algorithm, DigestAlgorithm::md5);
}

TEST(DigestCredentialsHeader, AnUppercaseResponseIsStoredInLowercase) {
  auto c = parse_credentials(
      "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"6629FAE49393A05397450978507C4EF1\"");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->response, md5_response);
  EXPECT_FALSE(c->qop.has_value());
}

TEST(DigestCredentialsHeader, SerializingAndParsingAgainGivesTheSameCredentials) {
  auto c = parse_credentials(rfc7616_credentials);
  ASSERT_TRUE(c);
  const std::string text = serialize(*c);
  EXPECT_EQ(text,
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
            "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", "
            "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", algorithm=SHA-256, "
            "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, nc=00000001, "
            "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  auto back = parse_credentials(text);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(serialize(*back), text);
}

TEST(DigestCredentialsHeader, EachRequiredParameterIsNamedWhenMissing) {
  const char* full[] = {"username=\"a\"", "realm=\"r\"", "nonce=\"n\"", "uri=\"u\"",
                        "response=\"6629fae49393a05397450978507c4ef1\""};
  const char* names[] = {"username", "realm", "nonce", "uri", "response"};
  for (std::size_t skip = 0; skip < 5; ++skip) {
    std::string v = "Digest ";
    bool first = true;
    for (std::size_t i = 0; i < 5; ++i) {
      if (i == skip) continue;
      if (!first) v += ", ";
      v += full[i];
      first = false;
    }
    auto e = credentials_error(v);
    EXPECT_EQ(e.param, names[skip]);
    EXPECT_EQ(e.detail, "missing parameter");
  }
  EXPECT_EQ(credentials_error("Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" +
                              std::string(md5_response) + "\"")
                .param,
            "username");
}

TEST(DigestCredentialsHeader, QopCnonceAndNcComeTogether) {
  EXPECT_EQ(credentials_error(credentials_with(", qop=auth, nc=00000001")).param, "cnonce");
  EXPECT_EQ(credentials_error(credentials_with(", qop=auth, cnonce=\"c\"")).param, "nc");
  EXPECT_EQ(credentials_error(credentials_with(", cnonce=\"c\"")).detail, "cnonce without qop");
  EXPECT_EQ(credentials_error(credentials_with(", nc=00000001")).detail, "nc without qop");
  EXPECT_EQ(credentials_error(credentials_with(", qop=auth-conf, nc=00000001, cnonce=\"c\"")).detail,
            "unsupported qop 'auth-conf'");
  EXPECT_EQ(credentials_error(credentials_with(", qop=auth, nc=00000001, cnonce=\"\"")).param, "cnonce");
}

TEST(DigestCredentialsHeader, NcMustBeEightLowercaseHexDigitsAndNotZero) {
  for (const char* bad : {"0000001", "000000001", "0000000A", "0000000g", "00 00001"}) {
    auto e = credentials_error(credentials_with(std::string(", qop=auth, cnonce=\"c\", nc=\"") + bad + "\""));
    EXPECT_EQ(e.param, "nc") << bad;
  }
  EXPECT_EQ(credentials_error(credentials_with(", qop=auth, cnonce=\"c\", nc=00000000")).detail,
            "nonce-count 0 (counting starts at 1)");
}

TEST(DigestCredentialsHeader, TheResponseMustBeHexOfTheAlgorithmsLength) {
  auto e = credentials_error(credentials_with(", algorithm=SHA-256"));
  EXPECT_EQ(e.param, "response");
  EXPECT_EQ(e.detail, "32 hex digits where SHA-256 has 64");
  EXPECT_EQ(credentials_error("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"xyz\"").detail,
            "not hex");
}

TEST(DigestCredentialsHeader, HashedAndExtendedUsernamesAreRejectedAsUnsupported) {
  EXPECT_EQ(credentials_error(credentials_with(", userhash=true")).detail,
            "hashed usernames (RFC 7616 §3.4.4) are not supported");
  EXPECT_EQ(credentials_error(credentials_with(", username*=UTF-8''J%C3%A4s%C3%B8n")).param, "username*");
  EXPECT_TRUE(parse_credentials(credentials_with(", userhash=false")));
}

TEST(DigestAlgorithmNames, NamesRoundTripAndSessVariantsAreUnknown) {
  for (DigestAlgorithm a : {DigestAlgorithm::md5, DigestAlgorithm::sha256, DigestAlgorithm::sha512_256})
    EXPECT_EQ(digest_algorithm_from_name(to_string(a)), a);
  EXPECT_FALSE(digest_algorithm_from_name("SHA-256-sess"));
  EXPECT_FALSE(digest_algorithm_from_name("SHA256"));
  EXPECT_GT(strength(DigestAlgorithm::sha256), strength(DigestAlgorithm::md5));
  EXPECT_GT(strength(DigestAlgorithm::sha512_256), strength(DigestAlgorithm::sha256));
}

TEST(DigestQuoting, ControlCharactersCannotBeQuotedSoHeadersCannotBeInjected) {
  EXPECT_TRUE(is_quotable("alice \"the\" \\ tab\there"));
  EXPECT_FALSE(is_quotable("alice\r\nVia: evil"));
  EXPECT_FALSE(is_quotable(std::string(max_digest_param_length + 1, 'a')));
}

}  // namespace
}  // namespace confab::sip
