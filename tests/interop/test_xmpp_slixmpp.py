"""confabd's XMPP server against slixmpp (Debian's python3-slixmpp), an XMPP
client library nobody here wrote, on loopback: login over STARTTLS (port) and
direct TLS (XEP-0368, port + 1) with the self-signed certificate confabd made
at first start, SASL (SCRAM-SHA-256, SCRAM-SHA-1, their -PLUS variants bound
with tls-server-end-point, PLAIN), refused passwords, roster and presence
subscriptions (RFC 6121), messages both ways, offline delivery with XEP-0203
delay (XEP-0160), service discovery and ping (XEP-0030, XEP-0199), blocking
(XEP-0191) and carbons (XEP-0280).

Each test starts its own confabd (about 50 ms) so that no roster, block list
or offline message leaks from one test into another, and runs its clients
inside one asyncio.run() with every wait bounded (a few seconds each).

About SASL: slixmpp 1.8.3 knows one channel binding, tls-unique, which is not
defined under TLS 1.3 (RFC 9266); confabd offers tls-exporter and
tls-server-end-point (XEP-0440). Out of the box slixmpp therefore picks
SCRAM-SHA-256-PLUS with p=tls-unique (refused), then SCRAM-SHA-1-PLUS (same),
then SCRAM-SHA-256 with gs2 flag "y" ("I could bind but you can't"), which
RFC 5802 §6 requires a server that offers -PLUS to refuse as a downgrade.
Those refusals test no password, so confabd does not count them toward its
limit of three failed logins per stream, and stock slixmpp goes on to PLAIN
(over TLS) and logs in. One test pins that behaviour down; the others choose
the mechanism and either drop the
binding (flag "n") or teach slixmpp's SCRAM tls-server-end-point (RFC 5929
§4: the SHA-256 of the server's certificate), which Python can compute.
Python's ssl module has no keying-material exporter, so tls-exporter (what
confabd prefers under TLS 1.3) is not exercised here.

Stream management (XEP-0198) is tested with slixmpp's own plugin: a
dropped connection resumed with nothing lost. Multi-user chat (XEP-0045)
comes later.

CONFAB_XMPP_DEBUG=1 logs every stanza both ways (slixmpp's DEBUG log)."""
import asyncio
import datetime
import hashlib
import logging
import os
import sys
import time
import unittest

try:
    import slixmpp
    import slixmpp.exceptions
    from slixmpp.util.sasl.mechanisms import SCRAM
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd

PASSWORD = "correct horse battery"
DOMAIN = "example.org"
STEP = 5.0  # the longest any single wait may take
TEST = 20.0  # the longest one test may take, all waits included

if os.environ.get("CONFAB_XMPP_DEBUG"):
    logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
else:  # what slixmpp logs when a test makes it fail on purpose is noise
    logging.getLogger("slixmpp").addHandler(logging.NullHandler())

DELAY_NS = "urn:xmpp:delay"


# slixmpp's SCRAM always names its binding tls-unique. A client that put a
# "cb_type" into its SASL credentials (see Client below) gets that type
# named instead; everyone else keeps slixmpp's own behaviour.
_slixmpp_scram_process_1 = SCRAM.process_1


def _scram_process_1(self, challenge):
    out = _slixmpp_scram_process_1(self, challenge)
    cb_type = self.credentials.get("cb_type")
    if cb_type and self.use_channel_binding:
        self.gs2_header = self.gs2_header.replace(b"p=tls-unique", b"p=" + cb_type, 1)
        self.client_first_message = self.gs2_header + self.client_first_message_bare
        return self.client_first_message
    return out


SCRAM.process_1 = _scram_process_1


