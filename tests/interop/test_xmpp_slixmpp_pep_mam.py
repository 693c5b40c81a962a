"""confabd's message archive (XEP-0313), personal eventing (XEP-0163 over
XEP-0060) and entity capabilities (XEP-0115) against slixmpp's own plugins
(Debian's python3-slixmpp): xep_0313 with xep_0059 paging, xep_0163,
xep_0107 (user mood), xep_0084 (avatars) and xep_0115, on loopback.

- The archive: 30 messages between alice and bob, confabd killed with
  SIGKILL, restarted on the same data directory; alice's archive is then
  fetched page by page (10 at a time) forwards and backwards, filtered by
  JID, and every message she received live carried the <stanza-id/> the
  archive gives.
- PEP: alice, bob and carol share presence; bob's client declares interest
  in moods (+notify in its caps), carol's does not. alice publishes a mood:
  bob (and alice's own resource) get the notification, carol does not; a
  new resource of bob gets the last published mood on coming online.
  alice's avatar (data and metadata nodes) is fetched by bob by item id.

Each test starts its own confabd; every wait is bounded. CONFAB_XMPP_DEBUG=1
logs every stanza (slixmpp's DEBUG log)."""
import asyncio
import base64
import signal
import sys
import unittest

try:
    import slixmpp
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd
# The same client as the core slixmpp tests: trusts confabd's certificate,
# records what it receives, bounded waits.
from test_xmpp_slixmpp import Client, DOMAIN, PASSWORD, STEP

TEST = 40.0  # the longest one test may take
EVENT = "{http://jabber.org/protocol/pubsub#event}event"
MOOD = "http://jabber.org/protocol/mood"


def mood_event(message):
    event = message.xml.find(EVENT)
    return event is not None and event.find(f"{{http://jabber.org/protocol/pubsub#event}}items[@node='{MOOD}']") is not None


class PepMamClient(Client):
    """Client plus the plugins under test; `interests`: register user mood
    (its +notify goes into the caps) or not. Records the server's disco#info
    queries for its caps (node#ver)."""

    def __init__(self, daemon, jid, *, mood=True):
        super().__init__(daemon, jid)
        for plugin in ("xep_0004", "xep_0059", "xep_0060", "xep_0115", "xep_0163", "xep_0313", "xep_0084"):
            self.register_plugin(plugin)
        if mood:
            self.register_plugin("xep_0107")
        self.caps_queries = 0
        self.register_handler(Callback("caps query", MatchXPath("{jabber:client}iq/{http://jabber.org/protocol/disco#info}query"),
                                       self._caps_query))

    def _caps_query(self, iq):
        if iq["type"] == "get" and "#" in (iq["disco_info"]["node"] or "") and str(iq["from"]) == DOMAIN:
            self.caps_queries += 1
            self._arrived.set()

    async def online(self, resource_caps_known=False):
        """Logs in, makes sure the caps (with +notify) are computed, sends
        initial presence and waits for it to come back; unless the ver is
        known to the server already, also waits until the server has asked
        for it (and then a moment for the answer to reach it)."""
        await self.login(roster=True)
        await self["xep_0115"].update_caps(broadcast=False)
        self.send_presence()
        own = str(self.boundjid)
        await self._until(lambda: next((s for k, s in self.received if k == "presence" and str(s["from"]) == own), None),
                          "own initial presence", STEP)
        if not resource_caps_known:
            await self._until(lambda: True if self.caps_queries else None, "the server's caps query", STEP)
            await asyncio.sleep(0.2)
        return self


async def share_presence(a, b):
    """RFC 6121 §3 both ways, each step waited for."""
    a_jid, b_jid = a.boundjid.bare, b.boundjid.bare
    a.send_presence(pto=b_jid, ptype="subscribe")
    await b.expect("presence", type="subscribe", frm=a_jid)
    b.send_presence(pto=a_jid, ptype="subscribed")
    await a.expect("presence", type="subscribed", frm=b_jid)
    b.send_presence(pto=a_jid, ptype="subscribe")
    await a.expect("presence", type="subscribe", frm=b_jid)
    a.send_presence(pto=b_jid, ptype="subscribed")
    await b.expect("presence", type="subscribed", frm=a_jid)


