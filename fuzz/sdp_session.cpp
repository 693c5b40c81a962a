// libFuzzer target for the SDP codec and the offer/answer negotiator:
// parse arbitrary bytes; when they parse, every typed accessor must work,
// serialize must give text that parses back to an equal description and is
// a fixed point of serialize -> parse -> serialize; and the negotiator,
// answering the input as an offer and taking it as an answer to its own
// offer, must never crash and must only emit descriptions that parse.
#include <cstdio>
#include <cstdlib>

#include "core/rng.hpp"
#include "sdp/negotiator.hpp"

namespace {

using namespace confab;
using namespace confab::sdp;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "sdp_session invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

void exercise(const SessionDescription& sd) {
  for (const Attribute& a : sd.attributes) check(!validate_attribute(a, true), "session attribute fails validation");
  (void)sd.groups();
  (void)sd.ice_options();
  (void)sd.extmaps();
  for (const MediaDescription& m : sd.media) {
    for (const Attribute& a : m.attributes) check(!validate_attribute(a, false), "media attribute fails validation");
    (void)sd.connection_for(m);
    (void)sd.direction_of(m);
    (void)sd.ice_ufrag_for(m);
    (void)m.is_secure();
    for (std::uint8_t pt : m.payload_types()) {
      (void)m.rtpmap(pt);
      (void)m.rtcp_fbs(pt);
    }
    for (const Rtpmap& r : m.rtpmaps()) check(parse_rtpmap(to_value(r)).has_value(), "rtpmap to_value reparses");
    for (const Fmtp& f : m.fmtps()) (void)f.params();
    for (const Candidate& c : m.candidates()) check(parse_candidate(to_value(c)).value() == c, "candidate round trip");
    for (const Crypto& c : m.cryptos()) {
      check(parse_crypto(to_value(c)).value() == c, "crypto round trip");
      (void)key_problem(c);
    }
    if (auto r = m.rtcp()) check(parse_rtcp(to_value(*r)).value() == *r, "rtcp round trip");
    (void)m.ssrcs();
    (void)m.ptime();
  }
}

void round_trip(const SessionDescription& sd) {
  const std::string once = serialize(sd);
  auto again = parse(once);
  if (!again) {
    std::fprintf(stderr, "%s\n", again.error().message().c_str());
    fail("serialized description does not parse");
  }
  check(*again == sd, "parse(serialize(x)) != x");
  check(serialize(*again) == once, "serialize is not a fixed point");
}

void negotiate(const SessionDescription& sd) {
  NegotiatorConfig config;
  config.address = IpAddress::v4(0xC0000201);
  config.audio_codecs.push_back(pcmu_codec());
  SeededRng rng(1);
  {
    Negotiator answerer(config, rng);
    answerer.add_stream({.media = "audio", .port = 16384});
    answerer.add_stream({.media = "video", .port = 16386});
    if (auto answer = answerer.create_answer(sd)) {
      check(parse(serialize(*answer)).has_value(), "our answer does not parse");
      check(answer->media.size() == sd.media.size(), "answer m= line count");
      if (auto reoffer = answerer.create_offer()) check(parse(serialize(*reoffer)).has_value(), "our re-offer does not parse");
    } else {
      check(answerer.create_answer(sd).error().code == answerer.create_answer(sd).error().code, "deterministic");
    }
  }
  Negotiator offerer(config, rng);
  offerer.add_stream({.media = "audio", .port = 16384});
  offerer.add_stream({.media = "video", .port = 16386});
  auto offer = offerer.create_offer();
  check(offer.has_value(), "offer");
  if (offerer.accept_answer(sd)) {
    offerer.hold();
    if (auto reoffer = offerer.create_offer()) check(parse(serialize(*reoffer)).has_value(), "our hold re-offer does not parse");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto sd = parse(ByteView(data, size));
  if (!sd) {
    check(!sd.error().message().empty(), "error message");
    check(sd.error().offset <= size, "error offset inside the input");
    return 0;
  }
  exercise(*sd);
  round_trip(*sd);
  negotiate(*sd);
  return 0;
}
