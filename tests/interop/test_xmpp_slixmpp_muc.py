"""confabd's multi-user chat (XEP-0045, rooms on conference.example.org)
against slixmpp's own plugins (Debian's python3-slixmpp): xep_0045 for
rooms, xep_0249 for direct invitations, xep_0004 for the configuration
form, on loopback. And `confab room join` against a slixmpp occupant.

- A room's life: alice creates and configures a room, bob joins, they talk,
  carol joins late and gets the history (with the room's XEP-0203 delay),
  alice invites dave (XEP-0249), sets the subject, and kicks bob (307);
  XEP-0410 self-pings are answered while joined, not-acceptable after.
- Persistence: a persistent room (muc#roomconfig_persistentroom) keeps its
  configuration, subject, affiliations (member, admin, outcast) and history
  across a confabd kill -9 and restart; a temporary room is gone.
- `confab room join --send` posts a message a slixmpp occupant sees;
  `confab room join --json` prints the room's history, and what the slixmpp
  occupant says; a banned user, and one asking for a nick in use, get a
  clear error (exit 4).

Each test starts its own confabd; every wait is bounded. CONFAB_XMPP_DEBUG=1
logs every stanza (slixmpp's DEBUG log)."""
import asyncio
import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest

try:
    import slixmpp
    from slixmpp.exceptions import IqError, PresenceError
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import CONFAB, Confabd
from test_xmpp_slixmpp import Client, DOMAIN, PASSWORD, STEP

TEST = 45.0  # the longest one test may take
MUC = f"conference.{DOMAIN}"
MUC_USER = "http://jabber.org/protocol/muc#user"
ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"


def codes(presence):
    x = presence.xml.find(f"{{{MUC_USER}}}x")
    return {int(s.get("code")) for s in x.findall(f"{{{MUC_USER}}}status")} if x is not None else set()


def delay_from(message):
    d = message.xml.find("{urn:xmpp:delay}delay")
    return d.get("from") if d is not None else None


class MucClient(Client):
    def __init__(self, daemon, jid):
        super().__init__(daemon, jid)
        for plugin in ("xep_0004", "xep_0045", "xep_0082", "xep_0249"):
            self.register_plugin(plugin)

    async def join(self, room, nick, **kwargs):
        """join_muc_wait, quietly (slixmpp 1.8.3 prints each history delay)."""
        with contextlib.redirect_stdout(io.StringIO()):
            return await self["xep_0045"].join_muc_wait(room, nick, timeout=STEP, **kwargs)

    async def configure(self, room, **fields):
        """Submits muc#roomconfig fields (var suffix -> value)."""
        form = self["xep_0004"].make_form(ftype="submit")
        form.add_field(var="FORM_TYPE", ftype="hidden", value=ROOMCONFIG)
        for name, value in fields.items():
            form.add_field(var=f"muc#roomconfig_{name}", value=value)
        await self["xep_0045"].set_room_config(room, form, timeout=STEP)

    async def create(self, room, nick, **fields):
        """Creates `room` (201), configured with `fields` (an instant room if none)."""
        presence, _, _, _ = await self.join(room, nick)
        assert 201 in codes(presence), f"{room} existed already: {presence}"
        await self.configure(room, **fields)
        return presence

    async def self_ping(self, occupant):
        """XEP-0410: the condition of the answer, or "result"."""
        iq = self.Iq()
        iq["type"] = "get"
        iq["to"] = occupant
        iq.enable("ping")
        try:
            await iq.send(timeout=STEP)
            return "result"
        except IqError as e:
            return e.iq["error"]["condition"]


