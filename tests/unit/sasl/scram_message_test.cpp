// The SCRAM message codec: each message parses into its parts, names are
// escaped, and each malformation is its own typed error with a place.
#include "sasl/scram_message.hpp"

#include <gtest/gtest.h>

#include "sasl/saslname.hpp"

namespace confab::sasl {
namespace {

using Code = ScramDecodeErrorCode;

Code client_first_error(std::string_view m) {
  auto r = parse_client_first(m);
  EXPECT_FALSE(r) << m;
  return r ? Code::empty : r.error().code;
}

TEST(Saslname, CommaAndEqualsAreEscapedAndComeBack) {
  EXPECT_EQ(escape_saslname("a,b=c"), "a=2Cb=3Dc");
  EXPECT_EQ(unescape_saslname("a=2Cb=3Dc"), "a,b=c");
  EXPECT_EQ(unescape_saslname("=3D=2C"), "=,");
  EXPECT_EQ(unescape_saslname("h\xc3\xa9llo"), "h\xc3\xa9llo");
}

TEST(Saslname, AnythingButTheTwoEscapesIsRefused) {
  using namespace std::string_view_literals;
  for (std::string_view bad : {""sv, "a="sv, "a=2"sv, "a=2c"sv, "a=3d"sv, "a=41"sv, "="sv, "a,b"sv, "a\0b"sv,
                               "\xff"sv, "\xc3"sv, "\xed\xa0\x80"sv})
    EXPECT_FALSE(unescape_saslname(bad)) << bad;
}

TEST(ClientFirst, TheRfcMessageParsesIntoItsParts) {
  auto r = parse_client_first("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->gs2.flag, Gs2Flag::n);
  EXPECT_EQ(r->gs2_text, "n,,");
  EXPECT_EQ(r->username, "user");
  EXPECT_EQ(r->nonce, "fyko+d2lbbFgONRv9qkxdawL");
  EXPECT_EQ(r->bare, "n=user,r=fyko+d2lbbFgONRv9qkxdawL");
}

TEST(ClientFirst, ChannelBindingNamesTheType) {
  auto r = parse_client_first("p=tls-exporter,,n=user,r=abc");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->gs2.flag, Gs2Flag::p);
  EXPECT_EQ(r->gs2.cb_name, "tls-exporter");
  EXPECT_EQ(r->gs2_text, "p=tls-exporter,,");
  // "=40" is not one of the two escapes, even in an authzid.
  EXPECT_EQ(client_first_error("p=tls-exporter,a=juliet=40example.org,n=user,r=abc"), Code::bad_authzid);
}

TEST(ClientFirst, AuthzidAndEscapedUsername) {
  auto r = parse_client_first("y,a=juliet@example.org=2Cx,n=ju=3Dliet=2C,r=abc,x=ignored");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->gs2.flag, Gs2Flag::y);
  EXPECT_EQ(r->gs2.authzid, "juliet@example.org,x");
  EXPECT_EQ(r->gs2_text, "y,a=juliet@example.org=2Cx,");
  EXPECT_EQ(r->username, "ju=liet,");
  EXPECT_EQ(r->nonce, "abc");
}

TEST(ClientFirst, EachMalformationHasItsOwnCode) {
  EXPECT_EQ(client_first_error(""), Code::empty);
  EXPECT_EQ(client_first_error("x,,n=user,r=abc"), Code::bad_gs2_header);
  EXPECT_EQ(client_first_error("nn,,n=user,r=abc"), Code::bad_gs2_header);
  EXPECT_EQ(client_first_error("n"), Code::bad_gs2_header);
  EXPECT_EQ(client_first_error("n,"), Code::bad_gs2_header);
  EXPECT_EQ(client_first_error("n,x=y,n=user,r=abc"), Code::bad_gs2_header);
  EXPECT_EQ(client_first_error("p=,,n=user,r=abc"), Code::bad_channel_binding_name);
  EXPECT_EQ(client_first_error("p=tls_unique,,n=user,r=abc"), Code::bad_channel_binding_name);
  EXPECT_EQ(client_first_error("n,a=,n=user,r=abc"), Code::bad_authzid);
  EXPECT_EQ(client_first_error("n,a=x=2,n=user,r=abc"), Code::bad_authzid);
  EXPECT_EQ(client_first_error("n,,m=ext,n=user,r=abc"), Code::mandatory_extension);
  EXPECT_EQ(client_first_error("n,,r=abc"), Code::missing_attribute);
  EXPECT_EQ(client_first_error("n,,"), Code::missing_attribute);
  EXPECT_EQ(client_first_error("n,,n=,r=abc"), Code::bad_username);
  EXPECT_EQ(client_first_error("n,,n=us=er,r=abc"), Code::bad_username);
  EXPECT_EQ(client_first_error("n,,n=\xc0\xafuser,r=abc"), Code::bad_username);
  EXPECT_EQ(client_first_error(std::string_view("n,,n=us\0er,r=abc", 16)), Code::bad_username);
  EXPECT_EQ(client_first_error("n,,n=user"), Code::missing_attribute);
  EXPECT_EQ(client_first_error("n,,n=user,s=abc"), Code::missing_attribute);
  EXPECT_EQ(client_first_error("n,,n=user,r="), Code::bad_nonce);
  EXPECT_EQ(client_first_error("n,,n=user,r=ab c"), Code::bad_nonce);
  EXPECT_EQ(client_first_error("n,,n=user,r=ab\x7f"), Code::bad_nonce);
  EXPECT_EQ(client_first_error("n,,n=user,r=abc,"), Code::bad_extension);
  EXPECT_EQ(client_first_error("n,,n=user,r=abc,r=def"), Code::bad_extension);
  EXPECT_EQ(client_first_error("n,,n=user,r=abc,xy=1"), Code::bad_extension);
  EXPECT_EQ(client_first_error("n,,n=user,r=abc,x="), Code::bad_extension);
}

TEST(ClientFirst, ErrorsSayWhereAndWhat) {
  auto r = parse_client_first("n,,n=us=er,r=abc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 5u);
  EXPECT_EQ(r.error().attribute, "n");
  EXPECT_EQ(r.error().message().rfind("SCRAM decode error at byte 5 (n): bad username", 0), 0u)
      << r.error().message();
}

TEST(ServerFirst, ParsesAndRefusesBadIterationCounts) {
  auto r = parse_server_first("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096,x=ext");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->nonce, "abcdef");
  EXPECT_EQ(r->salt.size(), 12u);
  EXPECT_EQ(r->iterations, 4096u);
  for (const char* bad : {"r=a,s=QQ==,i=0", "r=a,s=QQ==,i=04096", "r=a,s=QQ==,i=-1", "r=a,s=QQ==,i=4294967296",
                          "r=a,s=QQ==,i=12x", "r=a,s=QQ==,i="})
    EXPECT_EQ(parse_server_first(bad).error().code, Code::bad_iteration_count) << bad;
  EXPECT_EQ(parse_server_first("r=a,s=QQ==,i=4294967295")->iterations, 4294967295u);
  EXPECT_EQ(parse_server_first("m=x,r=a,s=QQ==,i=1").error().code, Code::mandatory_extension);
  EXPECT_EQ(parse_server_first("r=a,s=,i=1").error().code, Code::bad_base64);
  EXPECT_EQ(parse_server_first("r=a,s=Q,i=1").error().code, Code::bad_base64);
  EXPECT_EQ(parse_server_first("r=a,i=1").error().code, Code::missing_attribute);
  EXPECT_EQ(parse_server_first("r=a,s=QQ==").error().code, Code::missing_attribute);
}

TEST(ClientFinal, TheProofComesLastAndTheRestIsKeptVerbatim) {
  auto r = parse_client_final("c=biws,r=abc,x=ext,p=dGVzdA==");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(as_chars(r->channel_binding), "n,,");
  EXPECT_EQ(r->nonce, "abc");
  EXPECT_EQ(as_chars(r->proof), "test");
  EXPECT_EQ(r->without_proof, "c=biws,r=abc,x=ext");
  EXPECT_EQ(parse_client_final("c=biws,r=abc").error().code, Code::missing_attribute);
  EXPECT_EQ(parse_client_final("c=biws,r=abc,p=dGVzdA==,x=1").error().code, Code::missing_attribute);
  EXPECT_EQ(parse_client_final("c=biws,p=dGVzdA==,r=abc").error().code, Code::missing_attribute);
  EXPECT_EQ(parse_client_final("r=abc,c=biws,p=dGVzdA==").error().code, Code::missing_attribute);
  EXPECT_EQ(parse_client_final("c=bi,r=abc,p=dGVzdA==").error().code, Code::bad_base64);
  EXPECT_EQ(parse_client_final("c=biws,r=abc,p=").error().code, Code::bad_base64);
  EXPECT_EQ(parse_client_final("c=biws,r=abc,p=dGVzdA=").error().code, Code::bad_base64);
  EXPECT_EQ(parse_client_final("c=biws,r=abc,c=biws,p=dGVzdA==").error().code, Code::bad_extension);
}

TEST(ServerFinal, VerifierOrError) {
  auto v = parse_server_final("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->error);
  EXPECT_EQ(v->verifier.size(), 20u);
  auto e = parse_server_final("e=invalid-proof");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->error, "invalid-proof");
  EXPECT_EQ(parse_server_final("e=").error().code, Code::bad_server_error);
  EXPECT_EQ(parse_server_final("x=1").error().code, Code::missing_attribute);
}

TEST(Format, MessagesAreBuiltAsTheGrammarSays) {
  EXPECT_EQ(format_gs2_header({Gs2Flag::n, {}, {}}), "n,,");
  EXPECT_EQ(format_gs2_header({Gs2Flag::y, {}, "a,b"}), "y,a=a=2Cb,");
  EXPECT_EQ(format_gs2_header({Gs2Flag::p, "tls-exporter", {}}), "p=tls-exporter,,");
  EXPECT_EQ(format_client_first_bare("u=,", "abc"), "n=u=3D=2C,r=abc");
  EXPECT_EQ(format_client_final_without_proof("n,,", {}, "abc"), "c=biws,r=abc");
  EXPECT_EQ(format_server_error("invalid-proof"), "e=invalid-proof");
}

}  // namespace
}  // namespace confab::sasl
