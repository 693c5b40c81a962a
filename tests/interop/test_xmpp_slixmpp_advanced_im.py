"""The rest of XEP-0479's Advanced IM Server in confabd, against slixmpp's own
plugins (Debian's python3-slixmpp 1.8.3), on loopback:

- MAM for rooms (XEP-0313 §5): a persistent room's groupchat messages carry
  the room's <stanza-id/>; after a confabd kill -9 and restart a user who is
  not in the room fetches its history with xep_0313 against the room's JID,
  page by page (xep_0059), and filtered by an occupant's JID.
- XEP-0398: an avatar published with xep_0084 is alice's vCard PHOTO for
  xep_0054 (and its hash is in her presence); a vCard PHOTO published with
  xep_0054 becomes her XEP-0084 avatar (data and metadata nodes).
- XEP-0402 #compat: bookmarks published to urn:xmpp:bookmarks:1 (with the
  publish-options XEP-0402 asks) are seen by xep_0048 through private XML
  storage (XEP-0049), and bookmarks stored that way are seen as
  urn:xmpp:bookmarks:1 items, with notifications to a +notify client.

Each test starts its own confabd; every wait is bounded. CONFAB_XMPP_DEBUG=1
logs every stanza (slixmpp's DEBUG log)."""
import asyncio
import base64
import contextlib
import hashlib
import io
import signal
import sys
import unittest
import xml.etree.ElementTree as ET

try:
    import slixmpp
    from slixmpp.exceptions import IqError
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd
from test_xmpp_slixmpp import Client, DOMAIN, PASSWORD, STEP

TEST = 45.0  # the longest one test may take
MUC = f"conference.{DOMAIN}"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"
BOOKMARKS = "urn:xmpp:bookmarks:1"
EVENT = "{http://jabber.org/protocol/pubsub#event}event"
# Two 1x1 PNGs.
PNG_A = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
PNG_B = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


class AdvancedClient(Client):
    def __init__(self, daemon, jid):
        super().__init__(daemon, jid)
        for plugin in ("xep_0004", "xep_0045", "xep_0054", "xep_0059", "xep_0060", "xep_0082", "xep_0084",
                       "xep_0115", "xep_0163", "xep_0313", "xep_0048"):
            self.register_plugin(plugin)

    async def join(self, room, nick):
        with contextlib.redirect_stdout(io.StringIO()):  # slixmpp 1.8.3 prints each history delay
            return await self["xep_0045"].join_muc_wait(room, nick, timeout=STEP)

    async def configure(self, room, **fields):
        form = self["xep_0004"].make_form(ftype="submit")
        form.add_field(var="FORM_TYPE", ftype="hidden", value=ROOMCONFIG)
        for name, value in fields.items():
            form.add_field(var=f"muc#roomconfig_{name}", value=value)
        await self["xep_0045"].set_room_config(room, form, timeout=STEP)


def bodies(page):
    return [str(r["mam_result"]["forwarded"]["stanza"]["body"]) for r in page["mam"]["results"]]


def bookmark(name, nick, autojoin):
    c = ET.Element(f"{{{BOOKMARKS}}}conference", {"name": name, "autojoin": "true" if autojoin else "false"})
    ET.SubElement(c, f"{{{BOOKMARKS}}}nick").text = nick
    return c


