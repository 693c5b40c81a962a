// The conversions PEP keeps in step: XEP-0402 bookmarks and XEP-0048's
// storage:bookmarks (#compat, #compat-pep), and XEP-0398 avatars — a
// XEP-0084 publish becomes the vCard PHOTO and a PHOTO the XEP-0084 nodes,
// with the hash in the user's presence.
#include <algorithm>

#include "router_play.hpp"
#include "xmpp/pep.hpp"
#include "xmpp/vcard.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

// A 1x1 PNG: its base64, hex SHA-1 and size.
const std::string png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const std::string png_sha1 = "c7a9c45fd419815a5ab1998503a9f03514c0e229";

const std::string publish_options =
    "<publish-options><x xmlns='jabber:x:data' type='submit'>"
    "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
    "<field var='pubsub#persist_items'><value>true</value></field>"
    "<field var='pubsub#max_items'><value>max</value></field>"
    "<field var='pubsub#send_last_published_item'><value>never</value></field>"
    "<field var='pubsub#access_model'><value>whitelist</value></field></x></publish-options>";

class PepCompat : public RouterPlay {
 protected:
  PepCompat() {
    PepConfig pc;
    pc.wall_clock = [](Instant) { return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)); };
    pc.max_vcard_bytes = 4096;
    register_vcards(router, store, 4096, register_pep(router, store, rng, std::move(pc)));
  }

  std::string one(const Client& c, std::string_view stanza) {
    send(c, stanza);
    auto lines = inbox(c);
    auto it = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("<iq"); });
    return it == lines.end() ? "" : *it;
  }
  std::string legacy(const Client& c) {
    return one(c, "<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/>"
                  "</query></iq>");
  }
  std::string items(const Client& c, std::string_view node) {
    return one(c, "<iq type='get' id='i'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='" +
                      std::string(node) + "'/></pubsub></iq>");
  }
  std::string publish(const Client& c, std::string_view node, std::string_view id, std::string_view payload,
                      std::string_view options = "") {
    return one(c, "<iq type='set' id='p'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" +
                      std::string(node) + "'><item id='" + std::string(id) + "'>" + std::string(payload) +
                      "</item></publish>" + std::string(options) + "</pubsub></iq>");
  }
  static bool contains(const std::string& s, std::string_view needle) { return s.find(needle) != std::string::npos; }
};

}  // namespace

