#!/usr/bin/python3
"""`confab firewall` rule sets loaded for real, and a real `confab
portcheck` through them (issue 6).

confabd runs in the lab's server namespace (203.0.113.10); a client sits
on the "internet" (198.51.100.101, nothing in front of it). For each
profile (minimal, A, B) and format (nftables loaded with `nft -f`,
iptables loaded with `iptables-restore`, not only --test, and ufw: the
generated `ufw` commands run for real, then `ufw --force enable`, with
ufw's state files in a scratch copy (ufw_sandbox.py), so the host's ufw
is never touched):

- server side: the rules go into confabd's namespace (default-drop input,
  so the rules are what lets traffic in); every port the running
  daemon's catalog says the server must accept (to-server) is open, and
  the media range (the port check's echo ports: shut, every client's
  check said "media blocked" until the generator let them in), while
  Bonjour (LAN-only, even in A) is blocked on exactly its ports;
- client side: the rules go into the client's namespace; everything
  outbound still works where the profile allows it, media gets in
  unsolicited, Bonjour from outside the LAN is kept out ("filtered");
- negative controls: the server's minimal set with the XMPP rule removed
  blocks exactly 5222/tcp; client rules made for a shorter media range
  keep exactly the two missing ports filtered.

A second confabd runs SIP on 5070 (`--set sip.port=5070`): the portcheck
learns that from the server's catalog (PORTCHECK 2) and tests 5070, not
5060; rules generated from the running daemon let it through, rules made
from the defaults (5060) block exactly 5070.

Root only; exits 77 (skip, with the reason) without the lab, nft or
iptables-restore; the ufw cases skip without ufw.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402
import ufw_sandbox  # noqa: E402

SERVER = natlab.SERVER_ADDRESSES[0]
TIMEOUT = "1"
PROFILES = ("minimal", "A", "B")  # as `confab firewall --profile` names them
ACCEPT_ALL = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
HELLO = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 5680), timeout=5)
s.sendall(sys.argv[2].encode() + b"\n")
f = s.makefile("rb")
lines = [f.readline().decode().rstrip("\n")]
s.settimeout(1)
try:
    lines.append(f.readline().decode().rstrip("\n"))
except OSError:
    pass
print("\n".join(l for l in lines if l))
"""

# A port check from before PORTCHECK 2: refuses version 2 the way those
# servers did (and closes), serves version 1 (enough for --only portcheck).
OLD_SERVER = r"""
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5680))
srv.listen(4)
print("ready", flush=True)
srv.settimeout(30)
for _ in range(4):
    try:
        conn, peer = srv.accept()
    except OSError:
        break
    f = conn.makefile("rb")
    for line in f:
        cmd = line.decode().strip()
        if cmd == "PORTCHECK 1":
            conn.sendall(("SESSION %s %s 60\n" % ("ab" * 16, peer[0])).encode())
        elif cmd.startswith("PORTCHECK"):
            conn.sendall(b"ERR unsupported version (this server speaks PORTCHECK 1)\n")
            break
        elif cmd == "REPORT":
            conn.sendall(b"END\n")
        else:
            break
    conn.close()
"""


def tools_missing():
    for tool in ("iptables-restore", "conntrack"):
        if shutil.which(tool) is None and not os.access("/usr/sbin/" + tool, os.X_OK):
            return "%s is not installed (scripts/install-deps.sh installs it)" % tool
    return peers.confab_bin_dir()[1]


def problems(report):
    """{(port, transport, direction): verdict} of every result not open."""
    return {(r["port"], r["transport"], r["direction"]): r["verdict"]
            for r in report["results"] if r["verdict"] != "open"}


def ports_of(entries, *, direction=None, services=None):
    """(port, transport) of every catalog entry matching."""
    out = set()
    for e in entries:
        if direction and e["direction"] != direction:
            continue
        if services is not None and e["service"] not in services:
            continue
        out |= {(p, e["transport"]) for p in range(e["first"], e["last"] + 1)}
    return out