class AdvancedImAgainstSlixmpp(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(xmpp=True).__enter__()
        for user in ("alice", "bob", "carol"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid):
        c = AdvancedClient(self.d, jid)
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

    def test_a_rooms_archive_is_paged_by_a_non_occupant_after_a_kill_and_restart(self):
        room = f"coven@{MUC}"
        said = [f"m{i:02}" for i in range(12)]

        async def talk():
            alice = await self.client(f"alice@{DOMAIN}/desk").login()
            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            await alice.join(room, "firstwitch")
            await alice.configure(room, persistentroom="1", roomname="The Coven")
            await bob.join(room, "secondwitch")
            info = await bob["xep_0030"].get_info(jid=room, timeout=STEP)
            self.assertIn("urn:xmpp:mam:2", info["disco_info"]["features"])
            for i, text in enumerate(said):
                # One at a time: two connections' messages have no order between them.
                (alice if i % 3 else bob).send_message(mto=room, mbody=text, mtype="groupchat")
                m = await bob.expect("message", body=text)
                sid = m.xml.find("{urn:xmpp:sid:0}stanza-id")
                self.assertIsNotNone(sid, str(m))
                self.assertEqual(sid.get("by"), room)
        self.in_loop(talk)

        # Each message was committed before it went out: a kill -9 loses none.
        self.d.stop(signal.SIGKILL)
        self.d = Confabd(xmpp=True, data_dir=self.d.dir).__enter__()

        async def read():
            carol = await self.client(f"carol@{DOMAIN}/pc").login()  # never in the room
            pages = []
            async for page in carol["xep_0313"].retrieve(jid=slixmpp.JID(room), iterator=True, rsm={"max": 5}):
                pages.append(bodies(page))
            self.assertEqual(pages, [said[0:5], said[5:10], said[10:12]])
            backwards = []
            async for page in carol["xep_0313"].retrieve(jid=slixmpp.JID(room), iterator=True, reverse=True,
                                                         rsm={"max": 5}):
                backwards.append(bodies(page))
            self.assertEqual(backwards, [said[7:12], said[2:7], said[0:2]])
            bob_only = await carol["xep_0313"].retrieve(jid=slixmpp.JID(room), with_jid=slixmpp.JID(f"{room}/secondwitch"),
                                                        timeout=STEP)
            self.assertEqual(bodies(bob_only), said[0::3])
            first = bob_only["mam"]["results"][0]["mam_result"]["forwarded"]["stanza"]
            self.assertEqual(str(first["from"]), f"{room}/secondwitch")
        self.in_loop(read)

    def test_avatars_and_vcard_photos_are_one(self):
        alice_jid = f"alice@{DOMAIN}"

        async def body():
            alice = await self.client(f"{alice_jid}/desk").login(presence="here")
            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            info = await alice["xep_0030"].get_info(jid=alice_jid, timeout=STEP)
            self.assertIn("urn:xmpp:pep-vcard-conversion:0", info["disco_info"]["features"])

            # XEP-0084 -> vCard.
            avatar_id = alice["xep_0084"].generate_id(PNG_A)
            await alice["xep_0084"].publish_avatar(PNG_A, timeout=STEP)
            await alice["xep_0084"].publish_avatar_metadata(
                [{"id": avatar_id, "type": "image/png", "bytes": str(len(PNG_A))}], timeout=STEP)
            vcard = await bob["xep_0054"].get_vcard(slixmpp.JID(alice_jid), timeout=STEP)
            photo = vcard["vcard_temp"]["PHOTO"]
            self.assertEqual(photo["TYPE"], "image/png")
            self.assertEqual(photo["BINVAL"], PNG_A)
            # ...and its hash goes out in her presence (XEP-0153).
            alice.send_presence(pstatus="new face")
            p = await alice.expect("presence", where=lambda s: s["status"] == "new face")
            update = p.xml.find("{vcard-temp:x:update}x")
            self.assertIsNotNone(update, str(p))
            self.assertEqual(update.findtext("{vcard-temp:x:update}photo"), hashlib.sha1(PNG_A).hexdigest())

            # vCard -> XEP-0084.
            card = alice["xep_0054"].make_vcard()
            card["FN"] = "Alice"
            card["PHOTO"]["TYPE"] = "image/png"
            card["PHOTO"]["BINVAL"] = PNG_B
            await alice["xep_0054"].publish_vcard(card, timeout=STEP)
            new_id = hashlib.sha1(PNG_B).hexdigest()
            metadata = await alice["xep_0060"].get_items(slixmpp.JID(alice_jid), "urn:xmpp:avatar:metadata",
                                                         timeout=STEP)
            items = list(metadata["pubsub"]["items"])
            info = items[-1].xml.find("{urn:xmpp:avatar:metadata}metadata/{urn:xmpp:avatar:metadata}info")
            self.assertIsNotNone(info, str(metadata))
            self.assertEqual(info.get("id"), new_id)
            self.assertEqual(info.get("bytes"), str(len(PNG_B)))
            data = await alice["xep_0084"].retrieve_avatar(slixmpp.JID(alice_jid), new_id, timeout=STEP)
            self.assertEqual(data["pubsub"]["items"]["item"]["avatar_data"]["value"], PNG_B)
            # The vCard kept the rest.
            vcard = await bob["xep_0054"].get_vcard(slixmpp.JID(alice_jid), timeout=STEP)
            self.assertEqual(vcard["vcard_temp"]["FN"], "Alice")
        self.in_loop(body)

    def test_xep_0402_and_private_xml_bookmarks_are_one(self):
        alice_jid = f"alice@{DOMAIN}"

        async def body():
            new = self.client(f"{alice_jid}/new")
            # A XEP-0402 client: +notify for the bookmarks node in its caps.
            new["xep_0030"].add_feature(f"{BOOKMARKS}+notify")
            await new.login()
            await new["xep_0115"].update_caps(broadcast=False)
            new.send_presence()
            old = await self.client(f"{alice_jid}/old").login()
            info = await new["xep_0030"].get_info(jid=alice_jid, timeout=STEP)
            self.assertIn(f"{BOOKMARKS}#compat", info["disco_info"]["features"])

            # XEP-0402 §3.3: publish with the options it asks.
            options = new["xep_0004"].make_form(ftype="submit")
            options.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
            options.add_field(var="pubsub#persist_items", value="true")
            options.add_field(var="pubsub#max_items", value="max")
            options.add_field(var="pubsub#send_last_published_item", value="never")
            options.add_field(var="pubsub#access_model", value="whitelist")
            await new["xep_0060"].publish(slixmpp.JID(alice_jid), BOOKMARKS, id=f"coven@{MUC}",
                                          payload=bookmark("The Coven", "firstwitch", True), options=options,
                                          timeout=STEP)
            got = await old["xep_0048"].get_bookmarks(method="xep_0049", timeout=STEP)
            conferences = got["private"]["bookmarks"]["conferences"]
            self.assertEqual([(str(c["jid"]), c["name"], c["nick"], c["autojoin"]) for c in conferences],
                             [(f"coven@{MUC}", "The Coven", "firstwitch", True)])

            # The other way: the legacy client stores another list.
            storage = old["xep_0048"].stanza.Bookmarks()
            storage.add_conference(f"heath@{MUC}", "secondwitch", name="The Heath", autojoin=False)
            await old["xep_0048"].set_bookmarks(storage, method="xep_0049", timeout=STEP)
            items = await new["xep_0060"].get_items(slixmpp.JID(alice_jid), BOOKMARKS, timeout=STEP)
            found = {i["id"]: i.xml.find(f"{{{BOOKMARKS}}}conference") for i in items["pubsub"]["items"]}
            self.assertEqual(list(found), [f"heath@{MUC}"])
            self.assertEqual(found[f"heath@{MUC}"].get("name"), "The Heath")
            self.assertEqual(found[f"heath@{MUC}"].findtext(f"{{{BOOKMARKS}}}nick"), "secondwitch")
            # ...and the XEP-0402 client was told: the new room, the old one retracted.

            def event(kind, item_id):
                def match(m):
                    e = m.xml.find(EVENT)
                    return e is not None and e.find(
                        f"{{http://jabber.org/protocol/pubsub#event}}items/{{http://jabber.org/protocol/pubsub#event}}{kind}[@id='{item_id}']") is not None
                return match
            await new.expect("message", where=event("item", f"heath@{MUC}"), what="the new bookmark")
            await new.expect("message", where=event("retract", f"coven@{MUC}"), what="the retraction")
        self.in_loop(body)


if __name__ == "__main__":
    unittest.main()
