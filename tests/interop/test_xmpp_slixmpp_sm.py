"""XEP-0198 §5 against slixmpp (Debian's python3-slixmpp): what confabd sent a
client and the client never acknowledged (<a h/>) is not lost when the
session ends for good; it is treated as if sent to an unavailable resource:
chat messages go to offline storage (XEP-0160) with a <delay/> of when they
were first sent, exactly once, and nothing the client acknowledged comes
back.

- The resumption window passes: bob enables stream management with
  resumption and never answers confabd's <r/>; his TCP connection is cut
  (no </stream:stream>); alice writes to him meanwhile; the window
  (xmpp.limits.resume_timeout = 2 s here) expires; bob logs in afresh and
  gets, from offline storage, each message exactly once with a delay stamp:
  the ones he had received but not acknowledged before the cut, and the ones
  sent while he was gone — but not those he had acknowledged.
- bob closes his stream cleanly without acknowledging: the same, at once.
- confabd shuts down (SIGTERM) while bob holds unacknowledged messages: they
  are stored before it exits, and bob gets them from the restarted daemon.

Each test starts its own confabd; every wait is bounded. CONFAB_XMPP_DEBUG=1
logs every stanza (slixmpp's DEBUG log)."""
import asyncio
import datetime
import sys
import time
import unittest

try:
    import slixmpp  # noqa: F401
except ImportError as e:  # the tool is absent: skip (ctest's SKIP_RETURN_CODE)
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd
from test_xmpp_slixmpp import Client, DOMAIN, PASSWORD, STEP, DELAY_NS

TEST = 30.0  # the longest one test may take
RESUME = 2  # seconds: xmpp.limits.resume_timeout of these tests