class MucAgainstSlixmpp(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(xmpp=True).__enter__()
        for user in ("alice", "bob", "carol", "dave"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []
        fd, self.pw = tempfile.mkstemp(dir=self.d.dir)
        with os.fdopen(fd, "w") as f:
            f.write(PASSWORD + "\n")

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid):
        c = MucClient(self.d, jid)
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

    def confab_args(self, *args, who="alice"):
        return [CONFAB, "room", "join", *args, "--as", f"{who}@{DOMAIN}", "--server", f"127.0.0.1:{self.d.xmpp_port}",
                "--password-file", self.pw, "--ca-file", self.d.certificate]

    def test_a_room_with_talk_history_invitation_subject_and_a_kick(self):
        room = f"coven@{MUC}"

        async def body():
            alice = await self.client(f"alice@{DOMAIN}/desk").login()
            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            carol = await self.client(f"carol@{DOMAIN}/pda").login()
            dave = await self.client(f"dave@{DOMAIN}/x").login(presence="here")  # available: gets what is sent to his bare JID
            await alice.create(room, "firstwitch", roomname="The Coven")
            info = await alice["xep_0030"].get_info(jid=room, timeout=STEP)
            self.assertEqual(info["disco_info"]["identities"], {("conference", "text", None, "The Coven")})
            self.assertIn("muc_temporary", info["disco_info"]["features"])
            self.assertIn("http://jabber.org/protocol/muc#self-ping-optimization", info["disco_info"]["features"])

            presence, _, occupants, _ = await bob.join(room, "secondwitch")
            self.assertIn(110, codes(presence))
            self.assertIn("firstwitch", [str(p["from"].resource) for p in occupants])
            await alice.expect("presence", frm=f"{room}/secondwitch")
            for i in range(3):
                alice.send_message(mto=room, mbody=f"spell {i}", mtype="groupchat")
            for i in range(3):
                m = await bob.expect("message", body=f"spell {i}", frm=f"{room}/firstwitch", type="groupchat")
                self.assertIsNone(delay_from(m))

            # The late joiner gets the history, stamped by the room.
            _, _, _, history = await carol.join(room, "thirdwitch", maxstanzas=2)
            self.assertEqual([m["body"] for m in history], ["spell 1", "spell 2"])
            self.assertTrue(all(delay_from(m) == room for m in history))

            # XEP-0249: a direct invitation from alice reaches dave.
            alice["xep_0249"].send_invitation(f"dave@{DOMAIN}", room, reason="Harpier cries")
            inv = await dave.expect("message", where=lambda m: m.xml.find("{jabber:x:conference}x") is not None)
            x = inv.xml.find("{jabber:x:conference}x")
            self.assertEqual((x.get("jid"), x.get("reason")), (room, "Harpier cries"))
            self.assertEqual(str(inv["from"].bare), f"alice@{DOMAIN}")

            # The subject, to everyone.
            alice["xep_0045"].set_subject(room, "Fire Burn and Cauldron Bubble!")
            for c in (alice, bob, carol):
                m = await c.expect("message", where=lambda m: m["subject"] == "Fire Burn and Cauldron Bubble!")
                self.assertEqual(str(m["from"]), f"{room}/firstwitch")

            # XEP-0410 while in the room, then a kick (307), then XEP-0410 says bob is out.
            self.assertEqual(await bob.self_ping(f"{room}/secondwitch"), "result")
            await alice["xep_0045"].set_role(room, "secondwitch", "none", reason="Avaunt", timeout=STEP)
            gone = await bob.expect("presence", frm=f"{room}/secondwitch", type="unavailable")
            self.assertEqual(codes(gone), {110, 307})
            self.assertEqual(gone.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item/{{{MUC_USER}}}reason").text, "Avaunt")
            seen = await carol.expect("presence", frm=f"{room}/secondwitch", type="unavailable")
            self.assertEqual(codes(seen), {307})
            self.assertEqual(await bob.self_ping(f"{room}/secondwitch"), "not-acceptable")
            # Spoken after the kick: bob hears nothing.
            alice.send_message(mto=room, mbody="he is gone", mtype="groupchat")
            await carol.expect("message", body="he is gone")
            await bob.nothing("message", where=lambda m: m["body"] == "he is gone")
        self.in_loop(body)

    def test_a_persistent_room_survives_kill_9_and_a_temporary_one_does_not(self):
        room, scratch = f"archive@{MUC}", f"scratch@{MUC}"

        async def before():
            alice = await self.client(f"alice@{DOMAIN}/desk").login()
            await alice.create(room, "owner", persistentroom="1", roomname="Archive", moderatedroom="1",
                               maxhistoryfetch="10")
            alice["xep_0045"].set_subject(room, "kept across restarts")
            await alice.expect("message", where=lambda m: m["subject"] == "kept across restarts")
            await alice["xep_0045"].set_affiliation(room, "member", jid=f"bob@{DOMAIN}", timeout=STEP)
            await alice["xep_0045"].set_affiliation(room, "admin", jid=f"dave@{DOMAIN}", timeout=STEP)
            await alice["xep_0045"].set_affiliation(room, "outcast", jid=f"carol@{DOMAIN}", reason="spam",
                                                    timeout=STEP)
            for i in range(4):
                alice.send_message(mto=room, mbody=f"entry {i}", mtype="groupchat")
                await alice.expect("message", body=f"entry {i}")
            alice["xep_0045"].leave_muc(room, "owner")
            await alice.expect("presence", frm=f"{room}/owner", type="unavailable")
            await alice.create(scratch, "owner")  # temporary, and alice is still in it when confabd dies
            items = await alice["xep_0030"].get_items(jid=MUC, timeout=STEP)
            self.assertEqual(sorted(str(i[0]) for i in items["disco_items"]["items"]), [room, scratch])
            self.d.stop(signal.SIGKILL)
        self.in_loop(before)

        self.d = Confabd(xmpp=True, data_dir=self.d.dir).__enter__()

        async def after():
            alice = await self.client(f"alice@{DOMAIN}/desk").login()
            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            carol = await self.client(f"carol@{DOMAIN}/pda").login()
            # The service lists the persistent room, not the temporary one.
            items = await alice["xep_0030"].get_items(jid=MUC, timeout=STEP)
            self.assertEqual([str(i[0]) for i in items["disco_items"]["items"]], [room])
            with self.assertRaises(IqError) as e:
                await alice["xep_0030"].get_info(jid=scratch, timeout=STEP)
            self.assertEqual(e.exception.iq["error"]["condition"], "item-not-found")

            # bob (a member) enters a moderated room as a participant and
            # gets the history with the stamps it had, and the subject.
            presence, subject, _, history = await bob.join(room, "bob")
            self.assertNotIn(201, codes(presence))
            item = presence.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
            self.assertEqual((item.get("affiliation"), item.get("role")), ("member", "participant"))
            self.assertEqual([m["body"] for m in history], [f"entry {i}" for i in range(4)])
            self.assertTrue(all(delay_from(m) == room for m in history))
            self.assertEqual(subject["subject"], "kept across restarts")
            self.assertEqual(delay_from(subject), room)

            # carol is still banned.
            with self.assertRaises(PresenceError) as e:
                await carol.join(room, "carol")
            self.assertEqual(e.exception.presence["error"]["condition"], "forbidden")

            # alice is still the owner: the configuration and lists are hers.
            form = await alice["xep_0045"].get_room_config(room, timeout=STEP)
            values = form.get_values()
            self.assertEqual(values["muc#roomconfig_roomname"], "Archive")
            self.assertIn(values["muc#roomconfig_persistentroom"], (True, "1"))
            self.assertIn(values["muc#roomconfig_moderatedroom"], (True, "1"))
            for affiliation, who in (("member", "bob"), ("admin", "dave"), ("outcast", "carol"), ("owner", "alice")):
                jids = await alice["xep_0045"].get_affiliation_list(room, affiliation, timeout=STEP)
                self.assertEqual([str(j) for j in jids], [f"{who}@{DOMAIN}"], affiliation)

            # A destroyed room is gone for good, restart or not.
            await alice["xep_0045"].destroy(room, reason="done", timeout=STEP)
            await bob.expect("presence", frm=f"{room}/bob", type="unavailable")
        self.in_loop(after)

        self.d.stop(signal.SIGKILL)
        self.d = Confabd(xmpp=True, data_dir=self.d.dir).__enter__()

        async def destroyed():
            alice = await self.client(f"alice@{DOMAIN}/desk").login()
            items = await alice["xep_0030"].get_items(jid=MUC, timeout=STEP)
            self.assertEqual(items["disco_items"]["items"], set())
        self.in_loop(destroyed)

    def test_confab_room_join_sends_and_prints(self):
        room = f"cli@{MUC}"

        async def body():
            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            await bob.create(room, "bob")
            await bob["xep_0045"].set_affiliation(room, "outcast", jid=f"carol@{DOMAIN}", timeout=STEP)

            # --send: one message, confirmed, then gone.
            proc = await asyncio.create_subprocess_exec(
                *self.confab_args(room, "--send", "hello from confab"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), STEP * 3)
            self.assertEqual(proc.returncode, 0, err.decode())
            m = await bob.expect("message", body="hello from confab")
            self.assertEqual((str(m["from"]), m["type"]), (f"{room}/alice", "groupchat"))
            await bob.expect("presence", frm=f"{room}/alice", type="unavailable")

            # Interactive, as a script would run it: JSON events for a while.
            proc = await asyncio.create_subprocess_exec(
                *self.confab_args(room, "--json", "--duration", "4", "--nick", "Alice"), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            await bob.expect("presence", frm=f"{room}/Alice", timeout=STEP * 2)
            bob.send_message(mto=room, mbody="hi Alice", mtype="groupchat")
            out, err = await asyncio.wait_for(proc.communicate(), STEP * 3)
            self.assertEqual(proc.returncode, 0, err.decode())
            events = [json.loads(line) for line in out.decode().splitlines()]
            history = [e for e in events if e["event"] == "message" and e["history"]]
            self.assertEqual([(e["nick"], e["body"]) for e in history], [("alice", "hello from confab")])
            self.assertTrue(history[0]["stamp"].endswith("Z"), history[0])
            live = [e for e in events if e["event"] == "message" and not e["history"]]
            self.assertEqual([(e["nick"], e["body"]) for e in live], [("bob", "hi Alice")])
            self.assertIn({"event": "left", "room": room}, events)
            self.assertTrue(any(e["event"] == "presence" and e["nick"] == "bob" for e in events), events)

            # A banned user is told so.
            proc = await asyncio.create_subprocess_exec(
                *self.confab_args(room, "--send", "let me in", who="carol"), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), STEP * 3)
            self.assertEqual(proc.returncode, 4, err.decode())
            self.assertIn("banned", err.decode())
            # So is one who asks for a nick that is taken.
            proc = await asyncio.create_subprocess_exec(
                *self.confab_args(room, "--nick", "bob", "--send", "me too"), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), STEP * 3)
            self.assertEqual(proc.returncode, 4, err.decode())
            self.assertIn('the nick "bob" is in use', err.decode())
        self.in_loop(body)


if __name__ == "__main__":
    unittest.main()