class PepAndMamAgainstSlixmpp(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(xmpp=True).__enter__()
        for user in ("alice", "bob", "carol"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid, **kwargs):
        c = PepMamClient(self.d, jid, **kwargs)
        self.clients.append(c)
        return c

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(c.close() for c in self.clients))
                self.clients = []
        return asyncio.run(main())

    def test_the_archive_is_paged_after_a_kill_and_restart(self):
        alice_jid, bob_jid = f"alice@{DOMAIN}", f"bob@{DOMAIN}"

        async def talk():
            alice = await self.client(f"{alice_jid}/desk").login(presence="here")
            bob = await self.client(f"{bob_jid}/phone").login(presence="here")
            for i in range(25):
                bob.send_message(mto=alice_jid, mbody=f"m{i:02}", mtype="chat")
            for i in range(25):
                m = await alice.expect("message", body=f"m{i:02}")
                sid = m.xml.find("{urn:xmpp:sid:0}stanza-id")
                self.assertIsNotNone(sid, str(m))
                self.assertEqual(sid.get("by"), alice_jid)
            for i in range(5):
                alice.send_message(mto=bob_jid, mbody=f"r{i}", mtype="chat")
            for i in range(5):
                await bob.expect("message", body=f"r{i}")
        self.in_loop(talk)

        # Every message was committed before it was delivered: a kill -9 loses none.
        self.d.stop(signal.SIGKILL)
        self.d = Confabd(xmpp=True, data_dir=self.d.dir).__enter__()

        def bodies(page):
            return [str(r["mam_result"]["forwarded"]["stanza"]["body"]) for r in page["mam"]["results"]]

        async def read():
            alice = await self.client(f"{alice_jid}/laptop").login()
            info = await alice["xep_0030"].get_info(jid=alice_jid, timeout=STEP)
            self.assertIn("urn:xmpp:mam:2", info["disco_info"]["features"])
            everything = [f"m{i:02}" for i in range(25)] + [f"r{i}" for i in range(5)]

            pages = []
            async for page in alice["xep_0313"].retrieve(iterator=True, rsm={"max": 10}):
                pages.append(bodies(page))
            self.assertEqual(pages, [everything[0:10], everything[10:20], everything[20:30]])

            backwards = []
            async for page in alice["xep_0313"].retrieve(iterator=True, reverse=True, rsm={"max": 10}):
                backwards.append(bodies(page))
            self.assertEqual(backwards, [everything[20:30], everything[10:20], everything[0:10]])

            only_bob = await alice["xep_0313"].retrieve(with_jid=slixmpp.JID(bob_jid), timeout=STEP)
            self.assertEqual([str(r["mam_result"]["forwarded"]["stanza"]["body"]) for r in only_bob["mam"]["results"]],
                             everything)
            # slixmpp's <fin/> has no 'complete' interface: read the attribute.
            self.assertEqual(only_bob.xml.find("{urn:xmpp:mam:2}fin").get("complete"), "true")
            self.assertEqual(only_bob["mam_fin"]["rsm"]["count"], "30")

            nobody = await alice["xep_0313"].retrieve(with_jid=slixmpp.JID(f"carol@{DOMAIN}"), timeout=STEP)
            self.assertEqual(len(nobody["mam"]["results"]), 0)

            bob = await self.client(f"{bob_jid}/phone").login()
            pages = []
            async for page in bob["xep_0313"].retrieve(iterator=True, rsm={"max": 10}):
                pages.append(bodies(page))
            self.assertEqual(sum(pages, []), everything)
        self.in_loop(read)

    def test_pep_notifications_follow_plus_notify_caps(self):
        alice_jid = f"alice@{DOMAIN}"

        async def body():
            alice = await self.client(f"{alice_jid}/desk").online()
            # bob's client has alice's features, so its caps ver is known already.
            bob = await self.client(f"bob@{DOMAIN}/phone").online(resource_caps_known=True)
            carol = await self.client(f"carol@{DOMAIN}/pc", mood=False).online()
            await share_presence(alice, bob)
            await share_presence(alice, carol)

            info = await bob["xep_0030"].get_info(jid=alice_jid, timeout=STEP)
            self.assertIn(("pubsub", "pep", None, None), info["disco_info"]["identities"])

            await alice["xep_0107"].publish_mood("happy", text="sunny", timeout=STEP)
            got = await bob.expect("message", where=mood_event, what="alice's mood")
            self.assertEqual(str(got["from"]), alice_jid)
            self.assertEqual(got["type"], "headline")
            self.assertEqual(got["pubsub_event"]["items"]["item"]["mood"]["value"], "happy")
            await alice.expect("message", where=mood_event, what="her own mood")  # the owner's resources too
            await carol.nothing("message", where=mood_event, seconds=1.0)

            # The last item follows a new resource's initial presence (caps known: no new query).
            tablet = await self.client(f"bob@{DOMAIN}/tablet").online(resource_caps_known=True)
            last = await tablet.expect("message", where=mood_event, what="the last mood")
            self.assertIsNotNone(last.xml.find("{urn:xmpp:delay}delay"))
            self.assertEqual(tablet.caps_queries, 0)
            other = await self.client(f"carol@{DOMAIN}/laptop", mood=False).online(resource_caps_known=True)
            await other.nothing("message", where=mood_event, seconds=1.0)

            # XEP-0084: alice's avatar, fetched by id from her data node.
            png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
            avatar_id = alice["xep_0084"].generate_id(png)
            await alice["xep_0084"].publish_avatar(png, timeout=STEP)
            await alice["xep_0084"].publish_avatar_metadata(
                [{"id": avatar_id, "type": "image/png", "bytes": str(len(png)), "width": "1", "height": "1"}], timeout=STEP)
            fetched = await bob["xep_0084"].retrieve_avatar(slixmpp.JID(alice_jid), avatar_id, timeout=STEP)
            item = fetched["pubsub"]["items"]["item"]
            self.assertEqual(item["id"], avatar_id)
            self.assertEqual(item["avatar_data"]["value"], png)
        self.in_loop(body)


if __name__ == "__main__":
    unittest.main()
