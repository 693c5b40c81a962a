// sip:, sips:, tel: and other URIs: parsing, escapes, canonical text and
// the comparison rules of RFC 3261 §19.1.4.
#include <gtest/gtest.h>

#include "sip/uri.hpp"

namespace confab::sip {
namespace {

Uri must(std::string_view text) {
  auto u = parse_uri(text);
  EXPECT_TRUE(u) << text << ": " << (u ? "" : u.error().message());
  return u ? *u : Uri{};
}

DecodeError must_fail(std::string_view text) {
  auto u = parse_uri(text);
  EXPECT_FALSE(u) << text;
  return u ? DecodeError{} : u.error();
}

TEST(Uri, SipUriSplitsIntoUserPasswordHostPortParamsAndHeaders) {
  Uri u = must("sip:alice:secret@example.org:5070;transport=tcp;lr?subject=hi%20there&priority=urgent");
  EXPECT_EQ(u.scheme, Scheme::sip);
  EXPECT_EQ(u.user, "alice");
  EXPECT_TRUE(u.has_password);
  EXPECT_EQ(u.password, "secret");
  EXPECT_EQ(u.host, "example.org");
  EXPECT_EQ(u.host_kind, HostKind::hostname);
  EXPECT_EQ(u.port, 5070);
  EXPECT_EQ(u.transport(), "tcp");
  EXPECT_TRUE(u.lr());
  ASSERT_EQ(u.headers.size(), 2u);
  EXPECT_EQ(unescape(u.headers[0].value), "hi there");
}

TEST(Uri, HostsMayBeIpv4OrBracketedIpv6) {
  Uri v4 = must("sips:192.0.2.4:5061");
  EXPECT_EQ(v4.scheme, Scheme::sips);
  EXPECT_EQ(v4.host_kind, HostKind::ipv4);
  Uri v6 = must("sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]");
  EXPECT_EQ(v6.host_kind, HostKind::ipv6);
  EXPECT_EQ(v6.host, "2001:db8::10");
  EXPECT_EQ(v6.port, 5070);
  EXPECT_EQ(to_string(v6), "sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]");
}

TEST(Uri, TelUrisKeepTheNumberAndParameters) {
  Uri t = must("tel:+1-201-555-0123;ext=42");
  EXPECT_EQ(t.scheme, Scheme::tel);
  EXPECT_EQ(t.user, "+1-201-555-0123");
  EXPECT_EQ(t.param_value("ext"), "42");
  EXPECT_TRUE(must("tel:7042;phone-context=example.com").param("phone-context"));
  EXPECT_EQ(must_fail("tel:+12a4").code, DecodeErrorCode::bad_uri);
  EXPECT_TRUE(equivalent(must("tel:+1-201-555-0123"), must("tel:+1(201)5550123")));
}

TEST(Uri, OtherSchemesAreOpaque) {
  Uri u = must("urn:service:sos");
  EXPECT_EQ(u.scheme, Scheme::other);
  EXPECT_EQ(u.opaque, "service:sos");
  EXPECT_EQ(to_string(u), "urn:service:sos");
}

TEST(Uri, SchemeIsCaseInsensitiveAndWrittenInLowerCase) {
  Uri u = must("SIP:bob@Example.COM");
  EXPECT_EQ(u.scheme, Scheme::sip);
  EXPECT_EQ(to_string(u), "sip:bob@Example.COM");
}

TEST(Uri, MalformedUrisNameTheirProblemAndPlace) {
  struct Case {
    const char* text;
    std::size_t offset;
  };
  const Case cases[] = {
      {"sip:", 4},                            // empty host
      {"sip:alice@", 10},                     // empty host after userinfo
      {"sip:@example.com", 4},                // empty user
      {"sip:example.com:65536", 16},          // port too large
      {"sip:example.com:", 16},               // empty port
      {"sip:[2001:db8::zz]", 5},              // bad IPv6
      {"sip:[2001:db8::1", 4},                // unclosed bracket
      {"sip:example.com;=x", 16},             // empty parameter name
      {"sip:example.com;a=", 18},             // empty parameter value
      {"sip:example.com?x", 17},              // header without '='
      {"sip:ali%4@example.com", 7},           // bad escape
      {"sip:exa mple.com", 7},                // space
      {"sip:-bad.example.com", 4},            // label starting with '-'
      {"sip:1.2.3", 4},                       // neither IPv4 nor a name
      {"sip:256.1.1.1", 4},                   // octet above 255... so not IPv4, and a numeric top label
      {"1sip:x", 0},                          // scheme must start with a letter
      {"sipexample.com", 14},                 // no colon
      {"http:", 5},                           // nothing after the scheme
  };
  for (const Case& c : cases) {
    DecodeError e = must_fail(c.text);
    EXPECT_EQ(e.code, DecodeErrorCode::bad_uri) << c.text;
    EXPECT_EQ(e.offset, c.offset) << c.text << ": " << e.message();
    EXPECT_FALSE(e.detail.empty()) << c.text;
  }
}

TEST(Uri, ComparisonFollowsRfc3261Section19_1_4) {
  // The equivalent pairs of §19.1.4.
  EXPECT_TRUE(equivalent(must("sip:%61lice@atlanta.com;transport=TCP"), must("sip:alice@AtLanTa.CoM;Transport=tcp")));
  EXPECT_TRUE(equivalent(must("sip:carol@chicago.com"), must("sip:carol@chicago.com;newparam=5")));
  EXPECT_TRUE(equivalent(must("sip:carol@chicago.com;security=on"), must("sip:carol@chicago.com;newparam=5")));
  EXPECT_TRUE(equivalent(must("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com"),
                         must("sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com")));
  EXPECT_TRUE(equivalent(must("sip:alice@atlanta.com?subject=project%20x&priority=urgent"),
                         must("sip:alice@atlanta.com?priority=urgent&subject=project%20x")));
  // The non-equivalent pairs.
  EXPECT_FALSE(equivalent(must("SIP:ALICE@AtLanTa.CoM;Transport=udp"), must("sip:alice@AtLanTa.CoM;Transport=UDP")));
  EXPECT_FALSE(equivalent(must("sip:bob@biloxi.com"), must("sip:bob@biloxi.com:5060")));
  EXPECT_FALSE(equivalent(must("sip:bob@biloxi.com"), must("sip:bob@biloxi.com;transport=udp")));
  EXPECT_FALSE(equivalent(must("sip:bob@biloxi.com"), must("sip:bob@biloxi.com:6000;transport=tcp")));
  EXPECT_FALSE(equivalent(must("sip:carol@chicago.com"), must("sip:carol@chicago.com?Subject=next%20meeting")));
  EXPECT_FALSE(equivalent(must("sip:bob@phone21.boxesbybob.com"), must("sip:bob@192.0.2.4")));
  EXPECT_FALSE(equivalent(must("sip:carol@chicago.com;security=on"), must("sip:carol@chicago.com;security=off")));
  EXPECT_FALSE(equivalent(must("sip:alice@example.com"), must("sips:alice@example.com")));
}

TEST(Uri, EscapeAndUnescapeRoundTrip) {
  const std::string raw = "I have spaces & a @ and \x01";
  std::string escaped = escape(raw, UriPart::user);
  EXPECT_EQ(escaped, "I%20have%20spaces%20&%20a%20%40%20and%20%01");
  EXPECT_EQ(unescape(escaped), raw);
  EXPECT_EQ(escape("a;b", UriPart::param), "a%3Bb");
  EXPECT_EQ(unescape("100%"), "100%");  // not an escape: kept
}

}  // namespace
}  // namespace confab::sip
