#!/usr/bin/python3
"""`confab nat --json` behind every lab router must report exactly the
behaviour the router was built with (docs/nat-report.md), against confabd
and against coturn (a reflector nobody here wrote).

Run: CONFAB_BIN_DIR=build/dev/apps /usr/bin/python3 \
         tests/natlab/test_confab_nat.py -v          (root)
Exits 77 (skipped) when the lab cannot run or CONFAB_BIN_DIR is unset;
fails when CONFAB_BIN_DIR is set but confabd/confab are not in it.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

REPORT_KEYS = ("server", "udp", "local_address", "mapped_address",
               "behind_nat", "mapping", "filtering", "hairpinning", "classic",
               "tcp", "mapping_lifetime", "rfc5780", "advice")
CLASSIC = ("open", "firewall", "full-cone", "restricted-cone",
           "port-restricted-cone", "symmetric", "udp-blocked", "unknown")
EXIT_NETWORK = 3


class ConfabNat:
    """Mixin: build every topology, start a server, run `confab nat` in all
    clients at once (setUpClass); one test per topology checks the report."""

    port = None         # reflector port the client is pointed at

    @classmethod
    def start_server(cls, server, workdir):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-confab-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        cls.server_proc = cls.start_server(cls.server, cls.tmp.name)
        cls.topo = peers.build_topologies(cls.lab)
        cls.target = "%s:%d" % (natlab.SERVER_ADDRESSES[0], cls.port)
        names = list(cls.topo)
        results = peers.parallel(
            lambda n: peers.confab_nat(cls.topo[n][2], cls.bindir,
                                       cls.target), names)
        cls.results = dict(zip(names, results))

    def check(self, name):
        t, router, client = self.topo[name]
        r = self.results[name]
        if isinstance(r, Exception):
            raise r
        report, proc = r
        exp = t["expect"]
        msg = ("confab nat %s --json behind %s (exit %d):\nstdout: %s\n"
               "stderr: %s" % (self.target, name, proc.returncode,
                               proc.stdout, proc.stderr))
        self.assertIsInstance(report, dict, msg)
        for key in REPORT_KEYS:
            self.assertIn(key, report, msg)
        self.assertIn(report["classic"], CLASSIC, msg)
        self.assertEqual(report["server"], self.target, msg)
        self.assertEqual(report["udp"], exp["udp"], msg)
        self.assertEqual(report["classic"], exp["classic"], msg)
        self.assertEqual(report["mapping"], exp["mapping"], msg)
        self.assertEqual(report["filtering"], exp["filtering"], msg)
        if exp["behind_nat"] is not None:
            self.assertEqual(report["behind_nat"], exp["behind_nat"], msg)
        if exp["hairpinning"] is not None:
            self.assertEqual(report["hairpinning"], exp["hairpinning"], msg)
        public = router.wan_address if router.nat else client.address
        if exp["udp"]:
            self.assertEqual(proc.returncode, 0, msg)
            self.assertTrue(report["rfc5780"], msg)
            host, _ = peers.split_hostport(report["mapped_address"])
            self.assertEqual(host, public, msg)
            if report["local_address"] is not None:
                host, _ = peers.split_hostport(report["local_address"])
                self.assertIn(host, (client.address, "0.0.0.0"), msg)
        else:
            # UDP blocked, TCP passes: the server was reached over TCP.
            self.assertIn(proc.returncode, (0, EXIT_NETWORK), msg)
            self.assertIsInstance(report["tcp"], dict, msg)
            self.assertTrue(report["tcp"]["reachable"], msg)
            host, _ = peers.split_hostport(report["tcp"]["mapped_address"])
            self.assertEqual(host, public, msg)


def _add_topology_tests(cls):
    for t in natlab.TOPOLOGIES:
        setattr(cls, "test_" + t["name"].replace("-", "_"),
                lambda self, n=t["name"]: self.check(n))
    return cls


@_add_topology_tests
class AgainstConfabd(ConfabNat, unittest.TestCase):
    """confabd's SNATMAP reflector (RFC 5780 with 203.0.113.11)."""

    port = peers.CONFABD_PORT

    @classmethod
    def start_server(cls, server, workdir):
        return peers.start_confabd(server, cls.bindir, workdir)

    def test_confabd_still_running(self):
        self.assertIsNone(self.server_proc.poll(),
                          "confabd exited: see its log in %s" % self.tmp.name)


@_add_topology_tests
class AgainstCoturn(ConfabNat, unittest.TestCase):
    """coturn's turnserver as the RFC 5780 server (port 3478/3479)."""

    port = peers.COTURN_PORT

    @classmethod
    def setUpClass(cls):
        reason = peers.coturn_missing()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    @classmethod
    def start_server(cls, server, workdir):
        return peers.start_coturn(server, workdir)


def _binaries_required():
    d = os.environ.get("CONFAB_BIN_DIR")
    if d:
        bindir, reason = peers.confab_bin_dir()
        if bindir is None:
            print("FAIL: " + reason, flush=True)
            sys.exit(1)
        return None
    return peers.confab_bin_dir()[1]


if __name__ == "__main__":
    natlab.run_tests(_binaries_required)
