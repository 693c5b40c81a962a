// XEP-0363's XMPP side through the router: alice asks upload.example.com
// what it is and for slots; the service answers or refuses as §2 and §4 show.
#include <gtest/gtest.h>

#include <set>

#include "router_play.hpp"
#include "xmpp/upload_component.hpp"

namespace confab::xmpp::test {
namespace {

// What the HTTP side would know: bytes stored per owner, slots stored.
struct FakeStore final : UploadQuota {
  std::map<std::string, std::uint64_t, std::less<>> by_owner;
  std::set<std::string, std::less<>> stored;
  std::uint64_t total = 0;
  std::uint64_t stored_bytes(std::string_view owner) const override {
    auto it = by_owner.find(owner);
    return it == by_owner.end() ? 0 : it->second;
  }
  std::uint64_t total_stored_bytes() const override { return total; }
  bool is_stored(std::string_view id) const override { return stored.contains(id); }
};

std::chrono::system_clock::time_point wall(Instant now) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1704067200)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(now - Instant{});
}

class UploadPlay : public RouterPlay {
 protected:
  static UploadConfig upload_config() {
    UploadConfig c;
    c.domain = "upload.example.com";
    c.base_url = "https://example.com:5443";
    c.max_file_size = 1000;
    c.quota_per_user = 2500;
    c.slots_per_minute = 6;
    c.slot_burst = 3;
    return c;
  }
  UploadPlay() { EXPECT_TRUE(router.add_component(upload)); }

  // alice's slot request; the one stanza she gets back.
  std::string request(const Client& c, std::string_view attrs) {
    send(c, "<iq to='upload.example.com' type='get' id='s1'><request xmlns='urn:xmpp:http:upload:0' " +
                std::string(attrs) + "/></iq>");
    auto got_back = inbox(c);
    EXPECT_EQ(got_back.size(), 1u);
    return got_back.empty() ? "" : got_back.front();
  }

  FakeStore quota;
  SeededRng slot_rng{3};
  Bytes secret = Bytes(32, 1);
  UploadComponent upload{upload_config(), secret, quota, slot_rng, wall};
};

TEST_F(UploadPlay, TheServerListsTheUploadServiceInItsDiscoItems) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='example.com' type='get' id='i1'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  auto got_back = inbox(alice);
  ASSERT_EQ(got_back.size(), 1u);
  EXPECT_NE(got_back[0].find("<item jid='upload.example.com' name='HTTP File Upload'/>"), std::string::npos) << got_back[0];
}

