// The registrar as a play: Alice's phone registers, is challenged, answers,
// refreshes, adds a second device, and leaves; others try what they may not.
#include "sip/registrar.hpp"

#include <gtest/gtest.h>

#include "sip/digest.hpp"
#include "sip/digest_client.hpp"
#include "sip/parser.hpp"

using namespace confab;
using namespace confab::sip;

namespace {

const Instant t0 = Instant{} + std::chrono::hours(1);

struct Fixture {
  SeededRng rng{7};
  LocationService locations;
  Registrar registrar;
  std::uint32_t cseq = 1;
  RequestSource source{Transport::udp, *SocketAddress::parse("198.51.100.2:40000"),
                       *SocketAddress::parse("203.0.113.10:5060"), 0};

  static RegistrarConfig config() {
    RegistrarConfig c;
    c.domains = {"example.org"};
    c.nonce_secret = Bytes(32, 0x42);
    return c;
  }
  // alice's password is "wonderland", bob's "builder".
  static std::optional<std::string> lookup(std::string_view user, std::string_view realm, DigestAlgorithm alg) {
    if (realm != "example.org" || alg == DigestAlgorithm::sha512_256) return std::nullopt;
    if (user == "alice") return compute_ha1(alg, user, realm, "wonderland");
    if (user == "bob") return compute_ha1(alg, user, realm, "builder");
    return std::nullopt;
  }
  Fixture() : registrar(config(), lookup, locations) {}

  Message request(const std::string& aor, const std::string& contacts, const std::string& extra = "",
                  const std::string& call_id = "call-1") {
    std::string text = "REGISTER sip:example.org SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bK" + std::to_string(cseq) + ";rport\r\n"
                       "Max-Forwards: 70\r\n"
                       "From: <sip:" + aor + ">;tag=f1\r\n"
                       "To: <sip:" + aor + ">\r\n"
                       "Call-ID: " + call_id + "\r\n"
                       "CSeq: " + std::to_string(cseq++) + " REGISTER\r\n" +
                       (contacts.empty() ? "" : "Contact: " + contacts + "\r\n") + extra +
                       "Content-Length: 0\r\n\r\n";
    auto m = parse(std::move(text));
    EXPECT_TRUE(m) << (m ? "" : m.error().message());
    return std::move(*m);
  }
  // REGISTER, answer the challenge as `user`/`password`, return the final response.
  Message register_as(const std::string& user, const std::string& password, const std::string& aor,
                      const std::string& contacts, const std::string& extra = "", Instant now = t0,
                      const std::string& call_id = "call-1") {
    Message first = registrar.handle_register(now, request(aor, contacts, extra, call_id), source, rng);
    if (first.status != 401) return first;
    DigestClient ua(user, password);
    std::vector<std::string> challenges;
    for (auto v : first.values(HeaderId::www_authenticate)) challenges.emplace_back(v);
    EXPECT_TRUE(ua.accept_values(challenges));
    auto authorization = ua.authorization("REGISTER", "sip:example.org", rng);
    EXPECT_TRUE(authorization);
    return registrar.handle_register(
        now, request(aor, contacts, extra + "Authorization: " + *authorization + "\r\n", call_id), source, rng);
  }
};

}  // namespace

TEST(Registrar, AsksForCredentialsWithSha256FirstThenMd5) {
  Fixture f;
  Message r = f.registrar.handle_register(t0, f.request("alice@example.org", "<sip:alice@192.0.2.5>"), f.source, f.rng);
  EXPECT_EQ(r.status, 401);
  auto challenges = r.values(HeaderId::www_authenticate);
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_NE(challenges[0].find("SHA-256"), std::string_view::npos);
  EXPECT_NE(challenges[1].find("MD5"), std::string_view::npos);
  EXPECT_TRUE(r.to()->tag());
  EXPECT_EQ(f.locations.size(), 0u);
}

TEST(Registrar, AliceRegistersAndIsReachableWhereHerRegisterCameFrom) {
  Fixture f;
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5:5060>");
  ASSERT_EQ(r.status, 200) << r.reason;
  auto contact = r.contact();
  ASSERT_TRUE(contact);
  ASSERT_EQ(contact->contacts.size(), 1u);
  EXPECT_EQ(contact_expires(contact->contacts[0]), 3600u);
  auto bindings = f.locations.lookup("alice@example.org", t0);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].contact_uri, "sip:alice@192.0.2.5:5060");
  EXPECT_EQ(bindings[0].source, f.source.remote);  // the NAT's public side, not 192.0.2.5
}

TEST(Registrar, AWrongPasswordAndAnUnknownUserAreTheSame403) {
  Fixture f;
  EXPECT_EQ(f.register_as("alice", "guess", "alice@example.org", "<sip:alice@192.0.2.5>").status, 403);
  EXPECT_EQ(f.register_as("mallory", "x", "mallory@example.org", "<sip:m@192.0.2.5>").status, 403);
  EXPECT_EQ(f.registrar.counters().auth_failed, 2u);
  // Both are reported for the log, with who, what and from where.
  auto first = f.registrar.poll_auth_failure();
  auto second = f.registrar.poll_auth_failure();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->username, "alice");
  EXPECT_EQ(first->aor, "alice@example.org");
  EXPECT_EQ(first->source.remote, f.source.remote);
  EXPECT_EQ(first->reason, "wrong password or unknown user");
  EXPECT_EQ(second->username, "mallory");
  EXPECT_FALSE(f.registrar.poll_auth_failure());
}

