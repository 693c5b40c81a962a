#!/usr/bin/python3
"""Bonjour local chat between confab instances on one link (issue 7).

Three or four network namespaces on one LAN bridge, no server anywhere:
people find each other over mDNS/DNS-SD (`_presence._tcp`), chat both ways
over XEP-0174 streams, see status changes and goodbyes, a name conflict
ends with one "alice" and one "alice (2)", and garbage mDNS packets mixed
into good queries are dropped and counted while the responder keeps
answering. Root only; exits 77 otherwise.
"""

import os
import socket
import struct
import sys
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
from local_peers import Confab, by_instance, confab_path, lan, snapshot  # noqa: E402


class LocalChat(unittest.TestCase):
    def setUp(self):
        self.confab, reason = confab_path()
        if self.confab is None:
            raise unittest.SkipTest(reason)
        self.lab = natlab.Lab()
        self.addCleanup(self.lab.close)
        self.a, self.b, self.c, self.d = lan(self.lab, ["a", "b", "c", "d"])

    def start(self, host, *args):
        p = Confab(host, self.confab, args)
        self.addCleanup(lambda: p.proc.poll() is None and p.proc.kill())
        return p

    def test_three_people_find_each_other_chat_both_ways_and_see_status_and_goodbyes(self):
        alice = self.start(self.a, "chat", "bob", "--name", "alice", "--first", "Alice", "--last", "Liddell")
        bob = self.start(self.b, "chat", "alice", "--name", "bob")
        carol = self.start(self.c, "status", "away", "at lunch", "--name", "carol", "--nick", "Caz")
        for p, n in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            self.assertEqual(p.name(), n)

        # A fourth namespace only looks: everyone, with their TXT keys.
        people = by_instance(snapshot(self.d, self.confab, wait=3))
        self.assertEqual(sorted(people), ["alice", "bob", "carol"])
        self.assertEqual(people["carol"]["status"], "away")
        self.assertEqual(people["carol"]["message"], "at lunch")
        self.assertEqual(people["carol"]["name"], "Caz")
        self.assertEqual(people["alice"]["name"], "Alice Liddell")
        self.assertEqual(people["alice"]["addresses"], [self.a.address])
        self.assertEqual(people["alice"]["port"], 5298)

        # Both ways over XEP-0174 streams.
        alice.wait_for(lambda e: e.get("event") == "appeared" and e["person"]["instance"] == "bob", 10)
        bob.wait_for(lambda e: e.get("event") == "appeared" and e["person"]["instance"] == "alice", 10)
        alice.type_line("hello bob, it's alice")
        m = bob.wait_for(lambda e: e.get("event") == "message", 10, "message from alice")
        self.assertEqual(m["body"], "hello bob, it's alice")
        self.assertEqual(m["person"]["instance"], "alice")
        bob.type_line("hi alice <3 & more")
        m = alice.wait_for(lambda e: e.get("event") == "message", 10, "message from bob")
        self.assertEqual(m["body"], "hi alice <3 & more")
        self.assertEqual(m["person"]["instance"], "bob")

        # A status change is a new TXT record; bob sees it live.
        alice.type_line("/status dnd in a meeting")
        e = bob.wait_for(lambda e: e.get("event") == "changed" and e["person"]["status"] == "dnd", 10,
                         "alice's status change")
        self.assertEqual(e["person"]["message"], "in a meeting")

        # carol and alice leave: goodbyes (TTL 0) make them disappear within seconds.
        t0 = time.monotonic()
        self.assertEqual(carol.interrupt(), 0)
        alice.close_stdin()
        self.assertEqual(alice.wait(), 0)
        bob.wait_for(lambda e: e.get("event") == "left" and e["person"]["instance"] == "alice", 10, "alice leaving")
        self.assertLess(time.monotonic() - t0, 5)
        people = by_instance(snapshot(self.d, self.confab, wait=2))
        self.assertEqual(sorted(people), ["bob"])

    def test_one_shot_send_reaches_a_person_showing_a_status(self):
        bob = self.start(self.b, "status", "avail", "--name", "bob")
        self.assertEqual(bob.name(), "bob")
        r = self.a.run([self.confab, "local", "send", "bob", "one-shot hello", "--name", "alice", "--wait", "10",
                        "--json"], check=False, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = bob.wait_for(lambda e: e.get("event") == "message", 10)
        self.assertEqual(m["body"], "one-shot hello")
        r = self.a.run([self.confab, "local", "send", "nobody", "x", "--name", "alice", "--wait", "2"],
                       check=False, timeout=30)
        self.assertEqual(r.returncode, 3)
        self.assertIn("not on the local link", r.stderr)

    def test_two_alices_at_once_end_as_alice_and_alice_2(self):
        one = self.start(self.a, "status", "--name", "alice")
        two = self.start(self.b, "status", "--name", "alice")
        names = sorted([one.name(15), two.name(15)])
        self.assertEqual(names, ["alice", "alice (2)"])
        people = by_instance(snapshot(self.d, self.confab, wait=3))
        self.assertEqual(sorted(people), ["alice", "alice (2)"])
        self.assertNotEqual(people["alice"]["addresses"], people["alice (2)"]["addresses"])

    def test_malformed_packets_are_dropped_and_counted_while_queries_keep_being_answered(self):
        carol = self.start(self.c, "status", "--name", "carol")
        self.assertEqual(carol.name(), "carol")
        r = self.d.run(["/usr/bin/python3", "-c", GARBAGE_SENDER], timeout=60)
        answered, sent = map(int, r.stdout.split())
        self.assertEqual(sent, 30)
        self.assertEqual(answered, 30, r.stdout)
        self.assertEqual(carol.interrupt(), 0)
        stats = carol.wait_for(lambda e: e.get("event") == "stats", 5)
        self.assertGreaterEqual(stats["mdns_malformed_dropped"], 30)

    def test_people_are_found_over_ipv6_multicast_alone(self):
        # The lab switches IPv6 off; these two get it back (no DAD, so the
        # addresses work at once), and b drops every IPv4 mDNS packet: all
        # b learns arrives over ff02::fb.
        for host, addr in ((self.a, "fd00::2"), (self.b, "fd00::3")):
            host.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 "
                    "net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.disable_ipv6=0")
            host.run(["ip", "-6", "addr", "add", addr + "/64", "dev", "eth0", "nodad"])
        self.b.sh("nft add table inet v4mdns && nft add chain inet v4mdns in '{ type filter hook input priority 0; }' "
                  "&& nft add rule inet v4mdns in meta nfproto ipv4 udp dport 5353 drop")
        alice = self.start(self.a, "status", "away", "--name", "alice")
        self.assertEqual(alice.name(), "alice")
        people = by_instance(snapshot(self.b, self.confab, wait=3))
        self.assertEqual(sorted(people), ["alice"])
        self.assertIn("fd00::2", people["alice"]["addresses"])
        self.assertIn(self.a.address, people["alice"]["addresses"])
        self.assertEqual(people["alice"]["status"], "away")
        # And a message over it: confab connects to the IPv4 address first.
        bob = self.start(self.b, "status", "--name", "bob")
        self.assertEqual(bob.name(), "bob")
        r = self.a.run([self.confab, "local", "send", "bob", "over v6 discovery", "--name", "carl", "--port", "5299",
                        "--wait", "10"], check=False, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(bob.wait_for(lambda e: e.get("event") == "message", 10)["body"], "over v6 discovery")


# Sends 30 rounds of (garbage, a legacy unicast PTR query) to the group from
# an ordinary port; counts the unicast answers (RFC 6762 §6.7). Garbage:
# cut packets, a compression loop, random bytes, a header promising records.
GARBAGE_SENDER = textwrap.dedent(r'''
    import os, socket, struct
    def name(n):
        return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"
    query = struct.pack("!6H", 0x4242, 0, 1, 0, 0, 0) + name("_presence._tcp.local") + struct.pack("!2H", 12, 1)
    garbage = [query[:7], query[:20], struct.pack("!6H", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x0c\x00\x01",
               os.urandom(40), struct.pack("!6H", 0, 0x8400, 0, 200, 0, 0) + b"\x00\x00\x01\x00\x01"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.bind(("0.0.0.0", 0))
    s.settimeout(2)
    answered = 0
    for i in range(30):
        s.sendto(garbage[i % len(garbage)], ("224.0.0.251", 5353))
        s.sendto(query, ("224.0.0.251", 5353))
        try:
            while True:
                data, _ = s.recvfrom(9000)
                if data[:2] == b"\x42\x42" and b"carol" in data:
                    answered += 1
                    break
        except socket.timeout:
            pass
    print(answered, 30)
''')


if __name__ == "__main__":
    natlab.run_tests(lambda: confab_path()[1])