TEST_F(UploadPlay, DiscoInfoShowsStoreFileAndTheMaxFileSizeForm) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='upload.example.com' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto got_back = inbox(alice);
  ASSERT_EQ(got_back.size(), 1u);
  const std::string& r = got_back[0];
  EXPECT_NE(r.find("type='result'"), std::string::npos);
  EXPECT_NE(r.find("<identity category='store' type='file' name='HTTP File Upload'/>"), std::string::npos) << r;
  EXPECT_NE(r.find("<feature var='urn:xmpp:http:upload:0'/>"), std::string::npos);
  EXPECT_NE(r.find("<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("<field var='max-file-size'><value>1000</value></field>"), std::string::npos) << r;
}

TEST_F(UploadPlay, ASlotHasASignedPutUrlAndAGetUrl) {
  Client alice = login("alice@example.com", "phone");
  const std::string r = request(alice, "filename='très cool.jpg' size='500' content-type='image/jpeg'");
  EXPECT_NE(r.find("<iq from='upload.example.com' to='alice@example.com/phone' id='s1' type='result'>"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("<slot xmlns='urn:xmpp:http:upload:0'><put url='https://example.com:5443/upload/"), std::string::npos);
  EXPECT_NE(r.find("/tr%C3%A8s%20cool.jpg?size=500&amp;type=image%2Fjpeg&amp;exp=1704067500&amp;owner=alice%40example.com&amp;sig="),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("<get url='https://example.com:5443/upload/"), std::string::npos);
  EXPECT_EQ(upload.counters().slots_issued, 1u);
}

TEST_F(UploadPlay, TheSlotsSignatureIsOneTheHttpSideAccepts) {
  Client alice = login("alice@example.com", "phone");
  const std::string r = request(alice, "filename='a.bin' size='10'");
  const auto start = r.find("put url='") + 9;
  std::string url = r.substr(start, r.find('\'', start) - start);
  for (std::size_t p; (p = url.find("&amp;")) != std::string::npos;) url.replace(p, 5, "&");
  auto target = http::parse_origin_form(url.substr(url.find("/upload/")));
  ASSERT_TRUE(target);
  auto s = slot_from_put_target(*target);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->slot.owner, "alice@example.com");
  EXPECT_EQ(s->slot.content_type, "");
  EXPECT_TRUE(verify_slot_signature(s->slot, secret, s->signature));
}

TEST_F(UploadPlay, AFileOverTheLimitIsNotAcceptableWithMaxFileSize) {
  Client alice = login("alice@example.com", "phone");
  const std::string r = request(alice, "filename='big.iso' size='1001'");
  EXPECT_NE(r.find("type='error'"), std::string::npos);
  EXPECT_NE(r.find("<error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("<file-too-large xmlns='urn:xmpp:http:upload:0'><max-file-size>1000</max-file-size></file-too-large>"),
            std::string::npos)
      << r;
  EXPECT_EQ(upload.counters().too_large, 1u);
}

TEST_F(UploadPlay, QuotaCountsStoredFilesAndSlotsNotYetUsed) {
  Client alice = login("alice@example.com", "phone");
  quota.by_owner["alice@example.com"] = 1000;
  EXPECT_NE(request(alice, "filename='a' size='1000'").find("type='result'"), std::string::npos);
  // 1000 stored + 1000 reserved + 600 > 2500
  const std::string r = request(alice, "filename='b' size='600'");
  EXPECT_NE(r.find("<error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("Quota exceeded"), std::string::npos);
  // bob has his own quota
  Client bob = login("bob@example.com", "pc");
  EXPECT_NE(request(bob, "filename='b' size='600'").find("type='result'"), std::string::npos);
}

TEST_F(UploadPlay, AReservationEndsWhenTheSlotExpires) {
  Client alice = login("alice@example.com", "phone");
  quota.by_owner["alice@example.com"] = 1500;
  EXPECT_NE(request(alice, "filename='a' size='1000'").find("type='result'"), std::string::npos);
  EXPECT_NE(request(alice, "filename='b' size='100'").find("type='error'"), std::string::npos);
  now += std::chrono::seconds(301);
  EXPECT_NE(request(alice, "filename='b' size='100'").find("type='result'"), std::string::npos);
}

TEST_F(UploadPlay, TooManyRequestsAreResourceConstraintWithARetryStamp) {
  Client alice = login("alice@example.com", "phone");
  for (int i = 0; i < 3; ++i) EXPECT_NE(request(alice, "filename='a' size='1'").find("type='result'"), std::string::npos);
  const std::string r = request(alice, "filename='a' size='1'");
  EXPECT_NE(r.find("<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"), std::string::npos) << r;
  // 6 a minute: the next token 10 s later (2024-01-01T00:00:10Z, +1 s of rounding)
  EXPECT_NE(r.find("<retry xmlns='urn:xmpp:http:upload:0' stamp='2024-01-01T00:00:11Z'/>"), std::string::npos) << r;
  now += std::chrono::seconds(10);
  EXPECT_NE(request(alice, "filename='a' size='1'").find("type='result'"), std::string::npos);
  EXPECT_EQ(upload.counters().rate_limited, 1u);
}

TEST_F(UploadPlay, MalformedRequestsAreBadRequest) {
  Client alice = login("alice@example.com", "phone");
  for (const char* attrs : {"size='5'", "filename='a'", "filename='a' size='x'", "filename='a' size='-1'",
                            "filename='../etc/passwd' size='5'", "filename='a' size='5' content-type='nope'"}) {
    const std::string r = request(alice, attrs);
    EXPECT_NE(r.find("<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"), std::string::npos) << attrs << r;
  }
  send(alice, "<iq to='upload.example.com' type='set' id='s2'><request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/></iq>");
  EXPECT_NE(inbox(alice).at(0).find("bad-request"), std::string::npos);
}

TEST_F(UploadPlay, OtherPayloadsAreServiceUnavailableAndPingsAnswered) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='upload.example.com' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(inbox(alice), (Lines{"<iq from='upload.example.com' to='alice@example.com/phone' id='p1' type='result'/>"}));
  send(alice, "<iq to='upload.example.com' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
  EXPECT_NE(inbox(alice).at(0).find("service-unavailable"), std::string::npos);
  send(alice, "<message to='upload.example.com'><body>hi</body></message>");
  EXPECT_NE(inbox(alice).at(0).find("service-unavailable"), std::string::npos);
}

TEST(UploadConfigCheck, RefusesWhatCannotWork) {
  UploadConfig c;
  c.domain = "upload.example.com";
  c.base_url = "https://example.com:5443";
  EXPECT_FALSE(validate(c));
  c.base_url = "https://example.com/";
  EXPECT_TRUE(validate(c));
  c.base_url = "ftp://example.com";
  EXPECT_TRUE(validate(c));
}

}  // namespace
}  // namespace confab::xmpp::test
