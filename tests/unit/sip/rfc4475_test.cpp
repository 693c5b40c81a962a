// RFC 4475's torture messages: the valid ones parse with the fields the RFC
// points out, the invalid ones fail with an error naming the problem, and
// the §3.2-§3.4 ones parse (the layers above the codec answer them).
// The .dat files are the RFC's own bytes, extracted from the bit-exact
// archive in its Appendix A (test.dat, which no section describes, is left
// out), so they keep the archive's quirks: baddn has no empty line, dblreq
// and mcl01 end with a stray CRLF, trws has "examle.com".
#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "sip/parser.hpp"
#include "sip_test_util.hpp"

namespace confab::sip {
namespace {

using test::load_torture;

Message must_parse(const std::string& name) {
  std::string bytes = load_torture(name);
  EXPECT_FALSE(bytes.empty()) << name;
  auto m = parse(as_bytes(bytes));
  if (!m) {
    ADD_FAILURE() << name << ": " << m.error().message();
    return Message{};
  }
  // Every accepted message is a fixed point of serialize -> parse.
  std::string once = serialize(*m);
  auto again = parse(as_bytes(once));
  EXPECT_TRUE(again) << name << ": " << (again ? "" : again.error().message());
  if (again) EXPECT_EQ(serialize(*again), once) << name;
  return std::move(*m);
}

DecodeError must_fail(const std::string& name) {
  std::string bytes = load_torture(name);
  EXPECT_FALSE(bytes.empty()) << name;
  auto m = parse(as_bytes(bytes));
  if (m) {
    ADD_FAILURE() << name << " parsed";
    return {};
  }
  EXPECT_FALSE(m.error().message().empty());
  return m.error();
}

TEST(Rfc4475, ShortTortuousInviteParsesThroughFoldsCompactFormsAndOddSpacing) {
  Message m = must_parse("wsinv");
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.to()->tag(), "1918181833n");
  EXPECT_EQ(m.from()->tag(), "98asjd8");
  EXPECT_EQ(m.from()->display(), "J Rosenberg \\\"");
  EXPECT_EQ(m.max_forwards(), 68);
  EXPECT_EQ(m.cseq()->number, 9u);
  EXPECT_EQ(m.cseq()->method, "INVITE");
  auto vias = m.vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0].transport, "UDP");
  EXPECT_EQ(vias[0].host, "192.0.2.2");
  EXPECT_EQ(vias[0].branch(), "390skdjuw");
  EXPECT_EQ(vias[1].transport, "TCP");
  EXPECT_EQ(vias[1].host, "spindle.example.com");
  EXPECT_EQ(vias[1].branch(), "z9hG4bK9ikj8");
  EXPECT_EQ(vias[2].host, "192.168.255.111");
  EXPECT_EQ(vias[2].branch(), "z9hG4bK30239");
  auto contact = m.contact();
  ASSERT_TRUE(contact && contact->contacts.size() == 1);
  EXPECT_EQ(contact->contacts[0].display(), "Quoted string \"\"");
  EXPECT_EQ(contact->contacts[0].param("newparam")->value, "newvalue");
  EXPECT_NE(contact->contacts[0].param("secondparam"), nullptr);
  EXPECT_EQ(contact_q(contact->contacts[0]), 330);
  EXPECT_EQ(m.value(HeaderId::subject), "");
  EXPECT_EQ(m.find("NewFangledHeader")->value, "newfangled value   continued newfangled value");
  EXPECT_EQ(m.find("UnknownHeaderWithUnusualValue")->value, ";;,,;;,;");
  EXPECT_EQ(m.routes().size(), 1u);
  EXPECT_EQ(m.body.size(), 150u);
}

