#!/usr/bin/python3
"""`confab firewall` rule sets, loaded for real: every side and profile
passes `nft -c` and `iptables-restore --test` in a lab namespace; then the
client's minimal nftables rules are loaded into a public client and a
server sends UDP and TCP at it: the media range gets in, a port outside it
and Bonjour from outside the LAN do not. Root only; exits 77 otherwise."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

LISTEN = r"""
import select, socket, sys
socks = []
for proto, port in [(p.split('/')[1], int(p.split('/')[0])) for p in sys.argv[1:]]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == 'udp' else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port))
    if proto == 'tcp':
        s.listen(4)
    socks.append((s, '%d/%s' % (port, proto)))
print('ready', flush=True)
got = set()
while True:
    r, _, _ = select.select([s for s, _ in socks], [], [], 3)
    if not r:
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

SEND = r"""
import socket, sys, time
target = sys.argv[1]
for spec in sys.argv[2:]:
    port, proto = spec.split('/')
    if proto == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(3):
            s.sendto(b'x', (target, int(port)))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.5)
        try:
            s.connect((target, int(port)))
        except OSError:
            pass
    s.close()
"""


class FirewallRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        cls.confab = os.path.join(cls.bindir, "confab")
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-fw-")
        cls.addClassCleanup(cls.tmp.cleanup)

    def generate(self, *args):
        r = subprocess.run([self.confab, "firewall", *args], capture_output=True, text=True, check=True)
        path = os.path.join(self.tmp.name, "-".join(args).replace("--", "") + ".rules")
        with open(path, "w") as f:
            f.write(r.stdout)
        return path

    def test_every_rule_set_is_accepted_by_nft_and_iptables_restore(self):
        host = self.lab.client("syntax")
        for side in ("client", "server"):
            for profile in ("minimal", "open", "strict"):
                with self.subTest(side=side, profile=profile):
                    nft = self.generate("--format", "nftables", "--side", side, "--profile", profile)
                    r = host.run(["nft", "-c", "-f", nft], check=False)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    ipt = self.generate("--format", "iptables", "--side", side, "--profile", profile)
                    r = host.run(["iptables-restore", "--test", ipt], check=False)
                    self.assertEqual(r.returncode, 0, r.stderr)

    def test_loaded_client_rules_let_media_in_and_keep_the_rest_out(self):
        client = self.lab.client("fw")  # public (198.51.100.x): nothing in front of it
        rules = self.generate("--format", "nftables", "--side", "client", "--profile", "minimal")
        client.run(["nft", "-f", rules])
        probes = ["16384/udp", "16403/udp", "16500/udp", "5353/udp", "5298/tcp", "5060/udp"]
        listener = client.popen(["/usr/bin/python3", "-c", LISTEN, *probes], stdout=subprocess.PIPE, text=True)
        self.assertEqual(listener.stdout.readline().strip(), "ready")
        self.server.run(["/usr/bin/python3", "-c", SEND, client.address, *probes])
        got = set(listener.stdout.readline().split())
        listener.wait(timeout=10)
        # 203.0.113.10 is not on the client's LAN: Bonjour stays shut to it.
        self.assertEqual(got, {"16384/udp", "16403/udp"})


if __name__ == "__main__":
    natlab.run_tests(lambda: peers.confab_bin_dir()[1])