TEST(Registrar, AuthenticatingAsSomeoneElseIsReportedAsSuch) {
  Fixture f;
  f.register_as("bob", "builder", "alice@example.org", "<sip:bob@192.0.2.6>");
  auto failure = f.registrar.poll_auth_failure();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->username, "bob");
  EXPECT_EQ(failure->aor, "alice@example.org");
  EXPECT_EQ(failure->reason, "authenticated, but not as the owner of the address");
}

TEST(Registrar, BobCannotRegisterAlicesAddress) {
  Fixture f;
  Message r = f.register_as("bob", "builder", "alice@example.org", "<sip:bob@192.0.2.6>");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(f.locations.size(), 0u);
}

TEST(Registrar, OtherDomainsAreNotServed) {
  Fixture f;
  Message r = f.registrar.handle_register(t0, f.request("alice@elsewhere.example", "<sip:a@192.0.2.5>"), f.source, f.rng);
  EXPECT_EQ(r.status, 404);
}

TEST(Registrar, TooShortAnExpiryIsRefusedWithMinExpires) {
  Fixture f;
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>;expires=10");
  EXPECT_EQ(r.status, 423);
  EXPECT_EQ(r.value(HeaderId::min_expires), "60");
}

TEST(Registrar, ExpiryIsCappedAndBindingsLapse) {
  Fixture f;
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>", "Expires: 100000\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(contact_expires(r.contact()->contacts[0]), 7200u);
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0 + std::chrono::seconds(7199)).size(), 1u);
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0 + std::chrono::seconds(7200)).size(), 0u);
  EXPECT_EQ(f.locations.expire(t0 + std::chrono::seconds(7200)), 1u);
}

TEST(Registrar, TwoDevicesOfOneUserAreBothRegistered) {
  Fixture f;
  ASSERT_EQ(f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>").status, 200);
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.7>;q=0.5", "", t0,
                            "call-2");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.contact()->contacts.size(), 2u);
  auto b = f.locations.lookup("alice@example.org", t0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].q, 1000);  // best first
}

TEST(Registrar, ExpiresZeroRemovesOneAndStarRemovesAll) {
  Fixture f;
  f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>");
  f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.7>", "", t0, "call-2");
  f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>;expires=0");
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0).size(), 1u);
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "*", "Expires: 0\r\n", t0, "call-3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0).size(), 0u);
}

TEST(Registrar, AStarWithoutExpiresZeroIsABadRequest) {
  Fixture f;
  EXPECT_EQ(f.register_as("alice", "wonderland", "alice@example.org", "*").status, 400);
}

TEST(Registrar, AnOldCSeqOnTheSameCallIdIsRefused) {
  Fixture f;
  f.cseq = 10;
  ASSERT_EQ(f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>").status, 200);
  f.cseq = 5;
  EXPECT_EQ(f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>").status, 500);
}

TEST(Registrar, AnOutboundBindingFollowsItsFlowAndDiesWithIt) {
  Fixture f;
  f.source = {Transport::tcp, *SocketAddress::parse("198.51.100.2:50000"), *SocketAddress::parse("203.0.113.10:5060"), 7};
  Message r = f.register_as("alice", "wonderland", "alice@example.org",
                            "<sip:alice@192.0.2.5;transport=tcp;ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1",
                            "Supported: outbound, path\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.value(HeaderId::require), "outbound");
  auto b = f.locations.lookup("alice@example.org", t0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].flow, 7u);
  EXPECT_EQ(b[0].instance_id, "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
  f.locations.flow_closed(7);
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0).size(), 0u);
}

TEST(Registrar, PathIsStoredAndEchoed) {
  Fixture f;
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>",
                            "Path: <sip:edge.example.org;lr>\r\nSupported: path\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.value(HeaderId::path), "<sip:edge.example.org;lr>");
  EXPECT_EQ(f.locations.lookup("alice@example.org", t0)[0].path, std::vector<std::string>{"<sip:edge.example.org;lr>"});
}

TEST(Registrar, AnUnsupportedRequiredExtensionGets420) {
  Fixture f;
  Message r = f.registrar.handle_register(t0, f.request("alice@example.org", "<sip:a@192.0.2.5>", "Require: gruu-x\r\n"),
                                          f.source, f.rng);
  EXPECT_EQ(r.status, 420);
  EXPECT_EQ(r.value(HeaderId::unsupported), "gruu-x");
}

TEST(Registrar, AFetchWithoutContactListsTheBindings) {
  Fixture f;
  f.register_as("alice", "wonderland", "alice@example.org", "<sip:alice@192.0.2.5>");
  Message r = f.register_as("alice", "wonderland", "alice@example.org", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.contact()->contacts.size(), 1u);
}
