#!/usr/bin/python3
"""`confab firewall` over IPv6, loaded for real (issue 6).

The lab's server and a public client get IPv6 documentation addresses
(2001:db8::10 and ::11, 2001:db8::101) on the lab's internet. Then:

- syntax: every side and profile of `--format ip6tables` passes
  `ip6tables-restore --test`, and of nftables (inet: both families) `nft -c`;
- server side, ip6tables (`ip6tables-restore`) and nftables (`nft -f`):
  a python listener in the server's namespace records what gets in from
  the client's global address: the server's ports and the media range
  (the port check's echo ports) do, Bonjour and an unlisted port do not;
- client side: media gets in over IPv6; Bonjour only from the LAN:
  not from the server's global address, yes from its link-local one
  (fe80::/10 is always "LAN"), and yes from the global one once that
  prefix is given with `--lan6 2001:db8::/64`;
- strict client (B): only the allowed ports get out, over IPv6 too (so
  neighbour solicitations get out of its default-drop output chain);
- negative control: the ip6tables rules without the ICMPv6 rule cut the
  host off entirely (neighbour discovery is dropped, so nothing gets
  through, not even the allowed ports);
- ufw (its IPv6 rules, from the same commands): loaded in the client's
  namespace with ufw_sandbox, media gets in over IPv6, Bonjour does not;
- a real `confab portcheck` over IPv6 against a confabd bound to the
  server's IPv6 addresses, through the server's nftables and ip6tables
  rules (every to-server port open, Bonjour blocked).

Root only; exits 77 (skip, with the reason) without the lab or
ip6tables-restore.
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

SERVER6 = ("2001:db8::10", "2001:db8::11")
CLIENT6 = "2001:db8::101"
PREFIX6 = "2001:db8::/64"
FLUSH = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"

# Listens on [::] on each PORT/PROTO given; prints "ready", then, when a
# line arrives on stdin, the ones something got into, and exits.
LISTEN = r"""
import select, socket, sys
socks = []
for spec in sys.argv[1:]:
    port, proto = spec.split('/')
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::', int(port)))
    if proto == 'tcp':
        s.listen(8)
    socks.append((s, spec))
print('ready', flush=True)
got = set()
for _ in range(1000):
    r, _, _ = select.select([s for s, _ in socks] + [sys.stdin], [], [], 30)
    if not r or sys.stdin in r:
        break
    for s, name in socks:
        if s in r:
            if name.endswith('udp'):
                s.recvfrom(100)
            else:
                s.accept()[0].close()
            got.add(name)
print(' '.join(sorted(got)), flush=True)
"""

# Sends to TARGET (an IPv6 address, "%eth0" for a link-local one) on each
# PORT/PROTO: three datagrams, or a TCP connect (1 s). Prints the TCP
# ports that connected.
SEND = r"""
import socket, sys, time
target = sys.argv[1]
connected = []
for spec in sys.argv[2:]:
    port, proto = spec.split('/')
    addr = socket.getaddrinfo(target, int(port), socket.AF_INET6)[0][4]
    if proto == 'udp':
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        for _ in range(3):
            try:
                s.sendto(b'x', addr)
            except OSError:
                pass
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect(addr)
            connected.append(spec)
        except OSError:
            pass
    s.close()
