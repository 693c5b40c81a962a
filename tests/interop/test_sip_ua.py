"""confab's SIP user agent against a real confabd: Bob listens and answers,
Alice calls him; nobody home gives 480; a wrong password is refused; and,
when sipp is installed, confab calls a sipp UAS. Loopback only."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from confabd_fixture import CONFAB, CONFABD, Confabd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sip import free_udp_port, sipp_register  # noqa: E402

PASSWORD = "s3cret-pass"


def add_user(d, name, password):
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(password + "\n")
    subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "user", "add", name, "--password-file", f.name],
                   check=True, capture_output=True)


def password_file(password):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=".pw")
    f.write(password + "\n")
    f.close()
    return f.name


def confab(d, *args, password=PASSWORD, timeout=60):
    return subprocess.run([CONFAB, *args, "--server", f"127.0.0.1:{d.sip_port}",
                           "--password-file", password_file(password)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start_listen(d, *args):
    p = subprocess.Popen([CONFAB, "listen", *args, "--server", f"127.0.0.1:{d.sip_port}",
                          "--password-file", password_file(PASSWORD), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    first = p.stdout.readline()  # "registered": Bob can be called from now on
    return p, json.loads(first)


class RegisterOnce(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Confabd(sip=True).__enter__()
        add_user(cls.d, "alice@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_alice_registers_with_the_right_password(self):
        r = confab(self.d, "register", "alice@example.org", "--once", "--json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout.splitlines()[0])
        self.assertEqual(out["event"], "registered")
        self.assertGreater(out["expires"], 0)
        self.assertGreaterEqual(self.d.status()["sip"]["bindings"], 1)

    def test_a_wrong_password_is_refused_with_exit_4(self):
        r = confab(self.d, "register", "alice@example.org", "--once", password="wrong")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("403", r.stdout)

    def test_register_stays_and_unregisters_on_sigterm(self):
        p = subprocess.Popen([CONFAB, "register", "bob-not-a-user@example.org", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, _ = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 4, out)  # unknown user: refused at once
        p = subprocess.Popen([CONFAB, "register", "alice@example.org", "--expires", "120", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertIn("registered alice@example.org", p.stdout.readline())
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, out + err)
        self.assertIn("unregistered", out)


class CallsBetweenTwoConfabs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Confabd(sip=True).__enter__()
        for user in ("alice", "bob", "carol"):
            add_user(cls.d, f"{user}@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_bob_answers_alices_call_and_both_hang_up_cleanly(self):
        bob, first = start_listen(self.d, "bob@example.org", "--auto-answer", "--count", "1")
        try:
            self.assertEqual(first["event"], "registered")
            r = confab(self.d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "1", "--json")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            result = json.loads(r.stdout.splitlines()[-1])
            self.assertEqual(result["result"], "answered")
            self.assertEqual(result["status"], 200)
            self.assertIn("ringing (180", r.stderr)
            out, err = bob.communicate(timeout=15)
        finally:
            if bob.poll() is None:
                bob.kill()
        self.assertEqual(bob.returncode, 0, out + err)
        events = [json.loads(line)["event"] for line in out.splitlines()]
        self.assertEqual(events, ["incoming_call", "answered", "call_ended"])

    def test_carol_declines_and_the_caller_hears_declined(self):
        carol, _ = start_listen(self.d, "carol@example.org", "--decline", "--count", "1")
        try:
            r = confab(self.d, "call", "carol@example.org", "--from", "alice@example.org")
            carol.communicate(timeout=15)
        finally:
            if carol.poll() is None:
                carol.kill()
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("declined: 603", r.stdout)

    def test_calling_someone_not_registered_is_unreachable_480(self):
        r = confab(self.d, "call", "nobody@example.org", "--from", "alice@example.org", "--json")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        result = json.loads(r.stdout.splitlines()[-1])
        self.assertEqual((result["result"], result["status"]), ("unreachable", 480))

    def test_ctrl_c_while_ringing_cancels_the_call(self):
        bob, _ = start_listen(self.d, "bob@example.org", "--decline", "--count", "5")
        bob.kill()  # registered, then gone: the INVITE gets 100 Trying and rings nowhere
        bob.communicate()
        p = subprocess.Popen([CONFAB, "call", "bob@example.org", "--from", "alice@example.org", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cancels = self.d.status()["sip"]["requests"]["cancels"]
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        started = time.time()
        out, err = p.communicate(timeout=40)
        # Bob's phone is gone, so no 487 comes: confab gives up 10 s after its CANCEL.
        self.assertLess(time.time() - started, 15)
        self.assertEqual(p.returncode, 130, out + err)
        self.assertEqual(self.d.status()["sip"]["requests"]["cancels"], cancels + 1)
        self.assertIn("cancelled", out)


@unittest.skipIf(shutil.which("sipp") is None, "sipp not installed")
class CallsASippPhone(unittest.TestCase):
    def test_confab_calls_a_sipp_uas_registered_through_confabd(self):
        with Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", sip=True) as d:
            add_user(d, "bob@example.org", PASSWORD)
            add_user(d, "alice@example.org", PASSWORD)
            bob_port = free_udp_port()
            r = sipp_register(d, "bob", PASSWORD, "u1", local_port=bob_port)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            with tempfile.TemporaryDirectory() as work:
                uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(bob_port), "-nostdin",
                                        "-timeout", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       cwd=work)
                try:
                    time.sleep(0.5)
                    r = confab(d, "call", "bob@example.org", "--from", "alice@example.org", "--json")
                finally:
                    uas.kill()
                    uas.wait()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(json.loads(r.stdout.splitlines()[-1])["result"], "answered")


if __name__ == "__main__":
    unittest.main()