class ConfabdLab(unittest.TestCase):
    """A lab with confabd (extra `--set`s from SETTINGS) and one public client."""
    SETTINGS = ()

    @classmethod
    def setUpClass(cls):
        cls.bindir, _ = peers.confab_bin_dir()
        cls.confab = os.path.join(cls.bindir, "confab")
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-fwpc-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        log = open(os.path.join(cls.tmp.name, "confabd.log"), "w")
        cls.addClassCleanup(log.close)
        argv = [os.path.join(cls.bindir, "confabd"),
                "--set", 'server.data_dir="%s"' % cls.data,
                "--set", "server.workers=1",
                "--set", 'snatmap.address="%s"' % SERVER,
                "--set", 'snatmap.alternate_address="%s"' % natlab.SERVER_ADDRESSES[1],
                "--set", 'sip.address="%s"' % SERVER,
                "--set", 'portcheck.address="%s"' % SERVER]
        for s in cls.SETTINGS:
            argv += ["--set", s]
        cls.confabd = cls.server.popen(argv, stdout=log, stderr=subprocess.STDOUT)
        for port, proto in ((5680, "tcp"), (5222, "tcp"), (5223, "tcp"), (5678, "udp")):
            cls.server.wait_listening(port, proto, timeout=30, proc=cls.confabd)
        cls.client = cls.lab.client("p")  # public: only its own rules in front of it

    # ---- helpers -----------------------------------------------------------

    @classmethod
    def running_catalog(cls):
        """The running confabd's catalog, asked over its control socket."""
        r = subprocess.run([cls.confab, "ports", "--catalog", "--json", "--data-dir", cls.data],
                           capture_output=True, text=True, check=True)
        if "note:" in r.stderr:
            raise AssertionError("confabd did not answer on its control socket: " + r.stderr)
        return json.loads(r.stdout)

    def rules(self, fmt, side, profile, *extra, daemon=True):
        """`confab firewall` text, with the running daemon's catalog (or
        the built-in defaults: a data dir no confabd runs in)."""
        data = self.data if daemon else os.path.join(self.tmp.name, "no-daemon")
        r = subprocess.run([self.confab, "firewall", "--format", fmt, "--side", side, "--profile", profile,
                            "--data-dir", data, *extra], capture_output=True, text=True, check=True)
        return r.stdout

    def load(self, host, fmt, text):
        """Loads a rule set into host's namespace; undone after the test.

        Conntrack is flushed on both ends first: an entry left by the
        previous run (a more open rule set) would let its "replies" in
        through `ct state established` and hide what these rules block."""
        for h in (self.server, self.client):
            h.run(["conntrack", "-F"], check=False)
        if fmt == "nftables":
            host.run(["nft", "-c", "-f", "-"], input=text)
            host.run(["nft", "-f", "-"], input=text)
            self.addCleanup(host.run, ["nft", "delete table inet confab"], check=False)
        elif fmt == "ufw":
            self.addCleanup(ufw_sandbox.unload, host)
            ufw_sandbox.load(host, text)
        else:
            host.run(["iptables-restore", "--test"], input=text)
            host.run(["iptables-restore"], input=text)
            self.addCleanup(host.run, ["iptables-restore"], input=ACCEPT_ALL, check=False)

    def portcheck(self, *extra):
        p = self.client.run([self.confab, "portcheck", SERVER, "--json", "--timeout", TIMEOUT, *extra],
                            check=False, timeout=90)
        try:
            report = json.loads(p.stdout)
        except ValueError:
            self.fail("no JSON (exit %d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
        self.assertEqual(report.get("catalog"), "server", p.stderr)
        return report, p.returncode


class FirewallPortcheck(ConfabdLab):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cat = cls.running_catalog()
        cls.must_accept = ports_of(cat, direction="to-server")
        cls.media = ports_of(cat, services={"media"})
        cls.bonjour = ports_of(cat, services={"mdns", "bonjour-chat", "bonjour-chat-udp"})

    def outbound(self, ports, verdict="blocked"):
        return {(p, t, "outbound"): verdict for p, t in ports}

    def inbound(self, ports, verdict):
        return {(p, t, "inbound"): verdict for p, t in ports}

    def check_server_side(self, fmt, profile):
        self.load(self.server, fmt, self.rules(fmt, "server", profile))
        report, code = self.portcheck()
        tested = {(r["port"], r["transport"]) for r in report["results"]}
        self.assertTrue(self.must_accept <= tested, self.must_accept - tested)
        # Every to-server port is open, and media (the port check's echo
        # ports); a server's rules never open Bonjour to the internet.
        self.assertEqual(problems(report), self.outbound(self.bonjour))
        self.assertEqual(code, 0)  # Bonjour is local-network only: not a failure

    def check_client_side(self, fmt, profile):
        self.load(self.client, fmt, self.rules(fmt, "client", profile))
        report, code = self.portcheck()
        # Media gets in unsolicited; Bonjour from outside the LAN does not.
        # B (strict) also lets Bonjour out only to the LAN and multicast.
        want = self.inbound(self.bonjour, "filtered")
        if profile == "B":
            want = {**self.outbound(self.bonjour), **self.inbound(self.bonjour, "blocked")}
        self.assertEqual(problems(report), want)
        self.assertEqual(code, 0)  # Bonjour is local-network only: nothing to fix
        got_in = {(r["port"], r["transport"]) for r in report["results"]
                  if r["direction"] == "inbound" and r["verdict"] == "open"}
        self.assertEqual(got_in, self.media)

    def test_1_without_rules_everything_is_open(self):
        report, code = self.portcheck()
        self.assertEqual(problems(report), {})
        self.assertEqual(code, 0)

    def test_2_server_nftables_each_profile(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_server_side("nftables", profile)
                self.doCleanups()

    def test_3_server_iptables_each_profile(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_server_side("iptables", profile)
                self.doCleanups()

    def test_4_server_rules_without_one_rule_block_exactly_that_port(self):
        text = self.rules("nftables", "server", "minimal")
        lines = text.splitlines(keepends=True)
        xmpp = [l for l in lines if "tcp dport 5222 accept" in l]
        self.assertEqual(len(xmpp), 1, text)
        self.load(self.server, "nftables", "".join(l for l in lines if l not in xmpp))
        report, code = self.portcheck()
        want = self.outbound(self.bonjour)
        want[(5222, "tcp", "outbound")] = "blocked"
        self.assertEqual(problems(report), want)
        self.assertEqual(code, 6)

    def test_5_client_nftables_each_profile(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_client_side("nftables", profile)
                self.doCleanups()

    def test_6_client_iptables_each_profile(self):
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_client_side("iptables", profile)
                self.doCleanups()

    def test_8_server_ufw_each_profile(self):
        reason = ufw_sandbox.missing()
        if reason:
            self.skipTest(reason)
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_server_side("ufw", profile)
                self.doCleanups()

    def test_9_client_ufw_each_profile(self):
        reason = ufw_sandbox.missing()
        if reason:
            self.skipTest(reason)
        for profile in PROFILES:
            with self.subTest(profile=profile):
                self.check_client_side("ufw", profile)
                self.doCleanups()

    def test_7_client_rules_for_a_shorter_media_range_keep_the_rest_out(self):
        self.load(self.client, "nftables", self.rules("nftables", "client", "minimal", "--media-ports", "16384-16401"))
        report, code = self.portcheck("--only", "media")
        self.assertEqual(problems(report), {(16402, "udp", "inbound"): "filtered",
                                            (16403, "udp", "inbound"): "filtered"})
        self.assertEqual(code, 0)


class PortcheckUsesTheServersCatalog(ConfabdLab):
    SETTINGS = ("sip.port=5070",)

    def test_1_the_hello_brings_the_catalog_and_version_1_still_works(self):
        v2 = self.client.run(["/usr/bin/python3", "-c", HELLO, SERVER, "PORTCHECK 2"]).stdout.splitlines()
        self.assertEqual(len(v2), 2, v2)
        self.assertTrue(v2[0].startswith("SESSION "), v2)
        self.assertTrue(v2[1].startswith("CATALOG ["), v2)
        sip = [e for e in json.loads(v2[1][len("CATALOG "):]) if e["service"] in ("sip", "sip-tcp")]
        self.assertEqual({(e["first"], e["transport"]) for e in sip}, {(5070, "udp"), (5070, "tcp")})
        v1 = self.client.run(["/usr/bin/python3", "-c", HELLO, SERVER, "PORTCHECK 1"]).stdout.splitlines()
        self.assertEqual(len(v1), 1, v1)  # an old client sees what it always saw
        self.assertTrue(v1[0].startswith("SESSION "), v1)

    def test_1b_an_older_server_is_checked_with_the_default_ports(self):
        old = self.server.popen(["/usr/bin/python3", "-c", OLD_SERVER, natlab.SERVER_ADDRESSES[1]],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(old.kill)
        self.assertEqual(old.stdout.readline().strip(), "ready", old.stderr.read() if old.poll() is not None else "")
        p = self.client.run([self.confab, "portcheck", natlab.SERVER_ADDRESSES[1], "--json", "--only", "portcheck"],
                            check=False, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("testing the default ports", p.stderr)
        report = json.loads(p.stdout)
        self.assertEqual(report["catalog"], "defaults")
        self.assertEqual([(r["service"], r["port"], r["verdict"]) for r in report["results"]],
                         [("portcheck", 5680, "open")])

    def test_2_sip_is_tested_on_5070(self):
        report, code = self.portcheck()
        self.assertEqual(problems(report), {})
        self.assertEqual(code, 0)
        sip = {(r["port"], r["transport"]) for r in report["results"] if r["service"] in ("sip", "sip-tcp")}
        self.assertEqual(sip, {(5070, "udp"), (5070, "tcp")})

    def test_3_rules_from_the_running_daemon_let_5070_in(self):
        self.load(self.server, "nftables", self.rules("nftables", "server", "minimal"))
        report, _ = self.portcheck("--only", "sip")
        self.assertEqual(problems(report), {})

    def test_4_rules_from_the_defaults_block_exactly_5070(self):
        text = self.rules("nftables", "server", "minimal", daemon=False)
        self.assertIn("udp dport 5060 accept", text)
        self.load(self.server, "nftables", text)
        report, code = self.portcheck("--only", "sip")
        self.assertEqual(problems(report), {(5070, "udp", "outbound"): "blocked",
                                            (5070, "tcp", "outbound"): "blocked"})
        self.assertEqual(code, 6)


if __name__ == "__main__":
    natlab.run_tests(tools_missing)
