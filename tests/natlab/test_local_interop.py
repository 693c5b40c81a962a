#!/usr/bin/python3
"""confab's Bonjour chat against other people's mDNS and XEP-0174 code.

- Avahi (avahi-daemon + avahi-browse from Debian), started by the test in
  its own namespace with its own D-Bus bus, config and runtime directory
  (a private mount of /run in that process only), sees and resolves
  confab's `_presence._tcp` advertisement with the XEP-0174 TXT keys; and
  confab shares UDP 5353 with that avahi-daemon in one namespace.
- A peer written with python3-zeroconf plus a plain TCP socket
  (xep0174_peer.py) is seen by confab, and exchanges a message with it both
  ways.
Root only; exits 77 when the lab, confab, Avahi or zeroconf is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
from local_peers import Confab, by_instance, confab_path, lan, snapshot  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

AVAHI_CONFIG = """[server]
host-name=avahi-lab
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-addresses=yes
"""


def extra_check():
    path, reason = confab_path()
    if path is None:
        return reason
    for tool in ("avahi-daemon", "avahi-browse", "dbus-daemon"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            return "%s is not installed (scripts/install-deps.sh installs it)" % tool
    try:
        import zeroconf  # noqa: F401
    except ImportError:
        return "python3-zeroconf is not installed"
    return None


class Avahi:
    """dbus-daemon + avahi-daemon in `host`, touching nothing outside `work`."""

    def __init__(self, host, work):
        self.host = host
        self.bus = os.path.join(work, "bus")
        with open(os.path.join(work, "bus.conf"), "w") as f:
            f.write(BUS_CONFIG % self.bus)
        conf = os.path.join(work, "avahi-daemon.conf")
        with open(conf, "w") as f:
            f.write(AVAHI_CONFIG)
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + self.bus)
        self.log = open(os.path.join(work, "avahi.log"), "w")
        self.dbus = host.popen(["dbus-daemon", "--nofork", "--config-file=" + os.path.join(work, "bus.conf")],
                               stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.bus) and time.monotonic() < deadline:
            time.sleep(0.05)
        # ip netns exec runs each command in a mount namespace of its own:
        # this tmpfs over /run (for avahi's pid file and socket) is avahi's alone.
        self.daemon = host.popen(
            ["sh", "-c", "mount -t tmpfs tmpfs /run && mkdir -p /run/avahi-daemon && "
             "exec avahi-daemon -f %s --no-drop-root --no-chroot --no-rlimits --debug" % conf],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        host.wait_listening(5353, "udp", timeout=10, proc=self.daemon)
        time.sleep(1)

    def browse(self, service="_presence._tcp"):
        """avahi-browse -rpt: resolved ('=') lines, split on ';'."""
        r = self.host.run(["avahi-browse", "-rptk", service], env=self.env, timeout=30, check=False)
        # -p escapes names (\064 is '@'); -k keeps the raw service type.
        unescape = lambda f: re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))), f)
        return [[unescape(f) for f in line.split(";")] for line in r.stdout.splitlines() if line.startswith("=")], r

    def close(self):
        for p in (self.daemon, self.dbus):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.log.close()


class LocalInterop(unittest.TestCase):
    def setUp(self):
        self.confab, _ = confab_path()
        self.tmp = tempfile.TemporaryDirectory(prefix="natlab-local-")
        self.addCleanup(self.tmp.cleanup)
        self.lab = natlab.Lab()
        self.addCleanup(self.lab.close)
        self.a, self.b, self.c, self.d = lan(self.lab, ["a", "b", "c", "d"])

    def start(self, host, *args):
        p = Confab(host, self.confab, args)
        self.addCleanup(lambda: p.proc.poll() is None and p.proc.kill())
        return p

    def test_avahi_browse_resolves_confab_with_the_xep0174_txt_keys(self):
        alice = self.start(self.a, "status", "away", "at lunch", "--name", "alice@lab", "--first", "Alice",
                           "--last", "Liddell", "--nick", "ali")
        self.assertEqual(alice.name(), "alice@lab")
        avahi = Avahi(self.d, self.tmp.name)
        self.addCleanup(avahi.close)
        deadline = time.monotonic() + 20
        while True:
            lines, r = avahi.browse()
            found = [x for x in lines if len(x) > 9 and x[3] == "alice@lab"]
            if found or time.monotonic() > deadline:
                break
        self.assertTrue(found, "avahi-browse did not resolve alice@lab:\n%s\n%s" % (r.stdout, r.stderr))
        f = found[0]
        self.assertEqual(f[2], "IPv4")
        self.assertEqual(f[4], "_presence._tcp")
        self.assertTrue(f[6].startswith("alice-lab-"), f[6])   # the SRV target, a host name of our own
        self.assertEqual(f[7], self.a.address)                 # its A record
        self.assertEqual(f[8], "5298")
        txt = f[9]
        for kv in ('"txtvers=1"', '"1st=Alice"', '"last=Liddell"', '"nick=ali"', '"status=away"',
                   '"msg=at lunch"', '"port.p2pj=5298"'):
            self.assertIn(kv, txt)

    def test_confab_shares_port_5353_with_avahi_daemon_in_one_namespace(self):
        avahi = Avahi(self.b, self.tmp.name)
        self.addCleanup(avahi.close)
        bob = self.start(self.b, "status", "--name", "bob")
        self.assertEqual(bob.name(), "bob")
        carol = self.start(self.c, "status", "--name", "carol")
        self.assertEqual(carol.name(), "carol")
        deadline = time.monotonic() + 20
        while True:
            lines, r = avahi.browse()
            names = sorted({x[3] for x in lines if len(x) > 3})
            if names == ["bob", "carol"] or time.monotonic() > deadline:
                break
        self.assertEqual(names, ["bob", "carol"], r.stdout + r.stderr)
        self.assertEqual(sorted(by_instance(snapshot(self.b, self.confab, 3))), ["bob", "carol"])

    def test_a_python_zeroconf_peer_is_seen_and_chats_with_confab_both_ways(self):
        bob = self.start(self.b, "status", "--name", "bob")
        self.assertEqual(bob.name(), "bob")
        zoe = self.c.popen(["/usr/bin/python3", os.path.join(HERE, "xep0174_peer.py"), self.c.address, "zoe@zhost"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.addCleanup(lambda: zoe.poll() is None and zoe.kill())

        def peer(cmd=None, expect=None, timeout=30):
            if cmd:
                zoe.stdin.write(cmd + "\n")
                zoe.stdin.flush()
            line = zoe.stdout.readline().strip()
            if expect and not line.startswith(expect):
                self.fail("peer said %r (stderr: %s)" % (line, zoe.stderr.read() if zoe.poll() is not None else ""))
            return line

        peer(expect="registered")
        # confab sees the service zeroconf registered, TXT keys and all.
        people = by_instance(snapshot(self.d, self.confab, 3))
        self.assertIn("zoe@zhost", people)
        self.assertEqual(people["zoe@zhost"]["name"], "Zoe Zeroconf")
        self.assertEqual(people["zoe@zhost"]["status"], "away")
        self.assertEqual(people["zoe@zhost"]["message"], "written in python")
        self.assertEqual(people["zoe@zhost"]["addresses"], [self.c.address])
        # zeroconf sees confab.
        zoe.stdin.write("browse\n")
        zoe.stdin.flush()
        seen = []
        while True:
            line = peer()
            if line == "browsed" or not line:
                break
            seen.append(line)
        self.assertIn("seen bob", seen)
        # confab -> zoe: a one-shot send from another namespace.
        zoe.stdin.write("recv\n")
        zoe.stdin.flush()
        r = self.a.run([self.confab, "local", "send", "zoe@zhost", "hello zoe & co", "--name", "alice",
                        "--wait", "10"], check=False, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(peer(expect="got"), "got alice hello zoe &amp; co")
        # zoe -> confab: her stream to bob's advertised port.
        self.assertEqual(peer("send bob hi bob, from python", expect="sent"), "sent bob")
        m = bob.wait_for(lambda e: e.get("event") == "message", 10)
        self.assertEqual(m["body"], "hi bob, from python")
        self.assertEqual(m["person"]["instance"], "zoe@zhost")
        peer("quit") if zoe.poll() is None else None


if __name__ == "__main__":
    natlab.run_tests(extra_check)
