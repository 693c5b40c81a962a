"""XMPP federation between confabd (a.test) and Prosody (p.test, Debian's
prosody 0.12) with XEP-0220 dialback over STARTTLS, both servers found
through DNS: the test makes a network namespace whose /etc/resolv.conf
(bind-mounted by `ip netns exec` from /etc/netns/<name>/) points at a
dnsmasq inside it serving `_xmpp-server._tcp` SRV records, so confabd's own
SRV lookup is exercised as well as Prosody's. Everything runs inside the
namespace (loopback only); it and /etc/netns/<name> are removed afterwards,
even on failure. Needs root, prosody, dnsmasq and slixmpp; skipped otherwise.

alice@a.test (slixmpp on confabd) and carol@p.test (slixmpp on Prosody)
exchange messages both ways and see each other's presence after
subscribing.

CONFAB_XMPP_DEBUG=1 logs every stanza both ways (slixmpp's DEBUG log)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

NS_ENV = "CONFAB_S2S_NETNS"


def outside():
    """Makes the namespace, runs this file inside it, cleans up."""
    missing = [t for t in ("ip", "prosody", "prosodyctl", "dnsmasq", "openssl") if not shutil.which(t)
               and not os.path.exists(f"/usr/sbin/{t}")]
    if os.geteuid() != 0 or missing:
        print(f"skipping: needs root and {missing or 'nothing'}; apt-get install prosody dnsmasq-base")
        sys.exit(77)
    name = f"confab-s2s-{os.getpid()}"
    etc = f"/etc/netns/{name}"
    try:
        os.makedirs(etc)
        with open(f"{etc}/resolv.conf", "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:2\n")
        with open(f"{etc}/hosts", "w") as f:
            f.write("127.0.0.1 localhost\n::1 localhost\n")
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        env = dict(os.environ, **{NS_ENV: name})
        r = subprocess.run(["ip", "netns", "exec", name, sys.executable, os.path.abspath(__file__)] + sys.argv[1:],
                           env=env, timeout=240)
        return r.returncode
    finally:
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
        shutil.rmtree(etc, ignore_errors=True)


if __name__ == "__main__" and not os.environ.get(NS_ENV):
    sys.exit(outside())

# ---- inside the namespace ------------------------------------------------
import asyncio  # noqa: E402
import unittest  # noqa: E402

try:
    import slixmpp  # noqa: F401
except ImportError as e:
    print(f"skipping: slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp")
    sys.exit(77)

from confabd_fixture import Confabd, free_port_pair  # noqa: E402
from test_xmpp_slixmpp import Client, PASSWORD, STEP  # noqa: E402

TEST = 90.0

PROSODY_CFG = """
run_as_root = true
daemonize = false
pidfile = "{work}/prosody.pid"
data_path = "{work}/data"
plugin_paths = {{ }}
c2s_ports = {{ {c2s} }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{ }}
s2s_ports = {{ {s2s} }}
s2s_interfaces = {{ "127.0.0.1" }}
component_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = false
authentication = "internal_hashed"
storage = "internal"
modules_enabled = {{ "roster"; "saslauth"; "tls"; "dialback"; "disco"; "ping"; "presence"; "message"; "iq" }}
limits = {{ }}
ssl = {{ certificate = "{work}/p.test.crt"; key = "{work}/p.test.key"; }}
log = {{ {{ levels = {{ min = "debug" }}, to = "file", filename = "{work}/prosody.log" }} }}
VirtualHost "p.test"
"""


class ProsodyServer:
    """Prosody for p.test in a temporary directory (nothing in /etc/prosody)."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="confab-prosody-")
        os.makedirs(f"{self.work}/data")
        self.xmpp_port = free_port_pair()
        self.s2s_port = free_port_pair()
        self.certificate = f"{self.work}/p.test.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", f"{self.work}/p.test.key", "-out", self.certificate, "-days", "2",
                        "-subj", "/CN=p.test", "-addext", "subjectAltName=DNS:p.test"],
                       check=True, capture_output=True)
        self.cfg = f"{self.work}/prosody.cfg.lua"
        with open(self.cfg, "w") as f:
            f.write(PROSODY_CFG.format(work=self.work, c2s=self.xmpp_port, s2s=self.s2s_port))
        self.proc = None

    def start(self):
        subprocess.run(["prosodyctl", "--config", self.cfg, "register", "carol", "p.test", PASSWORD],
                       check=True, capture_output=True)
        self.proc = subprocess.Popen(["prosody", "--config", self.cfg, "-F"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        import socket
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.xmpp_port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("prosody did not start: " + self.log())

    def log(self):
        try:
            with open(f"{self.work}/prosody.log") as f:
                return f.read()
        except OSError:
            return ""

    output = log

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.work, ignore_errors=True)


class ConfabdA(Confabd):
    def __init__(self, s2s_port):
        self.s2s_port = s2s_port
        # No xmpp.s2s.hosts: p.test is found by its SRV record.
        super().__init__('xmpp.domains=["a.test"]', "xmpp.s2s.enabled=true", f"xmpp.s2s.port={s2s_port}",
                         'xmpp.s2s.bind="127.0.0.1"', "xmpp.s2s.connect_timeout=10", xmpp=True)

    @property
    def certificate(self):
        return os.path.join(self.dir, "tls", "a.test.crt")


class ProsodyFederation(unittest.TestCase):
    def setUp(self):
        self.prosody = ProsodyServer()
        confabd_s2s = free_port_pair()
        self.dns = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--user=root",
             "--listen-address=127.0.0.1", "--bind-interfaces", "--port=53",
             f"--srv-host=_xmpp-server._tcp.a.test,a.test,{confabd_s2s}",
             f"--srv-host=_xmpp-server._tcp.p.test,p.test,{self.prosody.s2s_port}",
             "--host-record=a.test,127.0.0.1", "--host-record=p.test,127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        time.sleep(0.3)
        self.prosody.start()
        self.a = ConfabdA(confabd_s2s).__enter__()
        self.a.add_user("alice@a.test", PASSWORD)
        self.peers = []

    def tearDown(self):
        code = self.a.stop()
        self.prosody.stop()
        self.dns.terminate()
        self.dns.wait(5)
        self.assertEqual(code, 0, self.a.output()[-3000:])

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(p.close() for p in self.peers))
        try:
            return asyncio.run(main())
        except BaseException:
            print("--- confabd log\n" + self.a.output()[-4000:] + "\n--- prosody log\n" + self.prosody.log()[-6000:])
            raise

    def test_messages_and_presence_with_prosody(self):
        async def body():
            alice = Client(self.a, "alice@a.test/pc", PASSWORD)
            carol = Client(self.prosody, "carol@p.test/laptop", PASSWORD, mechanism=None)
            self.peers += [alice, carol]
            await alice.login(roster=True, presence="confab here")
            await carol.login(roster=True, presence="prosody here")
            alice.send_message(mto="carol@p.test", mbody="hello prosody", mtype="chat")
            m = await carol.expect("message", body="hello prosody", timeout=4 * STEP)
            self.assertEqual(str(m["from"]), "alice@a.test/pc")
            carol.send_message(mto="alice@a.test/pc", mbody="hello confab", mtype="chat")
            m = await alice.expect("message", body="hello confab", timeout=4 * STEP)
            self.assertEqual(str(m["from"]), "carol@p.test/laptop")
            # Subscriptions both ways, then presence.
            alice.send_presence(pto="carol@p.test", ptype="subscribe")
            await carol.expect("presence", type="subscribe", frm="alice@a.test", timeout=2 * STEP)
            carol.send_presence(pto="alice@a.test", ptype="subscribed")
            await alice.expect("presence", type="subscribed", frm="carol@p.test", timeout=2 * STEP)
            await alice.expect("presence", where=lambda s: str(s["from"]) == "carol@p.test/laptop"
                               and s["type"] == "available", timeout=2 * STEP)
            carol.send_presence(pto="alice@a.test", ptype="subscribe")
            await alice.expect("presence", type="subscribe", frm="carol@p.test", timeout=2 * STEP)
            alice.send_presence(pto="carol@p.test", ptype="subscribed")
            await carol.expect("presence", where=lambda s: str(s["from"]) == "alice@a.test/pc"
                               and s["type"] == "available", timeout=2 * STEP)
        self.in_loop(body)
        s2s = self.a.status()["xmpp"]["s2s"]
        self.assertIn("p.test", s2s["outgoing"])
        self.assertIn("p.test", s2s["incoming"])


if __name__ == "__main__":
    if os.environ.get("CONFAB_XMPP_DEBUG"):
        import logging
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(levelname)s %(message)s")
    unittest.main()
