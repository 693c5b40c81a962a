"""confabd's XMPP server against go-sendxmpp (Debian's go-sendxmpp: Go's TLS
stack and the go-xmpp library, nobody here wrote either) on loopback: a
message from alice to bob over STARTTLS (port) and over direct TLS
(XEP-0368, port + 1), received by bob, a slixmpp client (see
test_xmpp_slixmpp.py), online or logging in afterwards; a wrong password is
a non-zero exit.

Trusting confabd's self-signed certificate: go-sendxmpp has no option for a
CA file, only -n/--no-tls-verify. It does not need it: Go's crypto/x509
reads the roots from the file named by SSL_CERT_FILE on Linux, so every run
gets SSL_CERT_FILE=<the daemon's certificate> and verifies the chain and the
name example.org for real (a test checks that without it the connection is
refused).

Each test starts its own confabd; every wait is bounded."""
import asyncio
import os
import shutil
import sys
import time
import unittest

GO_SENDXMPP = shutil.which("go-sendxmpp")
if GO_SENDXMPP is None:
    print("skipping: go-sendxmpp is not installed (apt-get install go-sendxmpp)")
    sys.exit(77)

# slixmpp is bob's client; that module exits 77 (skip) itself if it is absent.
import test_xmpp_slixmpp as slix  # noqa: E402
from confabd_fixture import Confabd  # noqa: E402

PASSWORD = slix.PASSWORD
DOMAIN = slix.DOMAIN
RUN_TIMEOUT = 15.0  # one go-sendxmpp run, connection included
TEST = 25.0


class GoSendxmppAgainstConfabd(unittest.TestCase):
    def setUp(self):
        self.d = Confabd(xmpp=True).__enter__()
        for user in ("alice", "bob"):
            self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)
        self.clients = []

    def tearDown(self):
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(c.close() for c in self.clients))
        return asyncio.run(main())

    def bob(self, resource):
        c = slix.Client(self.d, f"bob@{DOMAIN}/{resource}")
        self.clients.append(c)
        return c

    async def go_sendxmpp(self, text, *, to=f"bob@{DOMAIN}", direct_tls=False, password=PASSWORD, trust=True):
        """Runs go-sendxmpp as alice, the message on stdin: (exit code, stderr)."""
        port = self.d.xmpp_port + 1 if direct_tls else self.d.xmpp_port
        cmd = [GO_SENDXMPP, "-u", f"alice@{DOMAIN}", "-p", password, "-j", f"127.0.0.1:{port}",
               "--timeout", "5"]
        if direct_tls:
            cmd.append("-t")  # --tls: direct TLS; without it, STARTTLS (required by confabd)
        cmd.append(to)
        env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        env["HOME"] = self.d.dir  # no ~/.config/go-sendxmpp/sendxmpprc of the user running the tests
        if trust:
            env["SSL_CERT_FILE"] = self.d.certificate
        proc = await asyncio.create_subprocess_exec(*cmd, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE, env=env)
        try:
            _, err = await asyncio.wait_for(proc.communicate(text.encode()), RUN_TIMEOUT)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"go-sendxmpp did not finish within {RUN_TIMEOUT} s: {cmd}")
        return proc.returncode, err.decode(errors="replace")

    def assert_from_go_sendxmpp(self, message, text):
        self.assertEqual(message["body"], text)
        self.assertEqual(message["type"], "chat")
        self.assertEqual(message["from"].bare, f"alice@{DOMAIN}")  # the full JID go-sendxmpp bound
        self.assertTrue(message["from"].resource)
        self.assertEqual(message["to"].bare, f"bob@{DOMAIN}")

    def test_starttls_message_reaches_bob_online(self):
        text = "hello from go-sendxmpp over STARTTLS <&> 'é' ☃"

        async def body():
            bob = await self.bob("desk").login(presence="")
            code, err = await self.go_sendxmpp(text)
            self.assertEqual(code, 0, err)
            got = await bob.expect("message", body=text)
            self.assert_from_go_sendxmpp(got, text)
            self.assertIsNone(got.xml.find(f"{{{slix.DELAY_NS}}}delay"))  # live, not from storage
        self.in_loop(body)
        st = self.d.status()["xmpp"]
        self.assertEqual(st["streams"]["tls"], 2, st)  # STARTTLS: go-sendxmpp and bob
        self.assertEqual(st["router"]["messages_stored"], 0, st)

    def test_direct_tls_message_is_stored_and_delivered_when_bob_logs_in(self):
        text = "hello from go-sendxmpp over direct TLS"

        async def body():
            sent_at = time.time()
            code, err = await self.go_sendxmpp(text, direct_tls=True)
            self.assertEqual(code, 0, err)
            # go-sendxmpp may exit before confabd has read its last bytes.
            deadline = time.monotonic() + slix.STEP
            while self.d.status()["xmpp"]["router"]["messages_stored"] < 1:
                self.assertLess(time.monotonic(), deadline, "the message was not stored")
                await asyncio.sleep(0.05)
            bob = await self.bob("phone").login(direct_tls=True, presence="")
            got = await bob.expect("message", body=text)
            self.assert_from_go_sendxmpp(got, text)
            delay = got.xml.find(f"{{{slix.DELAY_NS}}}delay")
            self.assertIsNotNone(delay, str(got))
            self.assertLess(abs(got["delay"]["stamp"].timestamp() - sent_at), 5)
        self.in_loop(body)
        st = self.d.status()["xmpp"]
        self.assertEqual(st["streams"]["tls"], 0, st)  # both came in over direct TLS
        self.assertEqual(st["router"]["offline_delivered"], 1, st)

    def test_a_wrong_password_is_a_non_zero_exit_and_nothing_is_sent(self):
        async def body():
            for direct in (False, True):
                code, err = await self.go_sendxmpp("should not arrive", direct_tls=direct, password="not it")
                self.assertNotEqual(code, 0, f"direct_tls={direct}: {err}")
                self.assertIn("not-authorized", err)
        self.in_loop(body)
        st = self.d.status()["xmpp"]
        self.assertEqual(st["streams"]["auth_failures"], 2, st)
        self.assertEqual(st["streams"]["auth_successes"], 0, st)
        self.assertEqual(st["router"]["messages_stored"] + st["router"]["messages_routed"], 0, st)
        self.assertIn("xmpp: authentication failed from 127.0.0.1", self.d.output())

    def test_the_certificate_is_verified(self):
        # Without SSL_CERT_FILE confabd's self-signed certificate is not
        # trusted: proof that the runs above verified it.
        async def body():
            for direct in (False, True):
                code, err = await self.go_sendxmpp("x", direct_tls=direct, trust=False)
                self.assertNotEqual(code, 0, f"direct_tls={direct}: {err}")
                self.assertIn("certificate", err)
        self.in_loop(body)
        st = self.d.status()["xmpp"]["streams"]
        self.assertEqual(st["auth_successes"] + st["auth_failures"], 0, st)


if __name__ == "__main__":
    unittest.main()
