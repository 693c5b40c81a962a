// Hibernation: an idle stream parser drops expat between stanzas and brings
// it back with the next byte, primed with the original stream header. None
// of that may show: the same events, the same namespaces (prefixes declared
// only in the header), the same error positions, the same restarts.
#include <gtest/gtest.h>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp_test_util.hpp"

namespace confab::xmpp {
namespace {

using test::drain;
using test::header;

TEST(XmlStreamHibernation, AnIdleParserLetsGoOfExpatAndResumesWithTheSameNamespaces) {
  StreamParser p;
  p.feed(test::server_header + "<stream:features/>\n");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(p.hibernating());
  // The stream: prefix was declared only in the header.
  p.feed("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features><message to='a@b'><body>hi</body></message>");
  auto more = test::stanzas(drain(p));
  ASSERT_EQ(more.size(), 2u);
  EXPECT_TRUE(more[0].is("features", ns::streams));
  EXPECT_EQ(more[0].prefix, "stream");
  EXPECT_TRUE(more[1].is("message", ns::client));  // the default namespace too
  EXPECT_EQ(more[1].child_text("body"), "hi");
  EXPECT_TRUE(p.hibernating());
}

TEST(XmlStreamHibernation, DoesNotHibernateInsideAStanzaOrWithBytesPending) {
  StreamParser p;
  p.feed(header + "<message><body>half");
  drain(p);
  EXPECT_FALSE(p.hibernating());
  p.feed("</body></message>");
  EXPECT_EQ(test::stanzas(drain(p)).size(), 1u);
  EXPECT_TRUE(p.hibernating());
}

TEST(XmlStreamHibernation, ErrorsAfterResumingSayTheSameWhereAsWithout) {
  const std::string first = header + "\n<presence/>\n";
  const std::string second = "<message>\n  <body>x</bdy>\n</message>";
  auto whole = test::parse(first + second);
  const StreamError* want = test::error(whole);
  ASSERT_NE(want, nullptr);

  StreamParser p;
  p.feed(first);
  auto events = drain(p);
  ASSERT_TRUE(p.hibernating());
  p.feed(second);
  for (auto& e : drain(p)) events.push_back(std::move(e));
  const StreamError* got = test::error(events);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->offset, want->offset);
  EXPECT_EQ(got->line, want->line);
  EXPECT_EQ(got->column, want->column);
  EXPECT_EQ(got->message(), want->message());

  // The same on a line that began before the pause.
  StreamParser q;
  q.feed(header + "<presence/>");
  auto e2 = drain(q);
  ASSERT_TRUE(q.hibernating());
  q.feed("<iq></message>");
  for (auto& e : drain(q)) e2.push_back(std::move(e));
  auto whole2 = test::parse(header + "<presence/><iq></message>");
  ASSERT_NE(test::error(e2), nullptr);
  EXPECT_EQ(test::error(e2)->message(), test::error(whole2)->message());
}

TEST(XmlStreamHibernation, ClosingAndEndOfInputWorkFromHibernation) {
  StreamParser p;
  p.feed(header + "<presence/>");
  drain(p);
  ASSERT_TRUE(p.hibernating());
  p.feed("</stream:stream>");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[0]));

  StreamParser q;
  q.feed(header + "<presence/>");
  drain(q);
  ASSERT_TRUE(q.hibernating());
  q.finish();
  auto end = drain(q);
  ASSERT_NE(test::error(end), nullptr);
  EXPECT_EQ(test::error(end)->detail, "connection closed without </stream:stream>");
}

TEST(XmlStreamHibernation, ARestartAfterHibernatingStartsAFreshStream) {
  StreamParser p;
  p.feed(test::client_header + "<presence/>");
  drain(p);
  ASSERT_TRUE(p.hibernating());
  EXPECT_TRUE(p.reset().empty());
  p.feed(test::client_header + "<presence/>");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamHeader>(events[0]));
}

}  // namespace
}  // namespace confab::xmpp
