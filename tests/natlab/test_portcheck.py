#!/usr/bin/python3
"""`confab portcheck` through real firewalls and a real SIP ALG.

confabd runs on the lab's public server (203.0.113.10). A client sits
behind a plain router (no NAT, everything forwarded); a table of our own
on that router drops a chosen set of ports, transports and directions, and
`confab portcheck --json` must report exactly that set as not open, with
the right verdict and detail, and nothing more:

- nothing dropped: every port open;
- outbound blocks: dropped silently (no answer) and rejected (refused);
- inbound only, replies only, both, on UDP and TCP (stateful and stateless
  rules: "filtered", "replies blocked", "blocked");
- UDP 5060 dropped while other UDP passes: SIP "dropped".

A second client sits behind a NAT router with the kernel's SIP ALG on
(nf_conntrack_sip + nf_nat_sip via an nftables `ct helper` of type "sip"):
its SIP probe must come back "rewritten", naming Via, Contact and the SDP's
c= line, while SIP over TCP (no helper) stays untouched.

Root only; exits 77 otherwise.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

SERVER = natlab.SERVER_ADDRESSES[0]
TIMEOUT = "1.5"


def problems(report):
    """{(port, transport, direction): (verdict, detail)} of every result
    that is not open."""
    return {(r["port"], r["transport"], r["direction"]): (r["verdict"], r["detail"])
            for r in report["results"] if r["verdict"] != "open"}


class Portcheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        cls.confab = os.path.join(cls.bindir, "confab")
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-portcheck-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        log = open(os.path.join(cls.tmp.name, "confabd.log"), "w")
        cls.addClassCleanup(log.close)
        cls.confabd = cls.server.popen([
            os.path.join(cls.bindir, "confabd"),
            "--set", 'server.data_dir="%s"' % os.path.join(cls.tmp.name, "data"),
            "--set", "server.workers=1",
            "--set", 'snatmap.address="%s"' % SERVER,
            "--set", 'snatmap.alternate_address="%s"' % natlab.SERVER_ADDRESSES[1],
            "--set", 'sip.address="%s"' % SERVER,
            "--set", 'portcheck.address="%s"' % SERVER,
        ], stdout=log, stderr=subprocess.STDOUT)
        for port, proto in ((5680, "tcp"), (5060, "udp"), (5222, "tcp"), (5223, "tcp"), (5678, "udp")):
            cls.server.wait_listening(port, proto, timeout=30, proc=cls.confabd)
        # A plain router: no NAT, forwards everything; our table filters.
        cls.fw = cls.lab.router("fw", mapping=None, filtering=natlab.EIM)
        cls.client = cls.lab.client("c", behind=cls.fw)

    def filter(self, *rules):
        """Replace the router's test table with these forward-chain rules."""
        self.fw.run(["nft", "delete table inet pcfw"], check=False)
        table = ("table inet pcfw {\n\tchain forward {\n\t\ttype filter hook forward priority -10; policy accept;\n"
                 + "".join("\t\t%s\n" % r for r in rules) + "\t}\n}\n")
        self.fw.run(["nft", "-f", "-"], input=table)

    def portcheck(self, host, *extra):
        p = host.run([self.confab, "portcheck", SERVER, "--json", "--timeout", TIMEOUT] + list(extra),
                     check=False, timeout=60)
        try:
            report = json.loads(p.stdout)
        except ValueError:
            self.fail("no JSON (exit %d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
        return report, p.returncode

    def test_1_nothing_blocked_reports_every_port_open(self):
        self.filter()
        report, code = self.portcheck(self.client)
        self.assertEqual(problems(report), {})
        self.assertEqual(code, 0)
        self.assertEqual(report["public_address"], self.client.address)  # no NAT in front of it
        services = {r["service"] for r in report["results"]}
        for s in ("reflector", "reflector-tcp", "sip", "sip-tcp", "sip-tls", "xmpp", "xmpp-tls", "media",
                  "portcheck", "mdns", "bonjour-chat"):
            self.assertIn(s, services)
        inbound = [r for r in report["results"] if r["direction"] == "inbound"]
        self.assertEqual(len([r for r in inbound if r["service"] == "media"]), 20)

    def test_2_outbound_blocks_are_reported_exactly(self):
        c = self.client.address
        self.filter("ip saddr %s udp dport 16390 drop" % c,
                    "ip saddr %s udp dport 3478 drop" % c,
                    "ip saddr %s tcp dport 5222 drop" % c,
                    "ip saddr %s tcp dport 5223 reject with tcp reset" % c)
        report, code = self.portcheck(self.client)
        self.assertEqual(problems(report), {
            (16390, "udp", "outbound"): ("blocked", "no answer"),
            (3478, "udp", "outbound"): ("blocked", "no answer"),
            (5222, "tcp", "outbound"): ("blocked", "no answer (cannot connect to %s:5222: timed out)" % SERVER),
            (5223, "tcp", "outbound"): ("blocked", "refused (cannot connect to %s:5223: Connection refused)" % SERVER),
        })
        self.assertEqual(code, 6)
        blocked = next(r for r in report["results"] if r["port"] == 16390 and r["direction"] == "outbound")
        self.assertIn("media needs 16384-16403/udp outbound", blocked["breaks"])
        self.assertIn("udp dport 16390 accept", blocked["fix"])

    def test_3_inbound_only_and_replies_blocked_are_told_apart(self):
        c = self.client.address
        self.filter(
            # Unsolicited inbound refused, replies let in (a stateful firewall).
            "ip daddr %s udp dport 16395 ct state new drop" % c,
            "ip daddr %s tcp dport 5298 ct state new drop" % c,
            # The server's answers from 16400 dropped: unsolicited from its other port still gets in.
            "ip saddr %s ip daddr %s udp sport 16400 drop" % (SERVER, c),
            # Nothing gets in to 16401, replies or not.
            "ip daddr %s udp dport 16401 drop" % c)
        report, code = self.portcheck(self.client)
        filtered = "unsolicited blocked, replies get in (NAT or stateful firewall)"
        self.assertEqual(problems(report), {
            (16395, "udp", "inbound"): ("filtered", filtered),
            (5298, "tcp", "inbound"): ("filtered", filtered),
            (16400, "udp", "outbound"): ("blocked", "replies blocked"),
            (16401, "udp", "outbound"): ("blocked", "replies blocked"),
            (16401, "udp", "inbound"): ("blocked", "no answer: nothing from the server got in"),
        })
        self.assertEqual(code, 6)  # replies blocked on media ports matter

    def test_4_inbound_filtering_alone_is_not_a_failure(self):
        self.filter("ip daddr %s udp dport 16384-16403 ct state new drop" % self.client.address)
        report, code = self.portcheck(self.client, "--only", "media")
        filtered = "unsolicited blocked, replies get in (NAT or stateful firewall)"
        self.assertEqual(problems(report), {(p, "udp", "inbound"): ("filtered", filtered) for p in range(16384, 16404)})
        self.assertEqual(code, 0)
        self.assertEqual({r["service"] for r in report["results"]}, {"media"})

    def test_5_sip_dropping_router_is_reported_as_dropping(self):
        self.filter("udp dport 5060 drop")
        report, code = self.portcheck(self.client, "--only", "sip,reflector")
        p = problems(report)
        self.assertEqual(set(p), {(5060, "udp", "outbound")})
        verdict, detail = p[(5060, "udp", "outbound")]
        self.assertEqual(verdict, "blocked")
        self.assertTrue(detail.startswith("dropped"), detail)
        self.assertEqual(code, 6)

    def test_6_a_rewriting_sip_alg_is_detected(self):
        alg = self.lab.router("alg", **natlab.PRESETS["port-restricted-cone"], sip_alg=True)
        self.assertIn('ct helper set "sip"', alg.nft_list())
        behind = self.lab.client("b", behind=alg)
        html = os.path.join(self.tmp.name, "report.html")
        report, code = self.portcheck(behind, "--only", "sip", "--html", html)
        by_key = {(r["port"], r["transport"]): r for r in report["results"]}
        udp = by_key[(5060, "udp")]
        self.assertEqual(udp["verdict"], "rewritten", udp)
        where = {c["where"] for c in udp["changes"]}
        self.assertTrue({"Via", "Contact", "SDP c="} <= where, where)
        via = next(c for c in udp["changes"] if c["where"] == "Via")
        self.assertIn(behind.address, via["sent"])
        self.assertIn(alg.wan_address, via["received"])
        self.assertEqual(by_key[(5060, "tcp")]["verdict"], "open")  # the helper watches UDP 5060 only
        self.assertEqual(report["public_address"], alg.wan_address)
        self.assertEqual(code, 6)
        with open(html) as f:
            page = f.read()
        self.assertIn("5060/udp outbound rewritten", page)
        self.assertIn(alg.wan_address, page)


if __name__ == "__main__":
    natlab.run_tests(lambda: peers.confab_bin_dir()[1])