class Client(slixmpp.ClientXMPP):
    """A slixmpp client for confabd on loopback: trusts the daemon's
    self-signed certificate, connects to 127.0.0.1 whatever DNS says about
    example.org, records every message and presence it receives.

    mechanism: None = slixmpp's own choice; otherwise the only one allowed.
    channel_binding: "none" (gs2 flag n), "tls-server-end-point", or None =
    slixmpp's own (tls-unique)."""

    def __init__(self, daemon, jid, password=PASSWORD, *, mechanism="SCRAM-SHA-256", channel_binding="none"):
        super().__init__(jid, password)
        self.daemon = daemon
        self.ca_certs = daemon.certificate
        for plugin in ("xep_0030", "xep_0092", "xep_0199", "xep_0191", "xep_0203", "xep_0280", "xep_0297"):
            self.register_plugin(plugin)
        mechanisms = self["feature_mechanisms"]
        if mechanism:
            mechanisms.use_mech = mechanism
        self.channel_binding = channel_binding
        self._slixmpp_credentials = mechanisms.sasl_callback
        mechanisms.sasl_callback = self._credentials
        # Subscription requests are the test's to answer.
        self.auto_authorize = None
        self.auto_subscribe = False
        self.received = []  # ("message" | "presence", stanza), oldest first
        self.events = []  # (event name, payload)
        self._arrived = asyncio.Event()
        for kind in ("message", "presence"):
            self.register_handler(Callback(f"record {kind}", MatchXPath(f"{{jabber:client}}{kind}"),
                                           lambda st, kind=kind: self._record(kind, st)))
        for event in ("session_start", "failed_auth", "failed_all_auth", "no_auth", "auth_success", "stream_error",
                      "disconnected", "connection_failed", "ssl_invalid_chain", "blocked", "unblocked"):
            self.add_event_handler(event, lambda payload, event=event: self._record_event(event, payload))

    async def get_dns_records(self, domain, port=None):
        # No lookup of example.org: the address given to connect() is it.
        return [(domain, self.address[0], self.address[1])]

    def _credentials(self, required, optional):
        creds = self._slixmpp_credentials(required, optional)
        if self.channel_binding == "none":
            creds.pop("channel_binding", None)
        elif self.channel_binding == "tls-server-end-point" and "channel_binding" in optional:
            # RFC 5929 §4.1: the certificate's hash with its signature's hash
            # algorithm (SHA-256 for confabd's ecdsa-with-SHA256), SHA-256 for
            # MD5 and SHA-1.
            creds["channel_binding"] = hashlib.sha256(self.socket.getpeercert(binary_form=True)).digest()
            creds["cb_type"] = "tls-server-end-point"
        return creds

    def _record(self, kind, stanza):
        self.received.append((kind, stanza))
        self._arrived.set()

    def _record_event(self, event, payload):
        self.events.append((event, payload))
        self._arrived.set()

    @property
    def mechanism(self):
        mech = self["feature_mechanisms"].mech
        return mech.name if mech else None

    async def _until(self, found, what, timeout):
        deadline = time.monotonic() + timeout
        while True:
            result = found()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [f"{k}: {s}" for k, s in self.received] + [f"event {e}" for e, _ in self.events]
                raise AssertionError(f"{self.boundjid}: no {what} within {timeout} s; had:\n  " + "\n  ".join(got))
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def expect(self, kind, where=None, what="", timeout=STEP, **match):
        """The first received `kind` stanza (not yet expected) whose fields
        match, e.g. expect("presence", type="subscribe", frm="bob@example.org"),
        and for which where(stanza) holds if given."""
        def matches(stanza):
            if where is not None and not where(stanza):
                return False
            for key, want in match.items():
                field = "from" if key == "frm" else key
                if str(stanza[field]) != str(want):
                    return False
            return True

        def found():
            for i, (k, stanza) in enumerate(self.received):
                if k == kind and matches(stanza):
                    del self.received[i]
                    return stanza
            return None
        return await self._until(found, what or f"{kind} {match}", timeout)

    async def nothing(self, kind, where=None, seconds=0.4, **match):
        """Fails if a matching `kind` stanza arrives within `seconds`."""
        try:
            stanza = await self.expect(kind, where, timeout=seconds, **match)
        except AssertionError:
            return
        raise AssertionError(f"{self.boundjid}: unexpected {kind}: {stanza}")

    async def wait_event(self, *names, timeout=STEP):
        """The first of these events that fired (it is consumed)."""
        def found():
            for i, (e, payload) in enumerate(self.events):
                if e in names:
                    del self.events[i]
                    return e, payload
            return None
        return await self._until(found, " or ".join(names), timeout)

    async def login(self, direct_tls=False, presence=None, roster=False, timeout=STEP):
        """Connects and waits for session_start (or fails with what happened
        instead); roster: get the roster, as a client SHOULD before initial
        presence (RFC 6121 §2.2), which makes this an "interested resource"
        (roster pushes, and the subscription approvals and cancellations of
        §3.1.6, §3.2.3 and §3.3.3, go to those only); presence: None = no
        initial presence, else its status text."""
        port = self.daemon.xmpp_port + 1 if direct_tls else self.daemon.xmpp_port
        if direct_tls:
            self.connect(("127.0.0.1", port), use_ssl=True, force_starttls=False, disable_starttls=True)
        else:
            self.connect(("127.0.0.1", port))
        event, payload = await self.wait_event("session_start", "failed_all_auth", "no_auth", "stream_error",
                                          "disconnected", "connection_failed", "ssl_invalid_chain", timeout=timeout)
        if event != "session_start":
            raise AssertionError(f"{self.requested_jid}: {event} instead of session_start: {payload}\n"
                                 + self.daemon.output()[-2000:])
        if roster:
            await self.get_roster(timeout=STEP)
        if presence is not None:
            self.send_presence(pstatus=presence)
            # The server reflects initial presence to the sending resource
            # too (RFC 6121 §4.2.2); once it is back, the router has made
            # this resource available, so a message sent to it by another
            # connection right after is routed live, not stored offline.
            # Left in the queue for tests that look at it.
            own = str(self.boundjid)
            await self._until(lambda: next((s for k, s in self.received
                                            if k == "presence" and str(s["from"]) == own), None),
                              "own initial presence reflected", timeout)
        return self

    async def iq(self, iq):
        return await iq.send(timeout=STEP)

    async def close(self):
        self.cancel_connection_attempt()
        try:
            await asyncio.wait_for(self.disconnect(wait=1.0), 2.0)
        except (asyncio.TimeoutError, Exception):
            self.abort()


