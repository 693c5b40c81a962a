// Writing the stream header and stream errors, and reading our own output
// back.
#include <gtest/gtest.h>

#include "xmpp/namespaces.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_writer.hpp"
#include "xmpp_test_util.hpp"

namespace confab::xmpp {
namespace {

StreamHeader response() {
  StreamHeader h;
  h.from = "im.example.com";
  h.to = "juliet@im.example.com";
  h.id = "t7AMCin9zjMNwQKDnplntZPIDEI=";
  h.version = "1.0";
  h.lang = "en";
  h.content_namespace = ns::client;
  return h;
}

TEST(StreamHeader, WritesTheResponseHeaderOfRfc6120) {
  EXPECT_EQ(open_stream(response()),
            "<?xml version='1.0'?><stream:stream from='im.example.com' to='juliet@im.example.com'"
            " id='t7AMCin9zjMNwQKDnplntZPIDEI=' version='1.0' xml:lang='en' xmlns='jabber:client'"
            " xmlns:stream='http://etherx.jabber.org/streams'>");
  EXPECT_EQ(close_stream(response()), "</stream:stream>");
  StreamHeader bare;
  EXPECT_EQ(open_stream(bare, false), "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");
}

TEST(StreamHeader, WhatWeWriteWeReadBackTheSame) {
  StreamHeader h = response();
  h.from = "a'b&c";  // escaped
  h.content_namespace = ns::server;
  h.namespaces = {{"", std::string(ns::server)}, {"stream", std::string(ns::streams)}, {"db", std::string(ns::dialback)}};
  const std::string bytes = open_stream(h) + "<db:verify from='x' to='y' id='z'>k</db:verify>" + close_stream(h);
  auto events = test::parse(bytes);
  ASSERT_EQ(events.size(), 3u);
  StreamHeader read = std::get<StreamHeader>(events[0]);
  EXPECT_EQ(read.from, h.from);
  EXPECT_EQ(read.id, h.id);
  EXPECT_EQ(read.content_namespace, ns::server);
  EXPECT_EQ(read.namespaces.size(), 3u);
  const Element& verify = std::get<Element>(events[1]);
  EXPECT_TRUE(verify.is("verify", ns::dialback));
  EXPECT_EQ(serialize(verify, scope_of(read)), "<db:verify from='x' to='y' id='z'>k</db:verify>");
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[2]));
}

TEST(StreamError, BecomesTheStreamErrorElementOfRfc6120) {
  StreamError e{StreamErrorCondition::restricted_xml, 57, 2, 3, "comment (RFC 6120 §11.1)"};
  EXPECT_EQ(serialize(to_element(e), scope_of(response())),
            "<stream:error><restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>comment (RFC 6120 §11.1)</text></stream:error>");
  EXPECT_EQ(e.message(), "XMPP decode error at byte 57 (line 2, column 3): restricted-xml: comment (RFC 6120 §11.1)");
  EXPECT_EQ(StreamError({StreamErrorCondition::policy_violation, 9, 0, 0, "x"}).message(),
            "XMPP decode error at byte 9: policy-violation: x");
  for (auto c : {StreamErrorCondition::bad_format, StreamErrorCondition::bad_namespace_prefix,
                 StreamErrorCondition::invalid_namespace, StreamErrorCondition::not_well_formed,
                 StreamErrorCondition::policy_violation, StreamErrorCondition::resource_constraint,
                 StreamErrorCondition::restricted_xml, StreamErrorCondition::unsupported_encoding})
    EXPECT_NE(std::string(to_string(c)), "undefined-condition");
}

}  // namespace
}  // namespace confab::xmpp
