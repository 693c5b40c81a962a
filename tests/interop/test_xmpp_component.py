"""confabd's XEP-0114 component port against slixmpp's ComponentXMPP
(Debian's python3-slixmpp), an external component nobody here wrote, on
loopback: the handshake with the right secret and a wrong one (refused
with <not-authorized/> and counted), an echo service on echo.example.org
that a slixmpp client talks to (messages both ways, an iq answered by the
component, the component in the server's disco#items), and what users get
once the component is gone (their stanzas to its domain bounce).

CONFAB_XMPP_DEBUG=1 logs every stanza both ways (slixmpp's DEBUG log)."""
import asyncio
import sys
import time
import unittest

try:
    import slixmpp
    from slixmpp.componentxmpp import ComponentXMPP
    from slixmpp.exceptions import IqError
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd, free_port_pair
from test_xmpp_slixmpp import Client, DOMAIN, PASSWORD, STEP

COMPONENT = f"echo.{DOMAIN}"
SECRET = "echo-component-secret"
TEST = 30.0  # the longest one test may take, all waits included


class Echo(ComponentXMPP):
    """An external component that echoes chat messages and answers
    jabber:iq:version (slixmpp's xep_0092) as "confab-echo"."""

    def __init__(self, daemon, secret=SECRET, jid=COMPONENT):
        super().__init__(jid, secret, "127.0.0.1", daemon.component_port,
                         plugin_config={"xep_0092": {"software_name": "confab-echo", "version": "1.0"}})
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0092")
        self.events = []
        self._arrived = asyncio.Event()
        self.add_event_handler("message", self._echo)
        for event in ("session_start", "stream_error", "disconnected", "connection_failed"):
            self.add_event_handler(event, lambda payload, event=event: self._record(event, payload))

    def _echo(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            msg.reply("echo: " + msg["body"]).send()

    def _record(self, event, payload):
        self.events.append((event, payload))
        self._arrived.set()

    async def wait_event(self, *names, timeout=STEP):
        deadline = time.monotonic() + timeout
        while True:
            for i, (e, payload) in enumerate(self.events):
                if e in names:
                    del self.events[i]
                    return e, payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"component: none of {names} within {timeout} s; had {self.events}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def start(self):
        self.connect()
        event, payload = await self.wait_event("session_start", "stream_error", "disconnected", "connection_failed")
        if event != "session_start":
            raise AssertionError(f"component: {event} instead of session_start: {payload}")
        return self

    async def close(self):
        try:
            await asyncio.wait_for(self.disconnect(wait=1.0), 2.0)
        except (asyncio.TimeoutError, Exception):
            self.abort()


class ComponentAgainstConfabd(unittest.TestCase):
    def setUp(self):
        port = free_port_pair()
        self.d = Confabd("xmpp.components.enabled=true", f"xmpp.components.port={port}",
                         f'xmpp.components.list=[{{domain="{COMPONENT}", secret="{SECRET}"}}]',
                         "xmpp.components.failed_handshakes=3", xmpp=True)
        self.d.component_port = port
        self.d.__enter__()
        self.d.add_user(f"alice@{DOMAIN}", PASSWORD)
        self.peers = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid):
        c = Client(self.d, jid, PASSWORD)
        self.peers.append(c)
        return c

    def component(self, secret=SECRET):
        c = Echo(self.d, secret)
        self.peers.append(c)
        return c

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(p.close() for p in self.peers))
        return asyncio.run(main())

    def components_status(self):
        return self.d.status()["xmpp"]["components"]

    async def until_status(self, check, what):
        deadline = time.monotonic() + STEP
        while not check(self.components_status()):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what}: {self.components_status()}")
            await asyncio.sleep(0.05)

    def test_echo_messages_and_iq(self):
        async def body():
            echo = await self.component().start()
            await self.until_status(lambda s: s["connected"] == [COMPONENT], "component connected")
            alice = await self.client(f"alice@{DOMAIN}/laptop").login(presence="here")
            alice.send_message(mto=COMPONENT, mbody="hello component", mtype="chat")
            reply = await alice.expect("message", frm=COMPONENT, body="echo: hello component")
            self.assertEqual(str(reply["to"]), f"alice@{DOMAIN}/laptop")
            # An iq to the component is the component's to answer.
            version = await alice["xep_0092"].get_version(COMPONENT, timeout=STEP)
            self.assertEqual(version["software_version"]["name"], "confab-echo")
            # The server lists the component among its items (XEP-0030).
            items = await alice["xep_0030"].get_items(jid=DOMAIN, timeout=STEP)
            self.assertIn(COMPONENT, [i[0] for i in items["disco_items"]["items"]])
            status = self.components_status()
            self.assertGreaterEqual(status["stanzas_in"], 2)
            self.assertGreaterEqual(status["stanzas_out"], 2)
            del echo
        self.in_loop(body)

    def test_wrong_secret_is_refused_and_counted(self):
        async def body():
            bad = self.component(secret="not the secret")
            bad.connect()
            event, payload = await bad.wait_event("stream_error", "session_start")
            self.assertEqual(event, "stream_error")
            self.assertEqual(payload["condition"], "not-authorized")
            await self.until_status(lambda s: s["handshake_failures"] == 1, "handshake failure counted")
            self.assertEqual(self.components_status()["connected"], [])
            # The right one still gets in (one failure is below the address's limit).
            await self.component().start()
            await self.until_status(lambda s: s["connected"] == [COMPONENT], "component connected")
        self.in_loop(body)
        self.assertIn("refused: wrong secret", self.d.output())

    def test_a_second_connection_for_the_domain_is_a_conflict(self):
        async def body():
            await self.component().start()
            second = self.component()
            second.connect()
            event, payload = await second.wait_event("stream_error", "session_start")
            self.assertEqual(event, "stream_error")
            self.assertEqual(payload["condition"], "conflict")
            # The first keeps the domain.
            alice = await self.client(f"alice@{DOMAIN}/laptop").login(presence="here")
            alice.send_message(mto=COMPONENT, mbody="still there?", mtype="chat")
            await alice.expect("message", frm=COMPONENT, body="echo: still there?")
            self.assertEqual(self.components_status()["conflicts"], 1)
        self.in_loop(body)

    def test_messages_bounce_once_the_component_is_gone(self):
        async def body():
            echo = await self.component().start()
            alice = await self.client(f"alice@{DOMAIN}/laptop").login(presence="here")
            alice.send_message(mto=COMPONENT, mbody="ping", mtype="chat")
            await alice.expect("message", frm=COMPONENT, body="echo: ping")
            await echo.close()
            await self.until_status(lambda s: s["connected"] == [], "component disconnected")
            alice.send_message(mto=COMPONENT, mbody="anyone?", mtype="chat")
            bounce = await alice.expect("message", frm=COMPONENT, type="error")
            self.assertEqual(bounce["error"]["condition"], "service-unavailable")
            with self.assertRaises(IqError) as iq_error:
                await alice["xep_0092"].get_version(COMPONENT, timeout=STEP)
            self.assertEqual(iq_error.exception.iq["error"]["condition"], "service-unavailable")
            # It may come back.
            await self.component().start()
            alice.send_message(mto=COMPONENT, mbody="back", mtype="chat")
            await alice.expect("message", frm=COMPONENT, body="echo: back")
        self.in_loop(body)


if __name__ == "__main__":
    unittest.main()
