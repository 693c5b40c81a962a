#pragma once
// Helpers for the XML stream tests: feeding a parser in chunks of a given
// size and collecting what comes out, and the RFC 6120 stream headers.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp::test {

// The stream headers of RFC 6120 §9.1.1 (client to server), steps 1 and 2.
inline const std::string client_header =
    "<?xml version='1.0'?>\n"
    "<stream:stream\n"
    "    from='juliet@im.example.com'\n"
    "    to='im.example.com'\n"
    "    version='1.0'\n"
    "    xml:lang='en'\n"
    "    xmlns='jabber:client'\n"
    "    xmlns:stream='http://etherx.jabber.org/streams'>";

inline const std::string server_header =
    "<?xml version='1.0'?>\n"
    "<stream:stream\n"
    "    from='im.example.com'\n"
    "    id='t7AMCin9zjMNwQKDnplntZPIDEI='\n"
    "    to='juliet@im.example.com'\n"
    "    version='1.0'\n"
    "    xml:lang='en'\n"
    "    xmlns='jabber:client'\n"
    "    xmlns:stream='http://etherx.jabber.org/streams'>";

// A short header for tests that are about what follows it.
inline const std::string header =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

// Polls every event available now.
inline std::vector<StreamEvent> drain(StreamParser& parser) {
  std::vector<StreamEvent> out;
  while (auto e = parser.poll_event()) out.push_back(std::move(*e));
  return out;
}

// Feeds `bytes` `chunk` bytes at a time (0: all at once), polling after
// every feed; with `finish`, ends the input too.
inline std::vector<StreamEvent> parse(std::string_view bytes, std::size_t chunk = 0,
                                      const StreamParserOptions& options = {}, bool finish = false) {
  StreamParser parser(options);
  std::vector<StreamEvent> out;
  if (chunk == 0) chunk = bytes.size() ? bytes.size() : 1;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    parser.feed(bytes.substr(i, chunk));
    for (auto& e : drain(parser)) out.push_back(std::move(e));
  }
  if (finish) parser.finish();
  for (auto& e : drain(parser)) out.push_back(std::move(e));
  return out;
}

inline std::vector<Element> stanzas(const std::vector<StreamEvent>& events) {
  std::vector<Element> out;
  for (const auto& e : events)
    if (auto* el = std::get_if<Element>(&e)) out.push_back(*el);
  return out;
}

inline const StreamError* error(const std::vector<StreamEvent>& events) {
  return events.empty() ? nullptr : std::get_if<StreamError>(&events.back());
}

// The condition of the error the input ends in; fails the test if none.
inline StreamErrorCondition condition(std::string_view bytes, const StreamParserOptions& options = {},
                                      bool finish = false) {
  auto events = parse(bytes, 0, options, finish);
  const StreamError* e = error(events);
  EXPECT_NE(e, nullptr) << "no error for: " << bytes.substr(0, 300);
  return e ? e->condition : StreamErrorCondition::resource_constraint;
}

inline StreamParserOptions with(const Limits& limits) { return StreamParserOptions{limits, {}}; }

}  // namespace confab::xmpp::test
