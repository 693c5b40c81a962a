#!/usr/bin/python3
"""`confab nat --lifetime` measures how long an idle UDP mapping survives.

A port-restricted router whose conntrack forgets idle UDP flows after 15 s
(instead of the default 30/120 s): the probe schedule (10 s, 20 s, ...) must
find that the mapping survives 10 s of silence and is gone after 20 s.
Takes about a minute. Root only; exits 77 (skipped) otherwise.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

IDLE_TIMEOUT = 15


class MappingLifetime(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-lifetime-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        server = cls.lab.server()
        peers.start_confabd(server, cls.bindir, cls.tmp.name)
        cls.router = cls.lab.router("r1", **natlab.PRESETS["port-restricted-cone"])
        for key in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
            cls.router.run(["sh", "-c", "echo %d > /proc/sys/net/netfilter/%s" % (IDLE_TIMEOUT, key)])
        cls.client = cls.lab.client("c1", behind=cls.router)

    def test_lifetime_is_bracketed_by_the_routers_idle_timeout(self):
        target = "%s:%d" % (natlab.SERVER_ADDRESSES[0], peers.CONFABD_PORT)
        report, proc = peers.confab_nat(self.client, self.bindir, target,
                                        extra=("--lifetime", "--lifetime-max", "60", "--no-hairpinning"))
        msg = "stdout: %s\nstderr: %s" % (proc.stdout, proc.stderr)
        self.assertEqual(proc.returncode, 0, msg)
        self.assertEqual(report["classic"], "port-restricted-cone", msg)
        self.assertEqual(report["mapping_lifetime"], 10, msg)
        self.assertEqual(report["mapping_lifetime_expired_by"], 20, msg)
        self.assertIn("This NAT forgets an idle UDP mapping within 20 seconds: keepalives must be sent more "
                      "often than that or calls will drop during silence", report["advice"], msg)


if __name__ == "__main__":
    natlab.run_tests(lambda: peers.confab_bin_dir()[1])