TEST(Rfc4475, WideRangeOfValidCharactersKeepsMethodUriAndQuotedPairs) {
  Message m = must_parse("intmeth");
  const std::string_view method = "!interesting-Method0123456789_*+`.%indeed'~";
  EXPECT_EQ(m.method, method);
  EXPECT_EQ(m.cseq()->method, method);
  auto uri = m.uri();
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(uri->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bK-.!%66*_+`'~");
  EXPECT_EQ(m.to()->display(), std::string("BEL:\x07 NUL:", 10) + std::string(1, '\0') + " DEL:\x7f");
  EXPECT_EQ(m.from()->display_name, "token1~` token2'+_ token3*%!.-");
  EXPECT_EQ(m.from()->tag(), "_token~1'+`*%!-.");
  EXPECT_EQ(m.call_id(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  EXPECT_EQ(m.max_forwards(), 255);
}

TEST(Rfc4475, EscapesDecodeInUsersAndUriParameters) {
  Message m = must_parse("esc01");
  EXPECT_EQ(unescape(m.uri()->user), "sips:user@example.com");
  EXPECT_EQ(m.uri()->host, "example.net");
  EXPECT_EQ(unescape(m.to()->uri.user), "user");
  EXPECT_EQ(unescape(m.from()->uri.user), "I have spaces");
  auto contact = m.contact();
  ASSERT_TRUE(contact);
  const Uri& c = contact->contacts[0].uri;
  EXPECT_EQ(unescape(c.params[0].name), "lr");
  EXPECT_EQ(unescape(c.params[1].value), "value%41");
  EXPECT_EQ(m.content_type()->subtype, "sdp");  // "C:" compact form
}

TEST(Rfc4475, EscapedNullsStayEscapedOnTheWire) {
  Message m = must_parse("escnull");
  EXPECT_EQ(unescape(m.to()->uri.user), std::string("null-\0-null", 11));
  auto contacts = m.contact()->contacts;
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(unescape(contacts[1].uri.user), std::string(2, '\0'));
  EXPECT_NE(serialize(m).find("sip:%00%00@host5.example.com"), std::string::npos);
}

TEST(Rfc4475, PercentThatIsNotAnEscapeLeavesAnExtensionMethod) {
  Message m = must_parse("esc02");
  EXPECT_EQ(m.method, "RE%47IST%45R");
  EXPECT_EQ(m.to()->display(), "%Z%45");
  EXPECT_EQ(m.count(HeaderId::contact), 2u);  // C%6Fntact is another header
  EXPECT_NE(m.find("C%6Fntact"), nullptr);
}

TEST(Rfc4475, DisplayNameMayTouchTheAngleBracket) {
  EXPECT_EQ(must_parse("lwsdisp").from()->display(), "caller");
}

TEST(Rfc4475, ExtraOctetsAfterContentLengthInADatagramAreDiscarded) {
  Message m = must_parse("dblreq");
  EXPECT_EQ(m.method, "REGISTER");
  EXPECT_TRUE(m.body.empty());
  EXPECT_EQ(serialize(m).find("INVITE"), std::string::npos);
}

TEST(Rfc4475, SemicolonsInTheUserPartBelongToTheUser) {
  Message m = must_parse("semiuri");
  EXPECT_EQ(m.uri()->user, "user;par=u%40example.net");
  EXPECT_EQ(m.uri()->host, "example.com");
  EXPECT_TRUE(m.uri()->params.empty());
  EXPECT_EQ(m.values(HeaderId::accept).size(), 6u);
}

TEST(Rfc4475, UnknownTransportsAreCarried) {
  Message m = must_parse("transports");
  auto vias = m.vias();
  ASSERT_EQ(vias.size(), 5u);
  EXPECT_EQ(vias[1].transport, "SCTP");
  EXPECT_EQ(vias[3].transport, "UNKNOWN");
}

TEST(Rfc4475, LongValuesInHeaderFieldsParse) {
  auto rep = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  Message m = must_parse("longreq");  // RFC 4475 §3.1.1.7
  auto to = m.to();
  ASSERT_TRUE(to);
  EXPECT_EQ(to->display(), "I have a user name of " + rep("extreme", 10) + " proportion");
  EXPECT_EQ(to->uri.port, 6000);
  ASSERT_NE(to->uri.param("unknownparam1"), nullptr);
  EXPECT_EQ(to->uri.param("unknownparam1")->value, "very" + rep("long", 20) + "value");
  ASSERT_NE(to->uri.param("longparam" + rep("name", 25)), nullptr);
  EXPECT_EQ(to->uri.param("longparam" + rep("name", 25))->value, "shortvalue");
  ASSERT_NE(to->uri.param("very" + rep("long", 25) + "ParameterNameWithNoValue"), nullptr);
  EXPECT_FALSE(to->uri.param("very" + rep("long", 25) + "ParameterNameWithNoValue")->has_value);
  auto from = m.from();  // "F:"
  ASSERT_TRUE(from);
  EXPECT_EQ(from->uri.user, rep("amazinglylongcallername", 5));
  EXPECT_EQ(from->tag(), "12" + rep("982", 50) + "424");
  ASSERT_NE(from->param("unknownheaderparam" + rep("name", 20)), nullptr);
  EXPECT_EQ(from->param("unknownheaderparam" + rep("name", 20))->value, "unknowheaderparam" + rep("value", 15));
  EXPECT_NE(from->param("unknownValueless" + rep("paramname", 10)), nullptr);
  EXPECT_EQ(m.call_id(), "longreq.one" + rep("really", 20) + "longcallid");
  EXPECT_NE(m.find("Unknown-" + rep("Long", 20) + "-Name"), nullptr);
  auto vias = m.vias();  // "Via", "v", "V", "ViA", "v  :"... all one header
  ASSERT_EQ(vias.size(), 34u);
  EXPECT_EQ(vias[0].host, "sip33.example.com");
  EXPECT_EQ(vias[32].host, "sip1.example.com");
  EXPECT_EQ(vias[33].received(), "192.0.2.5");
  EXPECT_EQ(vias[33].branch(), "very" + rep("long", 50) + "branchvalue");
  EXPECT_EQ(m.contact()->contacts.at(0).uri.user, rep("amazinglylongcallername", 5));
  EXPECT_EQ(m.body.size(), 150u);  // "l: 150"
}

TEST(Rfc4475, MultipartBodyWithNulsIsFramedByContentLength) {
  Message m = must_parse("mpart01");  // RFC 4475 §3.1.1.11
  EXPECT_EQ(m.method, "MESSAGE");
  EXPECT_EQ(m.content_type()->type, "multipart");
  EXPECT_EQ(m.content_type()->subtype, "mixed");
  ASSERT_EQ(m.body.size(), 553u);
  EXPECT_EQ(m.content_length(), 553u);
  EXPECT_EQ(std::count(m.body.begin(), m.body.end(), '\0'), 2);
  EXPECT_TRUE(m.body.starts_with("--7a9cbec02ceef655\r\n"));
  EXPECT_TRUE(m.body.ends_with("\r\n--7a9cbec02ceef655--\r\n"));
  std::string wire = serialize(m);
  EXPECT_TRUE(std::string_view(wire).ends_with(m.body));
}

TEST(Rfc4475, UtfEightReasonPhraseAndEmptyReasonPhraseParse) {
  Message m = must_parse("unreason");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.reason.substr(0, 13), "= 2**3 * 5**2");
  EXPECT_EQ(m.body.size(), 154u);
  Message n = must_parse("noreason");
  EXPECT_EQ(n.status, 100);
  EXPECT_TRUE(n.reason.empty());
  EXPECT_EQ(serialize(n).substr(0, 14), "SIP/2.0 100 \r\n");
}

TEST(Rfc4475, InvalidMessagesFailWithAnErrorNamingTheProblem) {
  using C = DecodeErrorCode;
  struct Case {
    const char* name;
    C code;
    const char* header;
  };
  const Case cases[] = {
      {"badinv01", C::bad_header_value, "Via"},         // empty Via parameters
      {"clerr", C::body_truncated, ""},                  // Content-Length 9999 in a datagram
      {"ncl", C::bad_content_length, "Content-Length"},  // -999
      {"scalar02", C::value_out_of_range, "CSeq"},       // 2^65 (Max-Forwards 300 would fail too)
      {"scalarlg", C::value_out_of_range, "CSeq"},
      {"quotbal", C::bad_header_value, "To"},            // unterminated quoted display name
      {"ltgtruri", C::bad_request_uri, ""},
      {"lwsruri", C::bad_start_line, ""},
      {"lwsstart", C::bad_start_line, ""},
      {"trws", C::bad_start_line, ""},
      {"escruri", C::bad_request_uri, ""},               // ?headers in a Request-URI
      {"regbadct", C::bad_uri, "Contact"},               // addr-spec with ? not in <>
      {"badaspec", C::bad_header_value, "To"},           // whitespace inside <>
      {"baddn", C::unterminated_headers, ""},            // the archive's copy has no empty line
      {"bigcode", C::bad_status_code, ""},
      {"mcl01", C::bad_content_length, "Content-Length"},  // 13 and 5
  };
  for (const Case& c : cases) {
    DecodeError e = must_fail(c.name);
    EXPECT_EQ(e.code, c.code) << c.name << ": " << e.message();
    EXPECT_EQ(e.header, c.header) << c.name << ": " << e.message();
  }
  // RFC 4475 §3.1.2.15: what baddn is about, the unquoted "Bell, Alexander",
  // once its header section is terminated.
  std::string baddn = load_torture("baddn");
  ASSERT_TRUE(baddn.ends_with("l: 0\r\n"));
  auto m = parse(as_bytes(baddn + "\r\n"));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, C::bad_header_value) << m.error().message();
  EXPECT_EQ(m.error().header, "From") << m.error().message();
}

TEST(Rfc4475, ErrorsPointAtTheOffendingByte) {
  std::string bytes = load_torture("badinv01");
  DecodeError e = must_fail("badinv01");
  EXPECT_EQ(e.header, "Via");
  EXPECT_NE(std::string_view(";,").find(bytes.at(e.offset)), std::string_view::npos);
  bytes = load_torture("quotbal");
  e = must_fail("quotbal");
  EXPECT_EQ(bytes.substr(e.offset, 4), "\"Mr.");
}

TEST(Rfc4475, MessagesTheApplicationMustAnswerStillParse) {
  // RFC 4475 §3.1.2.12, 3.1.2.16-18, §3.2, §3.3 (but §3.3.9 mcl01), §3.4:
  // syntactically fine; the transaction/application layers answer 505, 400,
  // 501, 416, 420, 415, 401, 483, 406...
  for (const char* name : {"baddate", "badvers", "mismatch01", "mismatch02", "badbranch", "insuf", "unkscm",
                           "novelsc", "unksm2", "bext01", "invut", "regaut01", "multi01", "bcast", "zeromf",
                           "cparam01", "cparam02", "regescrt", "sdp01", "inv2543"}) {
    SCOPED_TRACE(name);
    (void)must_parse(name);
  }
  EXPECT_EQ(must_parse("badvers").version, "SIP/7.0");
  EXPECT_EQ(must_parse("mismatch01").cseq()->method, "INVITE");
  EXPECT_EQ(must_parse("zeromf").max_forwards(), 0);
  EXPECT_FALSE(must_parse("badbranch").top_via()->rfc3261_branch());
  EXPECT_EQ(missing_required(must_parse("insuf")).size(), 4u);  // To, From, Call-ID, Max-Forwards
  EXPECT_EQ(must_parse("unkscm").uri()->scheme, Scheme::other);
  EXPECT_EQ(must_parse("unksm2").to()->uri.scheme_text, "isbn");
  Message reg = must_parse("regescrt");  // views into it must not outlive it
  auto regescrt = reg.contact()->contacts[0].uri;
  ASSERT_EQ(regescrt.headers.size(), 1u);
  EXPECT_EQ(unescape(regescrt.headers[0].value), "<sip:sip.example.com>");

  // §3.3.5: the option tags a 420's Unsupported lists.
  Message bext = must_parse("bext01");
  EXPECT_EQ(bext.tokens(HeaderId::require),
            (std::vector<std::string_view>{"nothingSupportsThis", "nothingSupportsThisEither"}));
  EXPECT_EQ(bext.tokens(HeaderId::proxy_require),
            (std::vector<std::string_view>{"noProxiesSupportThis", "norDoAnyProxiesSupportThis"}));
  // §3.3.6: a body of unknown type (a UAS answers 415).
  Message invut = must_parse("invut");
  EXPECT_EQ(invut.content_type()->subtype, "unknownformat");
  EXPECT_EQ(invut.body.size(), 40u);
  // §3.3.7: an unknown scheme is carried verbatim.
  EXPECT_EQ(must_parse("regaut01").value(HeaderId::authorization), "NoOneKnowsThisScheme opaque-data=here");
  // §3.3.8: the codec keeps every copy, so the layer above can see there is
  // more than one of each and answer 400.
  Message multi = must_parse("multi01");
  for (HeaderId id : {HeaderId::call_id, HeaderId::to, HeaderId::from, HeaderId::max_forwards, HeaderId::cseq}) {
    EXPECT_EQ(multi.count(id), 2u) << header_name(id);
  }
  // §3.3.10: a response whose second Via is the broadcast address.
  Message bcast = must_parse("bcast");
  EXPECT_EQ(bcast.status, 200);
  ASSERT_EQ(bcast.vias().size(), 2u);
  EXPECT_EQ(bcast.vias()[1].host, "255.255.255.255");
  // §3.3.12: without <>, ";unknownparam" is a contact parameter...
  // (The messages are kept alive: a NameAddr's views point into them.)
  Message cparam01_message = must_parse("cparam01");
  auto cparam01 = cparam01_message.contact()->contacts.at(0);
  EXPECT_FALSE(cparam01.angle);
  EXPECT_TRUE(cparam01.uri.params.empty());
  EXPECT_NE(cparam01.param("unknownparam"), nullptr);
  // ...§3.3.13: inside <>, a URI parameter.
  Message cparam02_message = must_parse("cparam02");
  auto cparam02 = cparam02_message.contact()->contacts.at(0);
  EXPECT_TRUE(cparam02.angle);
  EXPECT_NE(cparam02.uri.param("unknownparam"), nullptr);
  EXPECT_TRUE(cparam02.params.empty());
  // §3.3.15: an Accept without application/sdp (a UAS answers 406 or 400).
  EXPECT_EQ(must_parse("sdp01").values(HeaderId::accept), (std::vector<std::string_view>{"text/nobodyKnowsThis"}));
  // §3.4.1: RFC 2543 syntax: no branch, no From tag, no Max-Forwards, and no
  // Content-Length, so the body is the rest of the datagram.
  Message old = must_parse("inv2543");
  EXPECT_FALSE(old.top_via()->branch());
  EXPECT_FALSE(old.from()->tag());
  EXPECT_FALSE(old.max_forwards());
  EXPECT_EQ(old.find(HeaderId::content_length), nullptr);
  EXPECT_EQ(old.body.size(), 105u);
  EXPECT_TRUE(old.body.starts_with("v=0\r\n"));
  EXPECT_TRUE(old.body.ends_with("m=audio 49217 RTP/AVP 0\r\n"));
}

}  // namespace
}  // namespace confab::sip
