// Messages: compact forms, folding, quoted strings, typed headers, editing,
// responses built from requests, canonical serialization, limits and every
// structural error path of parse().
#include <gtest/gtest.h>

#include "sip/parser.hpp"
#include "sip_test_util.hpp"

namespace confab::sip {
namespace {

using test::crlf;

const std::string invite = crlf(
    "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\n"
    "Max-Forwards: 70\n"
    "To: Bob <sip:bob@biloxi.example.com>\n"
    "From: \"Alice \\\"A\\\" Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 314159 INVITE\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>;expires=3600;q=0.7, \"Second\" <sip:alice@[2001:db8::5]:5080>\n"
    "Supported: replaces, 100rel\n"
    "Content-Type: application/sdp\n"
    "Content-Length: 4\n"
    "\n"
    "v=0\n");

Message must(std::string_view text) {
  auto m = parse(as_bytes(text));
  EXPECT_TRUE(m) << (m ? "" : m.error().message());
  return m ? std::move(*m) : Message{};
}

DecodeError must_fail(std::string_view text, const Limits& limits = {}) {
  auto m = parse(as_bytes(text), limits);
  EXPECT_FALSE(m) << text;
  return m ? DecodeError{} : m.error();
}

TEST(Message, TypicalInviteParsesIntoTypedHeaders) {
  Message m = must(invite);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.uri()->user, "bob");
  Via v = *m.top_via();
  EXPECT_EQ(v.host, "pc33.atlanta.example.com");
  EXPECT_TRUE(v.has_rport());
  EXPECT_FALSE(v.rport());
  EXPECT_TRUE(v.rfc3261_branch());
  EXPECT_EQ(m.from()->display(), "Alice \"A\" Liddell");
  EXPECT_EQ(m.from()->tag(), "1928301774");
  EXPECT_FALSE(m.to()->tag());
  EXPECT_EQ(m.cseq()->number, 314159u);
  EXPECT_EQ(m.max_forwards(), 70);
  auto contacts = m.contact()->contacts;
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contact_expires(contacts[0]), 3600u);
  EXPECT_EQ(contact_q(contacts[0]), 700);
  EXPECT_EQ(contacts[1].uri.host_kind, HostKind::ipv6);
  EXPECT_EQ(contacts[1].uri.port, 5080);
  EXPECT_EQ(m.tokens(HeaderId::supported), (std::vector<std::string_view>{"replaces", "100rel"}));
  EXPECT_EQ(m.content_length(), 4u);
  EXPECT_EQ(m.body, "v=0\r");
}

TEST(Message, CompactFormsAndHeaderNamesAreCaseInsensitive) {
  Message m = must(crlf("OPTIONS sip:a@b.example SIP/2.0\nv: SIP/2.0/TCP h.example;branch=z9hG4bK1\n"
                        "f: <sip:x@y.example>;tag=1\nT: sip:a@b.example\ni: abc@h\nCSEQ: 1 OPTIONS\n"
                        "k: path\nm: *\nl: 0\n\n"));
  EXPECT_EQ(m.find(HeaderId::via)->name, "v");
  EXPECT_EQ(m.top_via()->transport, "TCP");
  EXPECT_EQ(m.call_id(), "abc@h");
  EXPECT_TRUE(m.contact()->star);
  EXPECT_EQ(m.find("Content-Length"), m.find("L"));
  EXPECT_EQ(header_id("sUpPoRtEd"), HeaderId::supported);
  std::string out = serialize(m);
  EXPECT_NE(out.find("\r\nVia: SIP/2.0/TCP"), std::string::npos);
  EXPECT_NE(out.find("\r\nCSeq: 1 OPTIONS\r\n"), std::string::npos);
}

TEST(Message, FoldedHeadersReadAsOneValue) {
  Message m = must(crlf("OPTIONS sip:a@b.example SIP/2.0\nSubject: first\n\tsecond\n  third\nl: 0\n\n"));
  EXPECT_EQ(m.value(HeaderId::subject), "first  \tsecond    third");
  EXPECT_EQ(m.headers.size(), 2u);
}

TEST(Message, ResponsesCarryStatusAndReason) {
  Message m = must(crlf("SIP/2.0 486 Busy Here\nVia: SIP/2.0/UDP h.example;branch=z9hG4bKx\nContent-Length: 0\n\n"));
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status, 486);
  EXPECT_EQ(m.reason, "Busy Here");
}

TEST(Message, WithoutContentLengthADatagramBodyIsTheRest) {
  Message m = must(crlf("MESSAGE sip:a@b.example SIP/2.0\n\nhello"));
  EXPECT_EQ(m.body, "hello");
  EXPECT_TRUE(m.headers.empty());
}

TEST(Message, LeadingCrlfsBeforeTheStartLineAreIgnored) {
  EXPECT_EQ(must("\r\n\r\nOPTIONS sip:a@b.example SIP/2.0\r\nl: 0\r\n\r\n").method, "OPTIONS");
}