TEST_F(PepCompat, TheAccountAdvertisesBothConversions) {
  Client alice = login("alice@example.com", "desktop");
  std::string info = one(alice, "<iq type='get' id='d' to='alice@example.com'>"
                                "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_TRUE(contains(info, "<feature var='urn:xmpp:pep-vcard-conversion:0'/>")) << info;
  EXPECT_TRUE(contains(info, "<feature var='urn:xmpp:bookmarks:1#compat'/>")) << info;
  EXPECT_TRUE(contains(info, "<feature var='urn:xmpp:bookmarks:1#compat-pep'/>")) << info;
}

TEST_F(PepCompat, Xep0402BookmarksAreSeenAsLegacyStorage) {
  Client alice = login("alice@example.com", "desktop");
  std::string r = publish(alice, "urn:xmpp:bookmarks:1", "council@conference.example.com",
                          "<conference xmlns='urn:xmpp:bookmarks:1' name='The Council' autojoin='1'>"
                          "<nick>Alice</nick><extensions><x xmlns='urn:example'/></extensions></conference>",
                          publish_options);
  ASSERT_TRUE(contains(r, "type='result'")) << r;
  publish(alice, "urn:xmpp:bookmarks:1", "orchard@conference.example.com",
          "<conference xmlns='urn:xmpp:bookmarks:1'/>", publish_options);
  EXPECT_EQ(legacy(alice),
            "<iq to='alice@example.com/desktop' id='g' type='result'><query xmlns='jabber:iq:private'>"
            "<storage xmlns='storage:bookmarks'>"
            "<conference jid='council@conference.example.com' name='The Council' autojoin='true'><nick>Alice</nick>"
            "</conference><conference jid='orchard@conference.example.com' autojoin='false'/></storage></query></iq>");
  // A retraction takes it out.
  one(alice, "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
             "<retract node='urn:xmpp:bookmarks:1' notify='true'><item id='council@conference.example.com'/>"
             "</retract></pubsub></iq>");
  std::string after = legacy(alice);
  EXPECT_FALSE(contains(after, "council@")) << after;
  EXPECT_TRUE(contains(after, "orchard@")) << after;
  // Still the one node: the legacy write did not come back as a 0402 change.
  std::string bookmarks = items(alice, "urn:xmpp:bookmarks:1");
  EXPECT_TRUE(contains(bookmarks, "<item id='orchard@conference.example.com'>")) << bookmarks;
  EXPECT_FALSE(contains(bookmarks, "council@")) << bookmarks;
}

TEST_F(PepCompat, LegacyStorageIsSeenAsXep0402Items) {
  Client alice = login("alice@example.com", "desktop");
  // The 0402 client had an item with extensions for the council.
  publish(alice, "urn:xmpp:bookmarks:1", "council@conference.example.com",
          "<conference xmlns='urn:xmpp:bookmarks:1' autojoin='true'><nick>A</nick>"
          "<extensions><x xmlns='urn:example'/></extensions></conference>",
          publish_options);
  // The legacy client stores two rooms (and a URL), the council renamed.
  std::string r = one(alice, "<iq type='set' id='s'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
                             "<conference jid='council@conference.example.com' name='Council' autojoin='true'>"
                             "<nick>A</nick></conference>"
                             "<conference jid='heath@conference.example.com' name='Heath'><nick>B</nick>"
                             "<password>pw</password></conference>"
                             "<url url='https://example.com' name='home'/></storage></query></iq>");
  ASSERT_TRUE(contains(r, "type='result'")) << r;
  std::string bookmarks = items(alice, "urn:xmpp:bookmarks:1");
  EXPECT_TRUE(contains(bookmarks, "<item id='council@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1' "
                                  "name='Council' autojoin='true'><nick>A</nick><extensions>"))
      << bookmarks;
  EXPECT_TRUE(contains(bookmarks, "<item id='heath@conference.example.com'><conference xmlns='urn:xmpp:bookmarks:1' "
                                  "name='Heath'><nick>B</nick><password>pw</password></conference></item>"))
      << bookmarks;
  // The legacy form is as stored (the URL kept).
  EXPECT_TRUE(contains(legacy(alice), "<url url='https://example.com' name='home'/>"));

  // The council dropped from the legacy list: retracted from the 0402 node.
  one(alice, "<iq type='set' id='s2'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
             "<conference jid='heath@conference.example.com' name='Heath'><nick>B</nick><password>pw</password>"
             "</conference></storage></query></iq>");
  bookmarks = items(alice, "urn:xmpp:bookmarks:1");
  EXPECT_FALSE(contains(bookmarks, "council@")) << bookmarks;
  EXPECT_TRUE(contains(bookmarks, "heath@")) << bookmarks;
}

TEST_F(PepCompat, AnAvatarPublishBecomesTheVcardPhotoAndItsHashGoesIntoPresence) {
  Client alice = login("alice@example.com", "desktop");
  one(alice, "<iq type='set' id='v'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>");
  publish(alice, "urn:xmpp:avatar:data", png_sha1, "<data xmlns='urn:xmpp:avatar:data'>" + png + "</data>");
  publish(alice, "urn:xmpp:avatar:metadata", png_sha1,
          "<metadata xmlns='urn:xmpp:avatar:metadata'><info id='" + png_sha1 + "' bytes='70' type='image/png'/>"
          "</metadata>");
  Client bob = login("bob@example.com", "desk");
  std::string vcard = one(bob, "<iq type='get' id='vc' to='alice@example.com'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_TRUE(contains(vcard, "<vCard xmlns='vcard-temp'><FN>Alice</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>" + png +
                                  "</BINVAL></PHOTO></vCard>"))
      << vcard;

  // Her next presence carries the hash, replacing a stale one.
  send(alice, "<presence><x xmlns='vcard-temp:x:update'><photo>stale</photo></x></presence>");
  auto lines = inbox(alice);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(contains(lines[0], "<x xmlns='vcard-temp:x:update'><photo>" + png_sha1 + "</photo></x>")) << lines[0];
  // "Not ready" (an empty <x/>) is the client's to say.
  send(alice, "<presence><x xmlns='vcard-temp:x:update'/></presence>");
  lines = inbox(alice);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(contains(lines[0], "<x xmlns='vcard-temp:x:update'/>")) << lines[0];

  // Empty metadata: no avatar, no PHOTO.
  publish(alice, "urn:xmpp:avatar:metadata", "none", "<metadata xmlns='urn:xmpp:avatar:metadata'/>");
  vcard = one(bob, "<iq type='get' id='vc' to='alice@example.com'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_TRUE(contains(vcard, "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")) << vcard;
}

TEST_F(PepCompat, AnAvatarTooLargeForTheVcardStaysPepOnly) {
  Client alice = login("alice@example.com", "desktop");
  const std::string big(6000, 'A');  // base64 of zeros: larger than the 4096-byte vCard limit
  publish(alice, "urn:xmpp:avatar:data", "big", "<data xmlns='urn:xmpp:avatar:data'>" + big + "</data>");
  publish(alice, "urn:xmpp:avatar:metadata", "big",
          "<metadata xmlns='urn:xmpp:avatar:metadata'><info id='big' bytes='4500' type='image/png'/></metadata>");
  std::string vcard = one(alice, "<iq type='get' id='vc'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_FALSE(contains(vcard, "PHOTO")) << vcard;
}

TEST_F(PepCompat, AVcardPhotoBecomesTheXep0084Avatar) {
  Client alice = login("alice@example.com", "desktop");
  std::string r = one(alice, "<iq type='set' id='v'><vCard xmlns='vcard-temp'><FN>Alice</FN><PHOTO>"
                             "<TYPE>image/png</TYPE><BINVAL>\n" + png.substr(0, 40) + "\n" + png.substr(40) +
                             "</BINVAL></PHOTO></vCard></iq>");
  ASSERT_EQ(r, "<iq to='alice@example.com/desktop' id='v' type='result'/>");
  std::string meta = items(alice, "urn:xmpp:avatar:metadata");
  EXPECT_TRUE(contains(meta, "<item id='" + png_sha1 + "'><metadata xmlns='urn:xmpp:avatar:metadata'><info id='" +
                                 png_sha1 + "' bytes='70' type='image/png'/></metadata></item>"))
      << meta;
  std::string data = items(alice, "urn:xmpp:avatar:data");
  EXPECT_TRUE(contains(data, "<item id='" + png_sha1 + "'><data xmlns='urn:xmpp:avatar:data'>" + png + "</data>"))
      << data;
  // Setting the same vCard again publishes nothing new; one without a PHOTO empties the metadata.
  one(alice, "<iq type='set' id='v2'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>");
  meta = items(alice, "urn:xmpp:avatar:metadata");
  EXPECT_TRUE(contains(meta, "<metadata xmlns='urn:xmpp:avatar:metadata'/>")) << meta;
  EXPECT_FALSE(contains(meta, "<info")) << meta;
  // Presence now says: no avatar.
  send(alice, "<presence><x xmlns='vcard-temp:x:update'><photo>" + png_sha1 + "</photo></x></presence>");
  auto lines = inbox(alice);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(contains(lines[0], "<x xmlns='vcard-temp:x:update'><photo/></x>")) << lines[0];
}