def carbon(direction, body):
    """A predicate: an XEP-0280 carbon (received or sent) of a message with this body."""
    def match(message):
        if message.xml.find(f"{{urn:xmpp:carbons:2}}{direction}") is None:
            return False
        return message[f"carbon_{direction}"]["body"] == body
    return match


class SlixmppAgainstConfabd(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(xmpp=True).__enter__()
        for user in ("alice", "bob"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid, password=PASSWORD, **kwargs):
        c = Client(self.d, jid, password, **kwargs)
        self.clients.append(c)
        return c

    def in_loop(self, body):
        """One test's clients in one event loop, bounded as a whole; every
        client is closed at the end, whatever happened."""
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(c.close() for c in self.clients))
        return asyncio.run(main())

    def xmpp_status(self):
        return self.d.status()["xmpp"]

    # --- login -------------------------------------------------------------

    def assert_logged_in(self, c, resource):
        self.assertEqual(c.boundjid.bare, f"alice@{DOMAIN}")
        self.assertEqual(c.boundjid.resource, resource)
        self.assertEqual(str(c.boundjid), f"alice@{DOMAIN}/{resource}")
        self.assertTrue(c.authenticated)

    def test_login_over_starttls_with_scram_sha_256(self):
        async def body():
            c = await self.client(f"alice@{DOMAIN}/laptop").login()
            self.assert_logged_in(c, "laptop")
            self.assertEqual(c.mechanism, "SCRAM-SHA-256")
            self.assertIn("starttls", c.features)
        self.in_loop(body)
        st = self.xmpp_status()["streams"]
        self.assertEqual(st["auth_successes"], 1, st)
        self.assertEqual(st["tls"], 1, st)  # the one STARTTLS
        self.assertEqual(st["binds"], 1, st)

    def test_login_over_direct_tls_with_scram_sha_256(self):
        async def body():
            c = await self.client(f"alice@{DOMAIN}/tablet").login(direct_tls=True)
            self.assert_logged_in(c, "tablet")
            self.assertEqual(c.mechanism, "SCRAM-SHA-256")
            self.assertNotIn("starttls", c.features)  # already TLS: not offered again
        self.in_loop(body)
        st = self.xmpp_status()["streams"]
        self.assertEqual(st["auth_successes"], 1, st)
        self.assertEqual(st["tls"], 0, st)  # "tls" counts STARTTLS upgrades

    def test_scram_plus_bound_with_tls_server_end_point_on_both_ports(self):
        async def body():
            for n, (mechanism, direct) in enumerate([("SCRAM-SHA-256-PLUS", False), ("SCRAM-SHA-256-PLUS", True),
                                                     ("SCRAM-SHA-1-PLUS", False), ("SCRAM-SHA-1-PLUS", True)]):
                c = self.client(f"alice@{DOMAIN}/plus{n}", mechanism=mechanism,
                                channel_binding="tls-server-end-point")
                await c.login(direct_tls=direct)
                self.assert_logged_in(c, f"plus{n}")
                self.assertEqual(c.mechanism, mechanism)
                await c.close()
        self.in_loop(body)
        self.assertEqual(self.xmpp_status()["streams"]["auth_successes"], 4)

    def test_scram_sha_1_and_plain_over_tls(self):
        async def body():
            for n, mechanism in enumerate(["SCRAM-SHA-1", "PLAIN"]):
                c = await self.client(f"alice@{DOMAIN}/m{n}", mechanism=mechanism).login(direct_tls=n == 1)
                self.assert_logged_in(c, f"m{n}")
                self.assertEqual(c.mechanism, mechanism)
                await c.close()
        self.in_loop(body)

    def test_server_picks_a_resource_when_the_client_asks_for_none(self):
        async def body():
            c = await self.client(f"alice@{DOMAIN}").login()
            self.assertEqual(c.boundjid.bare, f"alice@{DOMAIN}")
            self.assertTrue(c.boundjid.resource)
        self.in_loop(body)

    def test_stock_slixmpp_logs_in_after_its_tls_unique_binding_is_refused(self):
        """slixmpp's own mechanism choice (see the module docstring): its
        -PLUS attempts are refused for the binding and its "y" fallback as a
        downgrade — never for the password — and it then logs in with PLAIN
        over TLS, an out-of-the-box client working against confabd."""
        async def body():
            c = self.client(f"alice@{DOMAIN}/stock", mechanism=None, channel_binding=None)
            await c.login()
            return c.mechanism
        logged_in_with = self.in_loop(body)
        log = self.d.output()
        self.assertNotIn("wrong_password", log)
        self.assertNotIn("invalid_proof", log)
        self.assertIn("unsupported_channel_binding_type", log)  # p=tls-unique: not offered
        self.assertIn("channel_binding_downgrade", log)  # flag y while -PLUS is offered (RFC 5802 §6)
        self.assertEqual(logged_in_with, "PLAIN")

    def test_a_wrong_password_fails_authentication_and_is_counted(self):
        async def body():
            for n, (mechanism, direct) in enumerate([("SCRAM-SHA-256", False), ("PLAIN", True)]):
                c = self.client(f"alice@{DOMAIN}/bad{n}", "not the password", mechanism=mechanism)
                c.connect(("127.0.0.1", self.d.xmpp_port + int(direct)), use_ssl=direct, force_starttls=not direct,
                          disable_starttls=direct)
                event, failure = await c.wait_event("failed_auth", "session_start")
                self.assertEqual(event, "failed_auth")
                self.assertEqual(failure["condition"], "not-authorized")
                # slixmpp has no other mechanism it may use: it gives up.
                await c.wait_event("failed_all_auth")
                self.assertFalse(c.authenticated)
                self.assertFalse([e for e, _ in c.events if e == "session_start"])
                await c.close()
        self.in_loop(body)
        st = self.xmpp_status()["streams"]
        self.assertEqual(st["auth_failures"], 2, st)
        self.assertEqual(st["auth_successes"], 0, st)
        self.assertEqual(st["binds"], 0, st)
        self.assertIn("xmpp: authentication failed from 127.0.0.1", self.d.output())

    # --- roster, subscriptions, presence ---------------------------------------

    async def roster_item(self, c, jid):
        iq = c.make_iq_get()
        iq.enable("roster")
        result = await c.iq(iq)
        items = {str(j): item for j, item in result["roster"]["items"].items()}
        return items.get(jid)

    def test_roster_subscriptions_and_presence(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/home").login(roster=True, presence="alice here")
            bob = await self.client(f"bob@{DOMAIN}/work").login(roster=True, presence="bob here")
            # Alice's own presence comes back to her (RFC 6121 §4.2.2).
            await alice.expect("presence", frm=alice.boundjid, type="available")

            # Alice adds Bob and asks to see his presence.
            await alice.update_roster(f"bob@{DOMAIN}", name="Bob", groups=["Friends"], timeout=STEP)
            item = await self.roster_item(alice, f"bob@{DOMAIN}")
            self.assertEqual(item["name"], "Bob")
            self.assertEqual(item["groups"], ["Friends"])
            self.assertEqual(item["subscription"], "none")
            alice.send_presence(pto=f"bob@{DOMAIN}", ptype="subscribe")
            request = await bob.expect("presence", type="subscribe", frm=f"alice@{DOMAIN}")
            self.assertEqual(request["to"].bare, f"bob@{DOMAIN}")
            item = await self.roster_item(alice, f"bob@{DOMAIN}")
            self.assertEqual(item["ask"], "subscribe")  # pending out

            # Bob approves and asks back.
            bob.send_presence(pto=f"alice@{DOMAIN}", ptype="subscribed")
            bob.send_presence(pto=f"alice@{DOMAIN}", ptype="subscribe")
            await alice.expect("presence", type="subscribed", frm=f"bob@{DOMAIN}")
            # Approved: Bob's current presence reaches Alice (§3.1.5).
            seen = await alice.expect("presence", frm=bob.boundjid, type="available")
            self.assertEqual(seen["status"], "bob here")
            await alice.expect("presence", type="subscribe", frm=f"bob@{DOMAIN}")
            alice.send_presence(pto=f"bob@{DOMAIN}", ptype="subscribed")
            await bob.expect("presence", type="subscribed", frm=f"alice@{DOMAIN}")
            seen = await bob.expect("presence", frm=alice.boundjid, type="available")
            self.assertEqual(seen["status"], "alice here")

            # Both rosters say "both", with nothing pending.
            for c, other in ((alice, "bob"), (bob, "alice")):
                item = await self.roster_item(c, f"{other}@{DOMAIN}")
                self.assertIsNotNone(item, f"{c.boundjid} has no {other}")
                self.assertEqual(item["subscription"], "both", f"{c.boundjid}'s {other}: {item}")
                self.assertEqual(item["ask"], "")
            self.assertEqual(alice.client_roster[f"bob@{DOMAIN}"]["subscription"], "both")  # from the pushes
            self.assertEqual(bob.client_roster[f"alice@{DOMAIN}"]["subscription"], "both")

            # A subsequent presence is broadcast to the subscriber.
            bob.send_presence(pshow="away", pstatus="in a meeting")
            seen = await alice.expect("presence", frm=bob.boundjid, type="away")
            self.assertEqual(seen["status"], "in a meeting")

            # A second resource of Alice's comes online: the server probes for
            # it (§4.3), so it sees Bob, and Bob sees it (§4.2.2).
            phone = await self.client(f"alice@{DOMAIN}/phone").login(roster=True, presence="on the go")
            seen = await phone.expect("presence", frm=bob.boundjid)
            self.assertEqual(seen["type"], "away")
            self.assertEqual(seen["status"], "in a meeting")
            seen = await bob.expect("presence", frm=phone.boundjid, type="available")
            self.assertEqual(seen["status"], "on the go")
            await alice.expect("presence", frm=phone.boundjid, type="available")  # own resources see each other

            # Bob goes away entirely: both of Alice's resources see him unavailable.
            await bob.close()
            for c in (alice, phone):
                gone = await c.expect("presence", frm=bob.boundjid, type="unavailable")
                self.assertEqual(gone["to"].bare, f"alice@{DOMAIN}")
        self.in_loop(body)
        self.assertGreaterEqual(self.xmpp_status()["router"]["roster_pushes"], 4)

    # --- messages -------------------------------------------------------------

    def test_chat_messages_both_ways(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/home").login(presence="")
            bob = await self.client(f"bob@{DOMAIN}/work").login(presence="")
            text = "hello Bob <&> 'quotes' \"double\" — héllo ☃ 𝄞"
            alice.send_message(mto=f"bob@{DOMAIN}", mbody=text, mtype="chat")
            got = await bob.expect("message", type="chat")
            self.assertEqual(got["body"], text)
            self.assertEqual(str(got["from"]), str(alice.boundjid))  # the sender's full JID
            self.assertEqual(got["to"].bare, f"bob@{DOMAIN}")
            bob.send_message(mto=got["from"], mbody="hi Alice", mtype="chat")
            got = await alice.expect("message", type="chat")
            self.assertEqual(got["body"], "hi Alice")
            self.assertEqual(str(got["from"]), str(bob.boundjid))
            self.assertEqual(str(got["to"]), str(alice.boundjid))
            # A message to someone who does not exist bounces.
            alice.send_message(mto=f"nobody@{DOMAIN}", mbody="anyone?", mtype="chat")
            bounce = await alice.expect("message", type="error", frm=f"nobody@{DOMAIN}")
            self.assertEqual(bounce["error"]["condition"], "service-unavailable")
        self.in_loop(body)
        self.assertGreaterEqual(self.xmpp_status()["router"]["messages_routed"], 2)

    def test_offline_messages_are_delivered_with_a_delay_after_initial_presence(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/home").login(presence="")
            sent_at = datetime.datetime.now(datetime.timezone.utc)
            alice.send_message(mto=f"bob@{DOMAIN}", mbody="while you were out (1)", mtype="chat")
            alice.send_message(mto=f"bob@{DOMAIN}", mbody="while you were out (2)", mtype="normal")
            deadline = time.monotonic() + STEP
            while self.xmpp_status()["router"]["messages_stored"] < 2:
                self.assertLess(time.monotonic(), deadline, "the messages were not stored")
                await asyncio.sleep(0.05)

            bob = await self.client(f"bob@{DOMAIN}/phone").login()
            # XEP-0160: not before initial presence...
            await bob.nothing("message")
            bob.send_presence()
            # ... then both, in order, each with when it was sent.
            for n in (1, 2):
                got = await bob.expect("message")
                self.assertEqual(got["body"], f"while you were out ({n})")
                self.assertEqual(str(got["from"]), str(alice.boundjid))
                delay = got.xml.find(f"{{{DELAY_NS}}}delay")
                self.assertIsNotNone(delay, f"no XEP-0203 delay in {got}")
                self.assertTrue(delay.get("stamp"), f"no stamp in {got}")
                stamp = got["delay"]["stamp"]  # slixmpp's XEP-0203 parse: an aware datetime
                self.assertIsNotNone(stamp.tzinfo)
                self.assertLess(abs((stamp - sent_at).total_seconds()), 5, f"{stamp} vs {sent_at}")
                self.assertEqual(delay.get("from"), DOMAIN)
        self.in_loop(body)
        router = self.xmpp_status()["router"]
        self.assertEqual(router["messages_stored"], 2, router)
        self.assertEqual(router["offline_delivered"], 2, router)

    # --- disco, version, ping --------------------------------------------------

    def test_service_discovery_version_and_ping(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/home").login()
            info = await alice["xep_0030"].get_info(jid=DOMAIN, timeout=STEP)
            features = set(info["disco_info"]["features"])
            for f in ("http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
                      "urn:xmpp:ping", "urn:xmpp:blocking", "urn:xmpp:carbons:2", "msgoffline",
                      "jabber:iq:version"):
                self.assertIn(f, features)
            identities = {(cat, typ) for cat, typ, _lang, _name in info["disco_info"]["identities"]}
            self.assertIn(("server", "im"), identities)
            items = await alice["xep_0030"].get_items(jid=DOMAIN, timeout=STEP)
            self.assertEqual(items["type"], "result")

            version = await alice["xep_0092"].get_version(DOMAIN, timeout=STEP)
            self.assertTrue(version["software_version"]["name"])
            self.assertTrue(version["software_version"]["version"])

            # XEP-0199: a result, not an error (slixmpp's ping() would accept both).
            pong = await alice["xep_0199"].send_ping(DOMAIN, timeout=STEP)
            self.assertEqual(pong["type"], "result")
            self.assertEqual(str(pong["from"]), DOMAIN)

            # Something the server does not know is an error, not silence.
            iq = alice.make_iq_get(queryxmlns="urn:example:nothing", ito=DOMAIN)
            with self.assertRaises(slixmpp.exceptions.IqError) as e:
                await alice.iq(iq)
            self.assertEqual(e.exception.iq["error"]["condition"], "service-unavailable")
        self.in_loop(body)

    # --- blocking (XEP-0191) ---------------------------------------------------

    def test_blocking_stops_messages_and_unblocking_restores_them(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/home").login(presence="")
            bob = await self.client(f"bob@{DOMAIN}/work").login(presence="")
            # Pushes go to the resources that asked for the list (XEP-0191 §3.3).
            listed = await bob["xep_0191"].get_blocked(timeout=STEP)
            self.assertEqual(set(listed["blocklist"]["items"]), set())
            await bob["xep_0191"].block(f"alice@{DOMAIN}", timeout=STEP)
            await bob.wait_event("blocked")
            blocked = await bob["xep_0191"].get_blocked(timeout=STEP)
            self.assertEqual({str(j) for j in blocked["blocklist"]["items"]}, {f"alice@{DOMAIN}"})

            alice.send_message(mto=f"bob@{DOMAIN}", mbody="can you hear me?", mtype="chat")
            error = await alice.expect("message", type="error")
            self.assertEqual(error["error"]["condition"], "service-unavailable")
            await bob.nothing("message", body="can you hear me?")
            # Bob writing to someone he blocks is refused, with <blocked/>.
            bob.send_message(mto=f"alice@{DOMAIN}", mbody="psst", mtype="chat")
            error = await bob.expect("message", type="error")
            self.assertEqual(error["error"]["condition"], "not-acceptable")
            self.assertIsNotNone(error.xml.find(".//{urn:xmpp:blocking:errors}blocked"), str(error))
            await alice.nothing("message", body="psst", seconds=0.2)

            await bob["xep_0191"].unblock(f"alice@{DOMAIN}", timeout=STEP)
            await bob.wait_event("unblocked")
            alice.send_message(mto=f"bob@{DOMAIN}", mbody="and now?", mtype="chat")
            got = await bob.expect("message", body="and now?")
            self.assertEqual(str(got["from"]), str(alice.boundjid))
        self.in_loop(body)
        self.assertGreaterEqual(self.xmpp_status()["router"]["blocked"], 1)

    # --- carbons (XEP-0280) ------------------------------------------------------

    def test_stream_resumption_after_a_dropped_connection_loses_nothing(self):
        """XEP-0198: alice's TCP connection dies without a stream close; bob's
        messages to her meanwhile are held by confabd; she reconnects,
        resumes the session (same full JID) and gets every one of them."""
        async def body():
            alice = self.client(f"alice@{DOMAIN}/phone")
            alice.register_plugin("xep_0198")
            alice.end_session_on_disconnect = False  # keep the SM state for the resume
            for event in ("sm_enabled", "session_resumed", "session_end"):
                alice.add_event_handler(event, lambda payload, event=event: alice._record_event(event, payload))
            await alice.login(presence="")
            await alice.wait_event("sm_enabled")
            bob = await self.client(f"bob@{DOMAIN}/desk").login(presence="")
            jid = str(alice.boundjid)
            alice.transport.abort()  # the network drops: no </stream:stream>
            await alice.wait_event("disconnected")
            deadline = time.monotonic() + STEP
            while self.xmpp_status()["detached_sessions"] != 1:
                self.assertLess(time.monotonic(), deadline, "confabd did not keep the session")
                await asyncio.sleep(0.05)
            for i in range(3):
                bob.send_message(mto=jid, mbody=f"while you were away {i}", mtype="chat")
            await asyncio.sleep(0.3)
            alice.connect(("127.0.0.1", self.d.xmpp_port))
            await alice.wait_event("session_resumed")
            self.assertEqual(str(alice.boundjid), jid)
            for i in range(3):
                got = await alice.expect("message", type="chat", body=f"while you were away {i}")
                self.assertEqual(got["from"].bare, f"bob@{DOMAIN}")
        self.in_loop(body)
        st = self.xmpp_status()
        self.assertEqual(st["streams"]["sm_resumed"], 1, st)
        self.assertGreaterEqual(st["streams"]["sm_resent"], 3, st)
        self.assertEqual(st["detached_sessions"], 0, st)

    def test_carbons_copy_received_and_sent_chats_to_the_other_resource(self):
        async def body():
            phone = await self.client(f"alice@{DOMAIN}/phone").login(presence="")
            desktop = await self.client(f"alice@{DOMAIN}/desktop").login(presence="")
            bob = await self.client(f"bob@{DOMAIN}/work").login(presence="")
            result = await phone["xep_0280"].enable(timeout=STEP)
            self.assertEqual(result["type"], "result")

            # Bob to alice/desktop: delivered there, carbon-copied to the phone.
            bob.send_message(mto=desktop.boundjid, mbody="to your desktop", mtype="chat")
            got = await desktop.expect("message", body="to your desktop")
            self.assertEqual(str(got["from"]), str(bob.boundjid))
            copy = await phone.expect("message", carbon("received", "to your desktop"), "a received carbon")
            self.assertEqual(str(copy["from"]), f"alice@{DOMAIN}")  # from the user's bare JID (§11)
            self.assertEqual(str(copy["carbon_received"]["from"]), str(bob.boundjid))
            self.assertEqual(str(copy["carbon_received"]["to"]), str(desktop.boundjid))

            # The desktop (no carbons) writes to Bob: the phone gets a sent carbon.
            desktop.send_message(mto=bob.boundjid, mbody="from my desktop", mtype="chat")
            await bob.expect("message", body="from my desktop")
            copy = await phone.expect("message", carbon("sent", "from my desktop"), "a sent carbon")
            self.assertEqual(str(copy["carbon_sent"]["from"]), str(desktop.boundjid))

            # <private/> (XEP-0280 §9) is not copied; the desktop never gets carbons.
            msg = bob.make_message(mto=desktop.boundjid, mbody="just for the desktop", mtype="chat")
            msg.enable("carbon_private")
            msg.send()
            await desktop.expect("message", body="just for the desktop")
            await phone.nothing("message", carbon("received", "just for the desktop"))
            self.assertFalse([s for k, s in desktop.received if k == "message"
                              and (s.xml.find("{urn:xmpp:carbons:2}received") is not None
                                   or s.xml.find("{urn:xmpp:carbons:2}sent") is not None)])
        self.in_loop(body)
        self.assertEqual(self.xmpp_status()["router"]["carbons"], 2)


if __name__ == "__main__":
    unittest.main()