TEST(Message, SerializeIsCanonicalAndAFixedPoint) {
  Message m = must(invite);
  std::string once = serialize(m);
  Message again = must(once);
  EXPECT_EQ(serialize(again), once);
  EXPECT_EQ(again.headers.size(), m.headers.size());
  for (std::size_t i = 0; i < m.headers.size(); ++i) {
    EXPECT_EQ(again.headers[i].id, m.headers[i].id);
    EXPECT_EQ(again.headers[i].value, m.headers[i].value);
  }
  EXPECT_EQ(again.body, m.body);
}

TEST(Message, ProxyEditsPrependViaAndRecordRouteAndDecrementMaxForwards) {
  Message m = must(invite);
  m.prepend(HeaderId::via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1");
  m.prepend(HeaderId::record_route, "<sip:proxy.example.com;lr>");
  ASSERT_TRUE(m.decrement_max_forwards());
  EXPECT_EQ(m.max_forwards(), 69);
  auto vias = m.vias();
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0].host, "proxy.example.com");
  EXPECT_TRUE(m.routes(HeaderId::record_route)[0].uri.lr());
  Message copy = m;  // shares storage; views stay valid after the original goes
  m = Message{};
  Message reparsed = must(serialize(copy));
  EXPECT_EQ(reparsed.vias().size(), 2u);
  EXPECT_EQ(reparsed.max_forwards(), 69);
  EXPECT_EQ(copy.remove(HeaderId::via), 2u);
  EXPECT_TRUE(copy.remove_first(HeaderId::record_route));
  EXPECT_FALSE(copy.remove_first(HeaderId::record_route));
}

TEST(Message, MaxForwardsOfZeroCannotBeDecremented) {
  Message m = must(crlf("OPTIONS sip:a@b.example SIP/2.0\nMax-Forwards: 0\nl: 0\n\n"));
  EXPECT_FALSE(m.decrement_max_forwards());
  EXPECT_EQ(m.max_forwards(), 0);
  Message none = make_request("OPTIONS", "sip:a@b.example");
  EXPECT_TRUE(none.decrement_max_forwards());
  EXPECT_EQ(none.max_forwards(), 70);
}

TEST(Message, ResponsesCopyTheHeadersRfc3261Section8_2_6Names) {
  Message req = must(invite);
  Message r = make_response(req, 180, {}, "as9d8f");
  EXPECT_EQ(r.status, 180);
  EXPECT_EQ(r.reason, "Ringing");
  EXPECT_EQ(r.vias().size(), 1u);
  EXPECT_EQ(r.to()->tag(), "as9d8f");
  EXPECT_EQ(r.from()->tag(), "1928301774");
  EXPECT_EQ(r.call_id(), req.call_id());
  EXPECT_EQ(r.cseq()->method, "INVITE");
  EXPECT_EQ(r.find(HeaderId::contact), nullptr);
  EXPECT_EQ(r.find(HeaderId::max_forwards), nullptr);
  EXPECT_TRUE(r.body.empty());
  Message trying = make_response(req, 100, {}, "ignored");
  EXPECT_FALSE(trying.to()->tag());
  Message parsed = must(serialize(r));
  EXPECT_EQ(parsed.status, 180);
  EXPECT_EQ(parsed.content_length(), 0u);
}

TEST(Message, BuiltRequestsSerializeWithTheirBody) {
  Message m = make_request("MESSAGE", "sip:bob@example.org");
  m.append(HeaderId::via, "SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKabc;received=2001:db8::9");
  m.append("X-Confab", "yes");
  m.set_body("hi bob", "text/plain");
  Message back = must(serialize(m));
  EXPECT_EQ(back.body, "hi bob");
  EXPECT_EQ(back.content_type()->type, "text");
  EXPECT_EQ(back.find("x-confab")->value, "yes");
  EXPECT_EQ(back.top_via()->host_kind, HostKind::ipv6);
  EXPECT_EQ(back.top_via()->received(), "2001:db8::9");
  m.set_body({}, {});
  EXPECT_EQ(m.find(HeaderId::content_type), nullptr);
  EXPECT_EQ(m.content_length(), 0u);
}

TEST(Message, ViaParametersAreTyped) {
  auto v = parse_via("SIP/2.0/UDP [2001:db8::9:1]:5062;received=[2001:db8::9:255];rport=4000;ttl=16;maddr=224.2.0.1;branch=z9hG4bKx");
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ((*v)[0].host, "2001:db8::9:1");
  EXPECT_EQ((*v)[0].port, 5062);
  EXPECT_EQ((*v)[0].received(), "2001:db8::9:255");
  EXPECT_EQ((*v)[0].rport(), 4000);
  EXPECT_EQ((*v)[0].ttl(), 16);
  EXPECT_EQ((*v)[0].maddr(), "224.2.0.1");
  EXPECT_EQ(to_string((*v)[0]), "SIP/2.0/UDP [2001:db8::9:1]:5062;received=[2001:db8::9:255];rport=4000;ttl=16;maddr=224.2.0.1;branch=z9hG4bKx");
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h.example;ttl=256"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h.example;received=h.example"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h.example;rport=70000"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDP h.example;branch"));
  EXPECT_FALSE(parse_via("SIP/2.0 h.example"));
  EXPECT_FALSE(parse_via("SIP/2.0/UDPh.example"));
}

