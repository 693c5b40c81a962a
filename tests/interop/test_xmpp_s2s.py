"""XMPP federation (RFC 6120 server-to-server, XEP-0220 dialback) between
two confabd on loopback: a.test and b.test, each with a static route
(xmpp.s2s.hosts) to the other's s2s port, STARTTLS required. Users are
slixmpp clients (Debian's python3-slixmpp): alice@a.test and bob@b.test
exchange messages both ways, subscribe to each other and see each other's
presence, ping each other and ask the other server for disco#info; bob
joins a room on conference.a.test and talks with alice there (slixmpp's
xep_0045 across servers); a message to a domain whose server is down
bounces with remote-server-not-found within the connect timeout.

CONFAB_XMPP_DEBUG=1 logs every stanza both ways (slixmpp's DEBUG log)."""
import asyncio
import os
import sys
import time
import unittest

try:
    import slixmpp  # noqa: F401
    from slixmpp.exceptions import IqError
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd, free_port_pair
from test_xmpp_slixmpp import Client, PASSWORD, STEP
from test_xmpp_slixmpp_muc import MucClient

TEST = 60.0  # the longest one test may take, all waits included
CONNECT_TIMEOUT = 3  # xmpp.s2s.connect_timeout, seconds


class Server(Confabd):
    """A confabd serving `domain`, federating on `s2s_port`, with static
    routes to the other servers ({domain: port} on 127.0.0.1)."""

    def __init__(self, domain, s2s_port, routes):
        self.domain = domain
        self.s2s_port = s2s_port
        hosts = ", ".join(f'"{d}=127.0.0.1:{p}"' for d, p in routes.items())
        super().__init__(f'xmpp.domains=["{domain}"]', "xmpp.s2s.enabled=true", f"xmpp.s2s.port={s2s_port}",
                         'xmpp.s2s.bind="127.0.0.1"', f"xmpp.s2s.hosts=[{hosts}]",
                         f"xmpp.s2s.connect_timeout={CONNECT_TIMEOUT}", xmpp=True)

    @property
    def certificate(self):
        return os.path.join(self.dir, "tls", f"{self.domain}.crt")

    def s2s(self):
        return self.status()["xmpp"]["s2s"]


