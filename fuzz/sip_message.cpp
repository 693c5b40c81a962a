// libFuzzer target for the SIP codec: parse arbitrary bytes as a datagram
// and as a stream frame; when they parse, every typed accessor must work,
// and the canonical text must parse again to the same message and be a
// fixed point of serialize -> parse -> serialize.
#include <cstdio>
#include <cstdlib>

#include "sip/parser.hpp"

namespace {

using namespace confab;
using namespace confab::sip;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "sip_message invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

void exercise(const Message& m) {
  if (m.is_request()) check(m.uri().has_value(), "uri() of a validated Request-URI");
  for (const Header& h : m.headers) {
    check(!validate_header(h.id, h.value).has_value(), "validated header fails validation");
    (void)m.values(h.id);
  }
  if (m.find(HeaderId::via)) check(m.top_via().has_value(), "top_via()");
  if (m.find(HeaderId::from)) check(m.from().has_value(), "from()");
  if (m.find(HeaderId::to)) check(m.to().has_value(), "to()");
  if (m.find(HeaderId::cseq)) check(m.cseq().has_value(), "cseq()");
  if (m.find(HeaderId::call_id)) check(m.call_id().has_value(), "call_id()");
  if (m.find(HeaderId::max_forwards)) check(m.max_forwards().has_value(), "max_forwards()");
  if (auto c = m.contact()) {
    for (const NameAddr& na : c->contacts) {
      (void)contact_expires(na);
      (void)contact_q(na);
      (void)na.display();
      (void)to_string(na);
      check(parse_uri(to_string(na.uri)).has_value(), "to_string(uri) reparses");
    }
  }
  for (const Via& v : m.vias()) {
    (void)v.received();
    (void)v.rport();
    (void)v.ttl();
    check(parse_via(to_string(v)).has_value(), "to_string(via) reparses");
  }
  (void)m.routes(HeaderId::record_route);
  (void)missing_required(m);
  if (m.is_request() && m.find(HeaderId::cseq)) {
    Message r = make_response(m, 200, {}, "fuzz");
    check(parse(serialize(r)).has_value(), "a response to a parsed request parses");
  }
}

void round_trip(const Message& m) {
  std::string once = serialize(m);
  auto again = parse(as_bytes(once));
  if (!again) {
    std::fprintf(stderr, "%s\n", again.error().message().c_str());
    fail("serialized message does not parse");
  }
  check(again->headers.size() == m.headers.size() + (m.find(HeaderId::content_length) ? 0 : 1) -
                                     (m.count(HeaderId::content_length) > 1 ? m.count(HeaderId::content_length) - 1 : 0),
        "header count after round trip");
  check(again->body == m.body, "body after round trip");
  check(again->method == m.method && again->status == m.status && again->reason == m.reason, "start line");
  check(serialize(*again) == once, "serialize is not a fixed point");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto m = parse(in);
  if (!m) {
    check(!m.error().message().empty(), "error message");
  } else {
    exercise(*m);
    round_trip(*m);
  }
  auto f = frame_size(in);
  if (f && *f && (*f)->kind == FrameKind::message) {
    check((*f)->size <= size, "frame larger than the buffer");
    (void)parse(in.subspan(0, (*f)->size));
  }
  return 0;
}