TEST(Message, StructuralErrorsNameTheirPlace) {
  using C = DecodeErrorCode;
  struct Case {
    std::string text;
    C code;
    std::size_t offset;
  };
  const std::string ok_line = "OPTIONS sip:a@b.example SIP/2.0\r\n";
  const Case cases[] = {
      {"", C::empty, 0},
      {"OPTIONS sip:a@b.example SIP/2.0", C::bad_start_line, 0},
      {ok_line + "l: 0\r\n", C::unterminated_headers, 39},
      {"OPTIONS sip:a@b.example\r\n\r\n", C::bad_start_line, 0},
      {"OPT@ONS sip:a@b.example SIP/2.0\r\n\r\n", C::bad_method, 0},
      {"OPTIONS sip:a@b.example SIP/2\r\n\r\n", C::bad_version, 24},
      {"OPTIONS sip:a b.example SIP/2.0\r\n\r\n", C::bad_start_line, 23},
      {"SIP/2.0 99 Low\r\n\r\n", C::bad_status_code, 8},
      {"SIP/2.0 700 High\r\n\r\n", C::bad_status_code, 8},
      {"SIP/2.0 200 O\x01K\r\n\r\n", C::bad_reason_phrase, 13},
      {ok_line + " folded: nothing\r\n\r\n", C::bad_header_line, 33},
      {ok_line + "No colon here\r\n\r\n", C::bad_header_line, 36},
      {ok_line + ": empty name\r\n\r\n", C::bad_header_line, 33},
      {ok_line + "Subject: a\nb\r\n\r\n", C::bad_line_ending, 43},
      {ok_line + "Subject: a\rb\r\n\r\n", C::bad_line_ending, 43},
      {ok_line + "Max-Forwards: 256\r\n\r\n", C::value_out_of_range, 47},
      {ok_line + "Max-Forwards: ten\r\n\r\n", C::bad_header_value, 47},
      {ok_line + "Expires: 4294967296\r\n\r\n", C::value_out_of_range, 42},
      {ok_line + "CSeq: 1\r\n\r\n", C::bad_header_value, 40},
      {ok_line + "Call-ID: a@\r\n\r\n", C::bad_header_value, 43},
      {ok_line + "Contact: <sip:a@b.example>;q=1.5\r\n\r\n", C::bad_header_value, 60},
      {ok_line + "Contact: <sip:a@b.example>;expires=99999999999\r\n\r\n", C::value_out_of_range, 60},
      {ok_line + "Route: sip:a@b.example\r\n\r\n", C::bad_header_value, 40},
      {ok_line + "Require: a b\r\n\r\n", C::bad_header_value, 43},
      {ok_line + "Content-Type: text\r\n\r\n", C::bad_header_value, 51},
      {ok_line + "Content-Length: 5\r\n\r\nabc", C::body_truncated, 54},
      {ok_line + "To: <sip:a@b.example\r\n\r\n", C::bad_header_value, 37},
      {ok_line + "To: <sip:a@b.example> junk\r\n\r\n", C::bad_header_value, 55},
      {ok_line + "Contact: <sip:a@b.example>,,<sip:c@d.example>\r\n\r\n", C::bad_header_value, 60},
  };
  for (const Case& c : cases) {
    DecodeError e = must_fail(c.text);
    EXPECT_EQ(e.code, c.code) << c.text << "\n" << e.message();
    EXPECT_EQ(e.offset, c.offset) << c.text << "\n" << e.message();
  }
}

TEST(Message, LimitsBoundSizeAndHeaderCount) {
  Limits small{64, 2};
  EXPECT_EQ(must_fail(std::string(65, 'x'), small).code, DecodeErrorCode::too_large);
  EXPECT_EQ(must_fail("OPTIONS sip:a@b.example SIP/2.0\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\n\r\n", small).code,
            DecodeErrorCode::too_many_headers);
  EXPECT_TRUE(parse(as_bytes(std::string_view("OPTIONS sip:a@b.example SIP/2.0\r\nX-A: 1\r\nX-B: 2\r\n\r\n")), small));
}

TEST(Message, ErrorMessagesReadAsOneLine) {
  DecodeError e = must_fail("OPTIONS sip:a@b.example SIP/2.0\r\nMax-Forwards: 256\r\n\r\n");
  EXPECT_EQ(e.message(), "SIP decode error at byte 47 (Max-Forwards): value out of range: 256 is above 255");
}

}  // namespace
}  // namespace confab::sip
