#!/usr/bin/python3
"""Validate every lab topology with third-party software: coturn's
turnserver as the RFC 5780 server and turnutils_natdiscovery as the client.

Run: /usr/bin/python3 tests/natlab/test_lab_with_coturn.py -v   (root)
Exits 77 (skipped) when the lab or coturn is unavailable.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

TCP_CONNECT = ("import socket,sys; s=socket.create_connection((sys.argv[1], "
               "int(sys.argv[2])), timeout=3); print(s.getsockname())")


class CoturnSeesEachTopology(unittest.TestCase):
    """turnutils_natdiscovery must report the behaviour each router was
    built with; one test per topology (all discoveries run in parallel in
    setUpClass)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-coturn-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        peers.start_coturn(cls.server, cls.tmp.name)
        cls.topo = peers.build_topologies(cls.lab)
        names = list(cls.topo)
        results = peers.parallel(
            lambda n: peers.natdiscovery(cls.topo[n][2]), names)
        cls.results = dict(zip(names, results))
        if os.environ.get("NATLAB_VERBOSE"):
            for n in names:
                r = cls.results[n]
                if not isinstance(r, Exception):
                    print("\n== %s\n  %s" % (n, "\n  ".join(peers.summary(r))),
                          file=sys.stderr)

    def check(self, name):
        t, router, client = self.topo[name]
        r = self.results[name]
        if isinstance(r, Exception):
            raise r
        exp = t["expect"]
        msg = "natdiscovery output for %s:\n%s" % (name, r["output"])
        self.assertEqual(r["udp"], exp["udp"], msg)
        if not exp["udp"]:
            self.assertNotEqual(r["returncode"], 0, msg)
            self.assertIn("STUN receive timeout", r["output"], msg)
            return
        self.assertEqual(r["returncode"], 0, msg)
        self.assertEqual(r["behind_nat"], exp["behind_nat"], msg)
        self.assertEqual(r["mapping"], exp["mapping"], msg)
        self.assertEqual(r["filtering"], exp["filtering"], msg)
        if exp["hairpinning"] is not None:
            self.assertEqual(r["hairpinning"], exp["hairpinning"], msg)
        host, _ = peers.split_hostport(r["mapped_address"])
        self.assertEqual(host, router.wan_address if router.nat
                         else client.address, msg)

    def test_udp_blocked_router_passes_tcp(self):
        _, router, client = self.topo["udp-blocked"]
        p = client.run([natlab.PYTHON, "-c", TCP_CONNECT,
                        natlab.SERVER_ADDRESSES[0], str(peers.COTURN_PORT)],
                       check=False)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_router_input_drops_leave_no_conntrack_entry(self):
        # The DESIGN pitfall: an unsolicited packet to the router's WAN
        # address must not leave a conntrack entry behind.
        _, router, _ = self.topo["port-restricted"]
        self.server.run([natlab.PYTHON, "-c",
                         "import socket; s=socket.socket(2,2); "
                         "s.bind(('203.0.113.10', 40000)); "
                         "s.sendto(b'x', ('%s', 40001))" % router.wan_address])
        self.assertNotIn("dport=40001", router.conntrack())


for _t in natlab.TOPOLOGIES:
    setattr(CoturnSeesEachTopology,
            "test_" + _t["name"].replace("-", "_"),
            lambda self, n=_t["name"]: self.check(n))


if __name__ == "__main__":
    natlab.run_tests(peers.coturn_missing)