def stamp_of(message):
    """The <delay/> stamp confabd put on a message, as a UTC datetime (or None)."""
    delays = [d for d in message.xml.findall(f"{{{DELAY_NS}}}delay") if d.get("from") == DOMAIN]
    if len(delays) != 1:
        return None
    return datetime.datetime.strptime(delays[0].get("stamp"), "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


class UnackedStanzasAgainstSlixmpp(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(f"xmpp.limits.resume_timeout={RESUME}", xmpp=True).__enter__()
        for user in ("alice", "bob"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def client(self, jid, **kwargs):
        c = Client(self.d, jid, PASSWORD, **kwargs)
        self.clients.append(c)
        return c

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(c.close() for c in self.clients))
        return asyncio.run(main())

    def xmpp_status(self):
        return self.d.status()["xmpp"]

    async def until_status(self, predicate, what, timeout=STEP + RESUME):
        deadline = time.monotonic() + timeout
        while not predicate(self.xmpp_status()):
            self.assertLess(time.monotonic(), deadline, f"confabd: {what}; status {self.xmpp_status()}")
            await asyncio.sleep(0.05)

    async def silent_bob(self):
        """bob/phone with stream management and resumption, who never
        acknowledges anything: confabd's <r/> goes unanswered."""
        bob = self.client(f"bob@{DOMAIN}/phone")
        bob.register_plugin("xep_0198")
        bob.end_session_on_disconnect = False  # a cut connection keeps the SM state, as for a resume
        bob.add_event_handler("sm_enabled", lambda payload: bob._record_event("sm_enabled", payload))
        await bob.login(presence="")
        await bob.wait_event("sm_enabled")
        bob.remove_handler("Stream Management Request Ack")
        return bob

    async def chat(self, sender, to, bodies, receiver=None):
        """Sends each body as a chat message; with `receiver`, waits until it
        has them all."""
        for body in bodies:
            sender.send_message(mto=to, mbody=body, mtype="chat")
        if receiver:
            for body in bodies:
                await receiver.expect("message", type="chat", body=body)

    async def offline_exactly_once(self, bodies, not_before, not_after, absent=()):
        """A fresh bob/phone (no stream management) logs in and gets each of
        `bodies` exactly once, stamped between not_before and not_after
        (to the second), in order, and none of `absent`."""
        bob = await self.client(f"bob@{DOMAIN}/phone").login(presence="")
        got = []
        for body in bodies:
            m = await bob.expect("message", type="chat", body=body)
            self.assertEqual(m["from"].bare, f"alice@{DOMAIN}")
            stamp = stamp_of(m)
            self.assertIsNotNone(stamp, f"one <delay from='{DOMAIN}'/> on {m}")
            self.assertGreaterEqual(stamp, not_before.replace(microsecond=0), f"{body}: {stamp}")
            self.assertLessEqual(stamp, not_after, f"{body}: {stamp}")
            got.append(m)
        await asyncio.sleep(0.5)  # anything more (a duplicate) has arrived by now
        extra = [str(s["body"]) for k, s in bob.received if k == "message" and s["type"] == "chat"]
        self.assertEqual(extra, [], "messages beyond those expected (duplicates?)")
        for body in absent:
            self.assertNotIn(body, [str(m["body"]) for m in got])
        return got

    def test_a_session_never_resumed_leaves_its_unacknowledged_messages_offline(self):
        self.in_loop(self._never_resumed)

    async def _never_resumed(self):
        alice = await self.client(f"alice@{DOMAIN}/desk").login(presence="")
        bob = await self.silent_bob()
        jid = str(bob.boundjid)
        start = now_utc()

        # Two bob acknowledges (he answers one <r/> of his own accord: h
        # covers everything he handled so far), then two he does not.
        await self.chat(alice, jid, ["acked 0", "acked 1"], receiver=bob)
        bob["xep_0198"].send_ack()
        await bob["xep_0199"].ping(jid=DOMAIN, timeout=STEP)  # the ack is in before what follows
        await self.chat(alice, jid, ["seen, not acked 0", "seen, not acked 1"], receiver=bob)
        cut = now_utc()

        bob.transport.abort()  # the network drops: no </stream:stream>
        await bob.wait_event("disconnected")
        await self.until_status(lambda s: s["detached_sessions"] == 1, "keeps bob's session for a resume")
        away = [f"while away {i}" for i in range(3)]
        await self.chat(alice, jid, away)
        await asyncio.sleep(0.2)
        sent = now_utc()
        # The resume window passes: the session ends.
        await self.until_status(lambda s: s["detached_sessions"] == 0, "ends bob's session")
        self.assertGreaterEqual(self.xmpp_status()["router"]["unacked_rerouted"], 5)

        got = await self.offline_exactly_once(["seen, not acked 0", "seen, not acked 1"] + away, start, sent,
                                              absent=["acked 0", "acked 1"])
        # Stamped when first sent, not when stored: the two before the cut
        # carry a time before it, though stored seconds later.
        for m in got[:2]:
            self.assertLessEqual(stamp_of(m), cut, str(m))
        self.assertLess(cut + datetime.timedelta(seconds=RESUME - 1), now_utc())

    def test_a_clean_close_without_acknowledging_stores_what_was_not_acknowledged(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/desk").login(presence="")
            bob = await self.silent_bob()
            jid = str(bob.boundjid)
            start = now_utc()
            await self.chat(alice, jid, ["not acked 0", "not acked 1"], receiver=bob)
            await bob.close()  # </stream:stream>, no <a/>: nothing to resume (§5), the session ends now
            await self.until_status(lambda s: s["router"]["unacked_rerouted"] >= 2, "stores what bob never acked")
            self.assertEqual(self.xmpp_status()["detached_sessions"], 0)
            await self.offline_exactly_once(["not acked 0", "not acked 1"], start, now_utc())
        self.in_loop(body)

    def test_a_server_shutdown_stores_what_was_not_acknowledged(self):
        async def body():
            alice = await self.client(f"alice@{DOMAIN}/desk").login(presence="")
            bob = await self.silent_bob()
            start = now_utc()
            await self.chat(alice, str(bob.boundjid), ["before the shutdown 0", "before the shutdown 1"], receiver=bob)
            # SIGTERM while bob is still connected (his client closes only
            # after this returns).
            code = await asyncio.get_running_loop().run_in_executor(None, self.d.stop)
            self.assertEqual(code, 0, self.d.output()[-3000:])
            return start
        start = self.in_loop(body)
        self.d = Confabd(f"xmpp.limits.resume_timeout={RESUME}", xmpp=True, data_dir=self.d.dir).__enter__()
        self.clients = []

        async def after():
            await self.offline_exactly_once(["before the shutdown 0", "before the shutdown 1"], start, now_utc())
        self.in_loop(after)


if __name__ == "__main__":
    unittest.main()
