"""confab's own XMPP commands against confabd: `confab send`, `roster`,
`presence` over STARTTLS (5222) and direct TLS (5223), with the certificate
confabd made at first start; offline delivery at the next login; bounces and
refused logins as exit codes. Loopback only."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from confabd_fixture import CONFAB, Confabd

PASSWORD = "correct horse battery"


class ConfabXmppCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Confabd(xmpp=True).__enter__()
        cls.d.add_user("alice@example.org", PASSWORD)
        cls.d.add_user("bob@example.org", PASSWORD)
        cls.pw = os.path.join(cls.d.dir, "pw")
        with open(cls.pw, "w") as f:
            f.write(PASSWORD + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def confab(self, *args, who="alice@example.org", direct_tls=False, password_file=None, timeout=30):
        port = self.d.xmpp_port + 1 if direct_tls else self.d.xmpp_port
        cmd = [CONFAB, *args, "--as", who, "--server", f"127.0.0.1:{port}",
               "--password-file", password_file or self.pw, "--ca-file", self.d.certificate]
        if direct_tls:
            cmd.append("--direct-tls")
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def test_send_over_starttls_is_stored_for_bob_and_delivered_when_he_comes_online(self):
        r = self.confab("send", "bob@example.org", "are you there?")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sent to bob@example.org", r.stdout)
        self.assertGreaterEqual(self.d.status()["xmpp"]["router"]["messages_stored"], 1)
        # Bob logs in (direct TLS this time): the message is waiting.
        r = self.confab("presence", "available", "--duration", "2", "--json", who="bob@example.org",
                        direct_tls=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        bodies = [e["body"] for e in events if e["event"] == "message"]
        self.assertIn("are you there?", bodies)

    def test_a_message_to_nobody_bounces_with_exit_4(self):
        r = self.confab("send", "nobody@example.org", "hello?")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("service-unavailable", r.stderr)

    def test_a_wrong_password_is_refused_with_exit_4_and_logged(self):
        bad = os.path.join(self.d.dir, "bad")
        with open(bad, "w") as f:
            f.write("not it\n")
        r = self.confab("send", "bob@example.org", "x", password_file=bad)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("authentication failed", r.stderr)
        time.sleep(0.2)
        self.assertIn("xmpp: authentication failed from 127.0.0.1", self.d.output())

    def test_roster_add_list_remove(self):
        r = self.confab("roster", "add", "bob@example.org", "--name", "Bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.confab("roster", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        items = json.loads(r.stdout)
        bob = [i for i in items if i["jid"] == "bob@example.org"]
        self.assertEqual(len(bob), 1, items)
        self.assertEqual(bob[0]["name"], "Bob")
        self.assertTrue(bob[0]["pending_out"])  # a subscription request went out
        r = self.confab("roster", "remove", "bob@example.org")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.confab("roster", "list", "--json")
        self.assertEqual([i for i in json.loads(r.stdout) if i["jid"] == "bob@example.org"], [])

    def test_an_untrusted_certificate_is_refused(self):
        # Without --ca-file the self-signed certificate is not trusted.
        r = subprocess.run([CONFAB, "send", "bob@example.org", "x", "--as", "alice@example.org", "--server",
                            f"127.0.0.1:{self.d.xmpp_port}", "--password-file", self.pw],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("not trusted", r.stderr)

    def test_status_counts_streams_and_sessions(self):
        self.confab("send", "bob@example.org", "counted")
        st = self.d.status()["xmpp"]
        self.assertGreaterEqual(st["streams"]["tls"], 1)
        self.assertGreaterEqual(st["streams"]["auth_successes"], 1)
        self.assertIn("tcp 127.0.0.1:%d" % self.d.xmpp_port, st["listening"])


class OfflineMessagesSurviveACrash(unittest.TestCase):
    def test_kill_9_with_messages_pending_loses_and_duplicates_nothing(self):
        pw = None
        with Confabd(xmpp=True) as d:
            d.add_user("alice@example.org", PASSWORD)
            d.add_user("bob@example.org", PASSWORD)
            pw = os.path.join(d.dir, "pw")
            with open(pw, "w") as f:
                f.write(PASSWORD + "\n")
            for i in range(20):
                r = subprocess.run([CONFAB, "send", "bob@example.org", f"message {i}", "--as", "alice@example.org",
                                    "--server", f"127.0.0.1:{d.xmpp_port}", "--password-file", pw,
                                    "--ca-file", d.certificate], capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 0, r.stderr)
            # "sent" means the server has it: kill -9 now, nothing flushed on the way out.
            d.proc.kill()
            d.proc.wait()
            data_dir = d.dir
        with Confabd(xmpp=True, data_dir=data_dir) as d:
            r = subprocess.run([CONFAB, "presence", "--duration", "2", "--json", "--as", "bob@example.org",
                                "--server", f"127.0.0.1:{d.xmpp_port}", "--password-file", pw,
                                "--ca-file", d.certificate], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            bodies = [json.loads(l)["body"] for l in r.stdout.splitlines()
                      if l.startswith("{") and json.loads(l)["event"] == "message"]
            self.assertEqual(sorted(bodies), sorted(f"message {i}" for i in range(20)), r.stdout)  # none lost, none twice
            self.assertEqual(bodies, [f"message {i}" for i in range(20)])  # and in order
            # Delivered once: a second login finds nothing waiting.
            r = subprocess.run([CONFAB, "presence", "--duration", "1", "--json", "--as", "bob@example.org",
                                "--server", f"127.0.0.1:{d.xmpp_port}", "--password-file", pw,
                                "--ca-file", d.certificate], capture_output=True, text=True, timeout=30)
            self.assertEqual([l for l in r.stdout.splitlines() if '"message"' in l], [])


if __name__ == "__main__":
    unittest.main()