class Federation(unittest.TestCase):
    def setUp(self):
        p = free_port_pair()
        dead = free_port_pair()  # nothing listens there: c.test's server is "down"
        self.a = Server("a.test", p, {"b.test": p + 1, "c.test": dead})
        self.b = Server("b.test", p + 1, {"a.test": p, "conference.a.test": p})
        for d in (self.a, self.b):
            d.__enter__()
        self.a.add_user("alice@a.test", PASSWORD)
        self.b.add_user("bob@b.test", PASSWORD)
        self.peers = []

    def tearDown(self):
        for d in (self.a, self.b):
            code = d.stop()
            self.assertEqual(code, 0, d.output()[-3000:])

    def client(self, daemon, jid):
        c = Client(daemon, jid, PASSWORD)
        self.peers.append(c)
        return c

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(p.close() for p in self.peers))
        try:
            return asyncio.run(main())
        except BaseException:
            print("--- a.test log\n" + self.a.output()[-4000:] + "\n--- b.test log\n" + self.b.output()[-4000:])
            raise

    def test_messages_cross_both_ways(self):
        async def body():
            alice = await self.client(self.a, "alice@a.test/pc").login(presence="here")
            bob = await self.client(self.b, "bob@b.test/phone").login(presence="here")
            alice.send_message(mto="bob@b.test", mbody="hello from a.test", mtype="chat")
            m = await bob.expect("message", body="hello from a.test", timeout=3 * STEP)
            self.assertEqual(str(m["from"]), "alice@a.test/pc")
            bob.send_message(mto="alice@a.test/pc", mbody="hello from b.test", mtype="chat")
            m = await alice.expect("message", body="hello from b.test", timeout=3 * STEP)
            self.assertEqual(str(m["from"]), "bob@b.test/phone")
        self.in_loop(body)
        a, b = self.a.s2s(), self.b.s2s()
        self.assertEqual(a["outgoing"], ["b.test"])
        self.assertEqual(a["incoming"], ["b.test"])
        self.assertEqual(b["outgoing"], ["a.test"])
        self.assertGreaterEqual(a["tls"], 2)  # both directions encrypted
        self.assertGreaterEqual(a["dialback_valid"], 1)
        self.assertGreaterEqual(b["verify_requests"], 1)
        self.assertEqual(a["bounced"] + b["bounced"], 0)

    def test_subscriptions_and_presence_cross(self):
        async def body():
            alice = await self.client(self.a, "alice@a.test/pc").login(roster=True, presence="at home")
            bob = await self.client(self.b, "bob@b.test/phone").login(roster=True, presence="on the road")
            # alice asks bob; bob approves; his presence reaches her.
            alice.send_presence(pto="bob@b.test", ptype="subscribe")
            await bob.expect("presence", type="subscribe", frm="alice@a.test", timeout=3 * STEP)
            bob.send_presence(pto="alice@a.test", ptype="subscribed")
            await alice.expect("presence", type="subscribed", frm="bob@b.test")
            p = await alice.expect("presence", where=lambda s: str(s["from"]) == "bob@b.test/phone"
                                   and s["type"] == "available")
            self.assertEqual(p["status"], "on the road")
            # bob asks alice; she approves; her presence reaches him.
            bob.send_presence(pto="alice@a.test", ptype="subscribe")
            await alice.expect("presence", type="subscribe", frm="bob@b.test")
            alice.send_presence(pto="bob@b.test", ptype="subscribed")
            await bob.expect("presence", type="subscribed", frm="alice@a.test")
            await bob.expect("presence", where=lambda s: str(s["from"]) == "alice@a.test/pc"
                             and s["type"] == "available")
            # A change of status is broadcast to the remote subscriber...
            alice.send_presence(pstatus="out for lunch", pshow="away")
            p = await bob.expect("presence", where=lambda s: str(s["from"]) == "alice@a.test/pc"
                                 and s["status"] == "out for lunch")
            self.assertEqual(p["show"], "away")
            # ...and a new login probes the remote contact (RFC 6121 §4.3).
            tablet = await self.client(self.a, "alice@a.test/tablet").login(presence="tablet")
            await tablet.expect("presence", where=lambda s: str(s["from"]) == "bob@b.test/phone"
                                and s["type"] == "available")
            # Going offline reaches the other server too.
            await bob.close()
            await alice.expect("presence", type="unavailable", frm="bob@b.test/phone")
        self.in_loop(body)

    def test_a_user_of_another_server_joins_a_room_here(self):
        async def body():
            alice = MucClient(self.a, "alice@a.test/pc")
            bob = MucClient(self.b, "bob@b.test/phone")
            self.peers += [alice, bob]
            await alice.login(presence="here")
            await bob.login(presence="here")
            room = "tea@conference.a.test"
            await alice.create(room, "alice")
            await bob.join(room, "bob")  # across: b.test -> conference.a.test, and the room's answers back
            await alice.expect("presence", frm=f"{room}/bob", timeout=3 * STEP)
            alice.send_message(mto=room, mbody="welcome, bob", mtype="groupchat")
            m = await bob.expect("message", body="welcome, bob", frm=f"{room}/alice", type="groupchat",
                                 timeout=3 * STEP)
            bob.send_message(mto=room, mbody="thanks, alice", mtype="groupchat")
            await alice.expect("message", body="thanks, alice", frm=f"{room}/bob", type="groupchat",
                               timeout=3 * STEP)
            return m
        self.in_loop(body)
        self.assertIn("b.test", self.a.s2s()["outgoing"])
        self.assertIn("conference.a.test", self.b.s2s()["incoming"])

    def test_iq_ping_and_disco_across(self):
        async def body():
            alice = await self.client(self.a, "alice@a.test/pc").login(presence="here")
            bob = await self.client(self.b, "bob@b.test/phone").login(presence="here")
            # XEP-0199 between users (slixmpp answers pings itself).
            await alice["xep_0199"].ping("bob@b.test/phone", timeout=3 * STEP)
            await bob["xep_0199"].ping("alice@a.test/pc", timeout=3 * STEP)
            # The other server itself: ping and disco#info (XEP-0030).
            await alice["xep_0199"].ping("b.test", timeout=STEP)
            info = await alice["xep_0030"].get_info(jid="b.test", timeout=STEP)
            self.assertIn(("server", "im"), {(i[0], i[1]) for i in info["disco_info"]["identities"]})
            # A resource that is not there: an error, routed back across.
            with self.assertRaises(IqError) as e:
                await alice["xep_0199"].ping("bob@b.test/nowhere", timeout=STEP)
            self.assertEqual(e.exception.condition, "service-unavailable")
        self.in_loop(body)

    def test_a_server_that_is_down_bounces_remote_server_not_found(self):
        async def body():
            alice = await self.client(self.a, "alice@a.test/pc").login(presence="here")
            started = time.monotonic()
            alice.send_message(mto="carol@c.test", mbody="anyone there?", mtype="chat")
            m = await alice.expect("message", type="error", timeout=CONNECT_TIMEOUT + STEP)
            self.assertEqual(m["error"]["condition"], "remote-server-not-found")
            self.assertLessEqual(time.monotonic() - started, CONNECT_TIMEOUT + 1)
            # An IQ too.
            with self.assertRaises(IqError) as e:
                await alice["xep_0199"].ping("carol@c.test/x", timeout=CONNECT_TIMEOUT + STEP)
            self.assertEqual(e.exception.condition, "remote-server-not-found")
        self.in_loop(body)
        self.assertGreaterEqual(self.a.s2s()["connect_failures"], 1)


if __name__ == "__main__":
    if os.environ.get("CONFAB_XMPP_DEBUG"):
        import logging
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(levelname)s %(message)s")
    unittest.main()