time.sleep(0.3)
print(' '.join(connected), flush=True)
"""


def tools_missing():
    for tool in ("ip6tables-restore", "conntrack"):
        if shutil.which(tool) is None and not os.access("/usr/sbin/" + tool, os.X_OK):
            return "%s is not installed (scripts/install-deps.sh installs it)" % tool
    return peers.confab_bin_dir()[1]


def enable_ipv6(host, addresses):
    """The lab turns IPv6 off in every namespace; on again here, without
    duplicate address detection (addresses usable at once)."""
    for key in ("all/accept_dad", "default/accept_dad", "eth0/accept_dad",
                "all/disable_ipv6", "default/disable_ipv6", "eth0/disable_ipv6", "lo/disable_ipv6"):
        host.sh("echo 0 > /proc/sys/net/ipv6/conf/%s" % key)
    for a in addresses:
        host.run(["ip", "-6", "addr", "add", a + "/64", "dev", "eth0", "nodad"])
    for _ in range(50):  # the link-local address appears with the link's IPv6
        if link_local(host):
            return
        host.run(["sleep", "0.1"])
    raise AssertionError("no link-local address on %s's eth0" % host.name)


def listening6(host, port, proto):
    """True if a socket in host listens on [addr]:port (tcp6/udp6)."""
    for line in host.run(["cat", "/proc/net/%s6" % proto]).stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[1].endswith(":%04X" % port) and (proto == "udp" or fields[3] == "0A"):
            return True
    return False


def problems(report):
    """{(port, transport, direction): verdict} of every result not open."""
    return {(r["port"], r["transport"], r["direction"]): r["verdict"]
            for r in report["results"] if r["verdict"] != "open"}


def link_local(host):
    out = host.run(["ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"]).stdout.split()
    return out[out.index("inet6") + 1].split("/")[0] if "inet6" in out else None


class FirewallIpv6(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, _ = peers.confab_bin_dir()
        cls.confab = os.path.join(cls.bindir, "confab")
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-fw6-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        cls.client = cls.lab.client("p6")
        # Neighbour solicitations go to multicast groups: flood them on the
        # lab's bridge rather than rely on MLD snooping with no querier.
        natlab._sh(["ip", "-n", cls.lab.inet, "link", "set", "br0", "type", "bridge", "mcast_snooping", "0"])
        enable_ipv6(cls.server, SERVER6)
        enable_ipv6(cls.client, [CLIENT6])
        cls.server_ll = link_local(cls.server)

    # ---- helpers -----------------------------------------------------------

    def rules(self, fmt, side, profile, *extra, data_dir=None):
        """`confab firewall` text; the built-in default catalog unless a
        running confabd's data_dir is given."""
        data = data_dir or os.path.join(self.tmp.name, "no-daemon")
        r = subprocess.run([self.confab, "firewall", "--format", fmt, "--side", side, "--profile", profile,
                            "--data-dir", data, *extra], capture_output=True, text=True, check=True)
        return r.stdout

    def load(self, host, fmt, text):
        """Loads rules into host's namespace (both ends' conntrack and
        neighbour caches flushed first); undone after the test."""
        for h in (self.server, self.client):
            h.run(["conntrack", "-F"], check=False)
            h.run(["ip", "-6", "neigh", "flush", "dev", "eth0"], check=False)
        if fmt == "nftables":
            host.run(["nft", "-c", "-f", "-"], input=text)
            host.run(["nft", "-f", "-"], input=text)
            self.addCleanup(host.run, ["nft", "delete table inet confab"], check=False)
        elif fmt == "ip6tables":
            host.run(["ip6tables-restore", "--test"], input=text)
            host.run(["ip6tables-restore"], input=text)
            self.addCleanup(host.run, ["ip6tables-restore"], input=FLUSH, check=False)
        else:
            self.addCleanup(ufw_sandbox.unload, host)
            ufw_sandbox.load(host, text)

    def probe(self, sender, receiver, target, specs):
        """What of specs (PORT/PROTO) got from sender into receiver's
        listener at target; and which TCP connects succeeded."""
        listener = receiver.popen(["/usr/bin/python3", "-c", LISTEN, *specs],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(listener.kill)
        self.assertEqual(listener.stdout.readline().strip(), "ready")
        sent = sender.run(["/usr/bin/python3", "-c", SEND, target, *specs], timeout=60)
        listener.stdin.write("done\n")
        listener.stdin.flush()
        got = set(listener.stdout.readline().split())
        listener.wait(timeout=10)
        return got, set(sent.stdout.split())

    # ---- tests -------------------------------------------------------------

    def test_1_every_rule_set_is_accepted_by_ip6tables_restore_and_nft(self):
        for side in ("client", "server"):
            for profile in ("minimal", "open", "strict"):
                with self.subTest(side=side, profile=profile):
                    r = self.client.run(["ip6tables-restore", "--test"], check=False,
                                        input=self.rules("ip6tables", side, profile))
                    self.assertEqual(r.returncode, 0, r.stderr)
                    r = self.client.run(["nft", "-c", "-f", "-"], check=False,
                                        input=self.rules("nftables", side, profile, "--lan6", PREFIX6))
                    self.assertEqual(r.returncode, 0, r.stderr)

    SERVER_PROBES = ["5222/tcp", "5223/tcp", "5060/udp", "5060/tcp", "5678/udp", "16384/udp", "16403/udp",
                     "5353/udp", "5298/tcp", "9999/tcp", "9999/udp"]
    SERVER_OPEN = {"5222/tcp", "5223/tcp", "5060/udp", "5060/tcp", "5678/udp", "16384/udp", "16403/udp"}

    def test_2_server_rules_let_the_services_in_over_ipv6(self):
        for fmt in ("ip6tables", "nftables"):
            with self.subTest(fmt=fmt):
                self.load(self.server, fmt, self.rules(fmt, "server", "minimal"))
                got, connected = self.probe(self.client, self.server, SERVER6[0], self.SERVER_PROBES)
                self.assertEqual(got, self.SERVER_OPEN)
                self.assertEqual(connected, {s for s in self.SERVER_OPEN if s.endswith("tcp")})
                self.doCleanups()

    CLIENT_PROBES = ["16384/udp", "16403/udp", "16500/udp", "5353/udp", "5298/tcp", "5060/udp"]

    def test_3_client_rules_let_media_in_and_bonjour_only_from_the_lan(self):
        media = {"16384/udp", "16403/udp"}
        bonjour = {"5353/udp", "5298/tcp"}
        for fmt in ("ip6tables", "nftables"):
            with self.subTest(fmt=fmt):
                self.load(self.client, fmt, self.rules(fmt, "client", "minimal"))
                got, _ = self.probe(self.server, self.client, CLIENT6, self.CLIENT_PROBES)
                self.assertEqual(got, media)  # 2001:db8::10 is not on the (default) IPv6 LAN
                # From the server's link-local address: fe80::/10 is always LAN.
                got, _ = self.probe(self.server, self.client, link_local(self.client) + "%eth0", self.CLIENT_PROBES)
                self.assertEqual(got, media | bonjour)
                self.doCleanups()
            with self.subTest(fmt=fmt, lan6=PREFIX6):
                self.load(self.client, fmt, self.rules(fmt, "client", "minimal", "--lan6", PREFIX6))
                got, _ = self.probe(self.server, self.client, CLIENT6, self.CLIENT_PROBES)
                self.assertEqual(got, media | bonjour)
                self.doCleanups()

    def test_4_strict_client_lets_only_the_allowed_ports_out(self):
        for fmt in ("ip6tables", "nftables"):
            with self.subTest(fmt=fmt):
                self.load(self.client, fmt, self.rules(fmt, "client", "strict"))
                got, connected = self.probe(self.client, self.server, SERVER6[0],
                                            ["5222/tcp", "5060/udp", "9999/tcp", "9999/udp"])
                self.assertEqual(got, {"5222/tcp", "5060/udp"})
                self.assertEqual(connected, {"5222/tcp"})
                self.doCleanups()

    def test_5_without_icmpv6_nothing_gets_through(self):
        text = self.rules("ip6tables", "server", "minimal")
        lines = text.splitlines(keepends=True)
        icmp = [l for l in lines if "-p ipv6-icmp" in l]
        self.assertEqual(len(icmp), 1, text)
        self.load(self.server, "ip6tables", "".join(l for l in lines if l not in icmp))
        got, connected = self.probe(self.client, self.server, SERVER6[0], ["5222/tcp", "5060/udp"])
        # Allowed ports, yet nothing: the server never answers the client's
        # neighbour solicitation, so no packet is even sent to it.
        self.assertEqual((got, connected), (set(), set()))
        neigh = self.client.run(["ip", "-6", "neigh", "show", SERVER6[0]]).stdout
        self.assertNotIn("REACHABLE", neigh)

    def test_6_ufw_ipv6_rules_let_media_in_and_keep_bonjour_out(self):
        reason = ufw_sandbox.missing()
        if reason:
            self.skipTest(reason)
        self.load(self.client, "ufw", self.rules("ufw", "client", "minimal"))
        v6 = self.client.run(["ip6tables-save"]).stdout
        self.assertIn("-s fe80::/10", v6)  # ufw wrote the IPv6 LAN rules
        got, _ = self.probe(self.server, self.client, CLIENT6, self.CLIENT_PROBES)
        self.assertEqual(got, {"16384/udp", "16403/udp"})
        got, _ = self.probe(self.server, self.client, link_local(self.client) + "%eth0", ["5353/udp", "5298/tcp"])
        self.assertEqual(got, {"5353/udp", "5298/tcp"})


    def test_7_confab_portcheck_over_ipv6_through_the_server_rules(self):
        """confabd bound to the server's IPv6 addresses only; `confab
        portcheck 2001:db8::10` from the client with no rules, then
        (`[2001:db8::10]`) through the server's nftables and ip6tables
        rules."""
        data = os.path.join(self.tmp.name, "data6")
        settings = ['server.data_dir="%s"' % data, "server.workers=1",
                    'snatmap.address="%s"' % SERVER6[0], 'snatmap.alternate_address="%s"' % SERVER6[1]]
        settings += ['%s.address="%s"' % (k, SERVER6[0]) for k in ("sip", "portcheck", "xmpp", "xmpp.upload")]
        argv = [os.path.join(self.bindir, "confabd")]
        for setting in settings:
            argv += ["--set", setting]
        # Not addCleanup: each subtest's doCleanups() would stop it too.
        with open(os.path.join(self.tmp.name, "confabd6.log"), "w") as log:
            confabd = self.server.popen(argv, stdout=log, stderr=subprocess.STDOUT)
            try:
                self.check_portcheck_over_ipv6(confabd, data, log.name)
            finally:
                confabd.kill()
                confabd.wait(timeout=10)

    def check_portcheck_over_ipv6(self, confabd, data, log):
        for _ in range(300):
            if all(listening6(self.server, port, proto) for port, proto in ((5680, "tcp"), (5222, "tcp"), (5678, "udp"))):
                break
            self.assertIsNone(confabd.poll(), "confabd exited; see " + log)
            self.server.run(["sleep", "0.1"])
        else:
            self.fail("confabd does not listen on its IPv6 ports")
        cat = json.loads(subprocess.run([self.confab, "ports", "--catalog", "--json", "--data-dir", data],
                                        capture_output=True, text=True, check=True).stdout)
        bonjour = {(p, e["transport"], "outbound"): "blocked" for e in cat if e["local_only"]
                   for p in range(e["first"], e["last"] + 1)}

        def portcheck(target="[%s]" % SERVER6[0]):
            p = self.client.run([self.confab, "portcheck", target, "--json", "--timeout", "1"],
                                check=False, timeout=90)
            try:
                report = json.loads(p.stdout)
            except ValueError:
                self.fail("no JSON (exit %d):\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
            self.assertEqual(report.get("catalog"), "server", p.stderr)
            return report, p.returncode

        report, code = portcheck(SERVER6[0])  # a bare IPv6 address: its colons are no port
        self.assertEqual(problems(report), {})
        self.assertEqual(code, 0)
        inbound = {(r["port"], r["transport"]) for r in report["results"] if r["direction"] == "inbound"}
        # media (UDP) and Bonjour chat (TCP: the client listens on IPv6) reached
        self.assertTrue({(16384, "udp"), (5298, "tcp")} <= inbound, inbound)
        for fmt in ("nftables", "ip6tables"):
            with self.subTest(fmt=fmt):
                self.load(self.server, fmt, self.rules(fmt, "server", "minimal", data_dir=data))
                report, code = portcheck()
                # the server's ports and the media echo open, Bonjour not
                self.assertEqual(problems(report), bonjour)
                self.assertEqual(code, 0)
                self.doCleanups()

if __name__ == "__main__":
    natlab.run_tests(tools_missing)
