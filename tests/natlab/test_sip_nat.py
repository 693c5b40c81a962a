#!/usr/bin/python3
"""Two phones behind different NATs call each other through confabd.

Alice is behind a port-restricted cone NAT, Bob behind a symmetric one; no
port forwarding anywhere. Bob's phone (sipp's UAS) registers with digest
authentication; the registrar remembers the address his REGISTER came from
(the NAT's public side, rport), and the proxy sends Alice's INVITE there —
the NAT lets it in because it looks like the answer to Bob's own traffic.
Alice's phone (sipp's UAC) places the calls. Root only; exits 77 otherwise.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "interop", "sipp", "register_digest.xml")
SERVER = natlab.SERVER_ADDRESSES[0]
PHONE_PORT = 5070


class CallAcrossNats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        if shutil.which("sipp") is None:
            raise unittest.SkipTest("sipp not installed")
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-sip-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.work = cls.tmp.name
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        confabd = os.path.join(cls.bindir, "confabd")
        data = os.path.join(cls.work, "data")
        with open(os.path.join(cls.work, "pw"), "w") as f:
            f.write("bobs-secret\n")
        cls.server.run([confabd, "--set", 'server.data_dir="%s"' % data, "user", "add", "bob@example.org",
                        "--password-file", os.path.join(cls.work, "pw")])
        log = open(os.path.join(cls.work, "confabd.log"), "w")
        cls.addClassCleanup(log.close)
        proc = cls.server.popen([confabd, "--set", 'server.data_dir="%s"' % data,
                                 "--set", 'sip.address="%s"' % SERVER, "--set", "snatmap.enabled=false",
                                 "--set", 'sip.digest_algorithms=["MD5","SHA-256"]'], stdout=log,
                                stderr=subprocess.STDOUT)
        cls.server.wait_listening(5060, "udp", timeout=20, proc=proc)
        cls.alice_nat = cls.lab.router("ra", **natlab.PRESETS["port-restricted-cone"])
        cls.bob_nat = cls.lab.router("rb", **natlab.PRESETS["symmetric"])
        cls.alice = cls.lab.client("alice", behind=cls.alice_nat)
        cls.bob = cls.lab.client("bob", behind=cls.bob_nat)

    def sipp(self, host, args, timeout=60):
        return host.run(["sipp", "-nostdin", "-i", host.address, "-timeout", str(timeout - 10)] + args,
                        check=False, timeout=timeout, cwd=self.work)

    def test_alice_calls_bob_across_two_nats(self):
        r = self.sipp(self.bob, ["-sf", SCENARIO, "-s", "bob", "-au", "bob", "-ap", "bobs-secret",
                                 "-key", "domain", "example.org", "-m", "1", "-p", str(PHONE_PORT),
                                 "%s:5060" % SERVER])
        self.assertEqual(r.returncode, 0, "REGISTER failed:\n" + r.stdout[-2000:])
        # Bob's phone now listens on the port it registered from: the NAT's
        # mapping for it is still open towards the server.
        uas = self.bob.popen(["sipp", "-nostdin", "-sn", "uas", "-i", self.bob.address, "-p", str(PHONE_PORT),
                              "-timeout", "50"], cwd=self.work)
        try:
            self.bob.wait_listening(PHONE_PORT, "udp", timeout=10, proc=uas)
            r = self.sipp(self.alice, ["-sn", "uac", "-s", "bob", "-m", "5", "-r", "5", "%s:5060" % SERVER])
            self.assertEqual(r.returncode, 0, "calls failed:\n" + r.stdout[-3000:])
        finally:
            uas.kill()
            uas.wait()


if __name__ == "__main__":
    natlab.run_tests(lambda: peers.confab_bin_dir()[1])
