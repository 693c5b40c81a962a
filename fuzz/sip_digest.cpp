// libFuzzer target for the digest header codec: arbitrary bytes as a
// challenge and as credentials. Whatever parses must serialize to a value
// that parses again to the same thing, and must survive the computation
// and a DigestAuthenticator check without crashing.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sip/digest.hpp"
#include "sip/digest_header.hpp"
#include "sip/digest_server.hpp"

namespace {

using namespace confab;
using namespace confab::sip;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "sip_digest invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

void challenge_round_trip(const DigestChallenge& c) {
  const std::string text = serialize(c);
  auto again = parse_challenge(text);
  if (!again) {
    std::fprintf(stderr, "%s\n%s\n", text.c_str(), again.error().message().c_str());
    fail("serialized challenge does not parse");
  }
  check(again->realm == c.realm && again->nonce == c.nonce, "challenge realm/nonce");
  check(again->algorithm == c.algorithm && again->qop == c.qop, "challenge algorithm/qop");
  check(again->opaque == c.opaque && again->domain == c.domain, "challenge opaque/domain");
  check(again->stale == c.stale && again->userhash == c.userhash, "challenge flags");
}

void credentials_round_trip(const DigestCredentials& c) {
  const std::string text = serialize(c);
  auto again = parse_credentials(text);
  if (!again) {
    std::fprintf(stderr, "%s\n%s\n", text.c_str(), again.error().message().c_str());
    fail("serialized credentials do not parse");
  }
  check(serialize(*again) == text, "credentials serialize the same twice");
  check(again->response.size() == digest_hex_length(again->algorithm), "response length");
}

DigestAuthenticator& authenticator() {
  static DigestAuthenticator a([] {
    DigestServerConfig c;
    c.realm = "example.org";
    c.secret = Bytes(32, 0x42);
    c.replay_table_size = 8;
    return c;
  }());
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  auto ch = parse_challenge(in);
  if (ch) {
    challenge_round_trip(*ch);
  } else {
    check(!ch.error().detail.empty() && ch.error().offset <= size, "challenge error names a place");
  }

  auto cr = parse_credentials(in);
  if (!cr) {
    check(!cr.error().detail.empty() && cr.error().offset <= size, "credentials error names a place");
    return 0;
  }
  credentials_round_trip(*cr);
  const std::string ha1 = compute_ha1(cr->algorithm, cr->username, cr->realm, "password");
  (void)verify(*cr, "REGISTER", ha1, "body");
  const auto lookup = [&](std::string_view, std::string_view, DigestAlgorithm) -> std::optional<std::string> {
    return ha1;
  };
  const DigestCheck r = authenticator().check(Instant(std::chrono::hours(1)), *cr, "REGISTER", lookup);
  check(!r.ok() || r.username == cr->username, "ok names the user");
  return 0;
}
