"""`confab ports` against `ss` (iproute2), on a real confabd started from a
config file with non-default ports on loopback: the sockets it lists for
confabd's pid are the ones ss lists, each named by the catalog of that
config; the catalog and the firewall rules follow the config file and the
running daemon; `--watch` records the connections of confab clients that
start after it (XMPP to the xmpp port, SIP over TLS to the sip-tls port),
and, through the kernel's trace events, sockets a process opens and closes
between two polls (which polling alone misses: the negative control).
Loopback only."""
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from confabd_fixture import CONFAB, CONFABD, free_port_pair

PASSWORD = "correct horse battery"


def ss(*flags):
    return subprocess.run(["ss", *flags], capture_output=True, text=True, check=True).stdout


def split_endpoint(text):
    """ss's "127.0.0.1:5222", "[::1]:5222", "127.0.0.1%lo:53", "*:5060" → (address, port)."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]").split("%")[0]
    if host == "*":
        host = "0.0.0.0"
    return host, (0 if port == "*" else int(port))


def ss_sockets(pid, flags):
    """ss's sockets of one pid: [(proto, state, local, remote)] with (address, port) endpoints."""
    out = []
    for line in ss(flags).splitlines():
        t = line.split()
        if len(t) < 7 or f"pid={pid}," not in " ".join(t[6:]):
            continue
        # A socket shared by several processes is listed once, with all of them.
        out.append((t[0], t[1], split_endpoint(t[4]), split_endpoint(t[5])))
    return out


def ours(sockets, listening_only):
    return collections.Counter((s["proto"], s["local_address"], s["local_port"]) for s in sockets
                               if s["listening"] or not listening_only)


class PortsOfARealConfabd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="confab-ports-test-")
        cls.reflector, cls.sip, cls.xmpp = free_port_pair(), free_port_pair(), free_port_pair()
        cls.config = os.path.join(cls.dir, "confab.toml")
        with open(cls.config, "w") as f:
            f.write(f"""[server]
data_dir = "{cls.dir}/data"
workers = 1
stats_interval = 0
[snatmap]
address = "127.0.0.1"
ports = [{cls.reflector}]
[sip]
address = "127.0.0.1"
port = {cls.sip}
tls_port = {cls.sip + 1}
[xmpp]
address = "127.0.0.1"
port = {cls.xmpp}
tls_port = {cls.xmpp + 1}
""" + cls.other_services())
        cls.pw = os.path.join(cls.dir, "pw")
        with open(cls.pw, "w") as f:
            f.write(PASSWORD + "\n")
        cls.log = open(os.path.join(cls.dir, "confabd.log"), "w")
        cls.d = subprocess.Popen([CONFABD, "--config", cls.config], stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while not os.path.exists(os.path.join(cls.dir, "data", "confabd.sock")):
            if cls.d.poll() is not None or time.time() > deadline:
                raise RuntimeError("confabd did not start: " + open(cls.log.name).read())
            time.sleep(0.05)
        # The control socket is made after every service listens: ready now.
        subprocess.run([CONFABD, "--config", cls.config, "user", "add", "alice@example.org", "--password-file",
                        cls.pw], check=True, capture_output=True)

    @classmethod
    def other_services(cls):
        """Services newer than this test (file upload, port check) on free loopback ports too, when
        this confabd has them: their defaults would collide with other tests' daemons."""
        defaults = subprocess.run([CONFABD, "--print-default-config"], capture_output=True, text=True).stdout
        cls.extra = {}
        text = ""
        for section, service in (("xmpp.upload", "upload"), ("portcheck", "portcheck")):
            if f"[{section}]" in defaults:
                cls.extra[service] = free_port_pair()
                text += f'[{section}]\naddress = "127.0.0.1"\nport = {cls.extra[service]}\n'
        return text

    @classmethod
    def tearDownClass(cls):
        cls.d.send_signal(signal.SIGTERM)
        try:
            cls.d.wait(10)
        except subprocess.TimeoutExpired:
            cls.d.kill()
            cls.d.wait()
        cls.log.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def confab(self, *args, cwd=None):
        r = subprocess.run([CONFAB, *args], capture_output=True, text=True, timeout=60, cwd=cwd)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def ports_json(self, *args):
        return json.loads(self.confab("ports", "--pid", str(self.d.pid), "--json", "--config", self.config,
                                      *args).stdout)

    def test_confabds_listening_sockets_are_the_ones_ss_lists(self):
        j = self.ports_json()
        self.assertEqual(j["source"], "netlink")
        listed = [s for s in j["sockets"] if s["listening"]]
        theirs = collections.Counter((p, a[0], a[1]) for p, _, a, _ in ss_sockets(self.d.pid, "-tulpnH"))
        self.assertEqual(ours(listed, True), theirs)
        by_port = {(s["proto"], s["local_port"]): s["service"] for s in listed}
        self.assertEqual(by_port[("tcp", self.xmpp)], "xmpp")
        self.assertEqual(by_port[("tcp", self.xmpp + 1)], "xmpp-tls")
        self.assertEqual(by_port[("udp", self.sip)], "sip")
        self.assertEqual(by_port[("tcp", self.sip)], "sip-tcp")
        self.assertEqual(by_port[("tcp", self.sip + 1)], "sip-tls")
        self.assertEqual(by_port[("udp", self.reflector)], "reflector")
        self.assertEqual(by_port[("udp", self.reflector + 1)], "reflector")  # RFC 5780 change-port
        for service, port in self.extra.items():
            self.assertEqual(by_port[("tcp", port)], service)
        self.assertEqual(by_port[("tcp", self.reflector + 1)], "reflector-tcp")
        # Every TCP listener is a catalog service (a UDP socket on an ephemeral port may be a client's).
        self.assertEqual([s for s in listed if s["proto"] == "tcp" and s["service"] == "-"], [])
        self.assertTrue(all(s["pid"] == self.d.pid and s["process"] == "confabd" for s in listed))

    def test_an_accepted_connection_is_listed_like_ss_lists_it(self):
        import socket
        with socket.create_connection(("127.0.0.1", self.xmpp)) as c:
            mine = c.getsockname()
            deadline = time.time() + 5
            while True:
                j = self.ports_json()
                conns = [s for s in j["sockets"] if s["remote_port"] == mine[1]]
                if conns or time.time() > deadline:
                    break
                time.sleep(0.1)
            self.assertEqual(len(conns), 1, j)
            self.assertEqual((conns[0]["state"], conns[0]["local_port"], conns[0]["service"]),
                             ("ESTAB", self.xmpp, "xmpp"))
            all_ours = collections.Counter((s["proto"], (s["local_address"], s["local_port"]),
                                            (s["remote_address"] if s["remote_port"] else "0.0.0.0",
                                             s["remote_port"])) for s in j["sockets"])
            all_theirs = collections.Counter((p, local, remote)
                                             for p, _, local, remote in ss_sockets(self.d.pid, "-tuapnH"))
            self.assertEqual(all_ours, all_theirs)

    def test_proc_net_gives_what_netlink_gives(self):
        a = self.ports_json()
        b = self.ports_json("--proc-net")
        self.assertEqual(b["source"], "proc")
        self.assertEqual(ours(a["sockets"], True), ours(b["sockets"], True))

    def test_without_pid_confabd_is_found_by_name(self):
        j = json.loads(self.confab("ports", "--json", "--config", self.config).stdout)
        self.assertIn(self.d.pid, [p["pid"] for p in j["processes"]])
        table = self.confab("ports", "--process", "confabd", "--config", self.config).stdout
        self.assertIn(f"127.0.0.1:{self.xmpp}", table)
        self.assertRegex(table, rf"tcp\s+LISTEN\s+127\.0\.0\.1:{self.xmpp}\s+\*:\*\s+{self.d.pid}\s+confabd\s+xmpp")

    def test_the_catalog_follows_the_config_file_and_the_running_daemon(self):
        from_file = json.loads(self.confab("ports", "--catalog", "--json", "--config", self.config).stdout)
        from_daemon = self.confab("ports", "--catalog", "--json", "--data-dir", os.path.join(self.dir, "data"))
        self.assertEqual(from_daemon.stderr, "")  # no note: the daemon answered
        self.assertEqual(json.loads(from_daemon.stdout), from_file)
        ports = {e["service"]: e["ports"] for e in from_file}
        self.assertEqual(ports["xmpp"], str(self.xmpp))
        self.assertEqual(ports["sip-tls"], str(self.sip + 1))
        self.assertEqual(ports["reflector"], f"{self.reflector}-{self.reflector + 1}")
        rules = self.confab("firewall", "--side", "server", "--config", self.config).stdout
        self.assertIn(f"tcp dport {self.xmpp} accept", rules)
        self.assertIn(f"udp dport {self.sip} accept", rules)
        self.assertNotIn("dport 5222 ", rules)
        with tempfile.TemporaryDirectory() as empty:  # no config, no daemon here: the defaults, said so
            r = self.confab("ports", "--catalog", "--json", cwd=empty)
            self.assertIn("using the built-in default ports", r.stderr)
            self.assertIn("5222", {e["ports"] for e in json.loads(r.stdout)})

    def test_watch_records_the_connections_of_clients_started_after_it(self):
        watch = subprocess.Popen([CONFAB, "ports", "--watch", "--process", "confab", "--duration", "4",
                                  "--interval", "50", "--json", "--config", self.config],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        xmpp = sip = None
        try:
            time.sleep(0.5)
            cert = os.path.join(self.dir, "data", "tls", "example.org.crt")
            xmpp = subprocess.Popen([CONFAB, "presence", "available", "--duration", "1", "--as", "alice@example.org",
                                     "--server", f"127.0.0.1:{self.xmpp}", "--password-file", self.pw,
                                     "--ca-file", cert], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            sip = subprocess.Popen([CONFAB, "register", "alice@example.org", "--transport", "tls", "--server",
                                    f"127.0.0.1:{self.sip + 1}", "--ca-file", cert, "--password-file", self.pw],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertIn("registered", sip.stdout.readline())
            time.sleep(0.5)
            sip.send_signal(signal.SIGINT)
            _, sip_err = sip.communicate(timeout=10)
            self.assertEqual(sip.returncode, 0, sip_err)
            _, xmpp_err = xmpp.communicate(timeout=20)
            self.assertEqual(xmpp.returncode, 0, xmpp_err)
            out, err = watch.communicate(timeout=20)
        finally:
            for p in (watch, xmpp, sip):
                if p and p.poll() is None:
                    p.kill()
        self.assertEqual(watch.returncode, 0, err)
        events = [json.loads(l) for l in out.splitlines()]
        summary = events.pop()
        self.assertEqual(summary["event"], "summary")

        def of(pid):
            return [e for e in events if e["pid"] == pid]

        for client, port, service in ((xmpp, self.xmpp, "xmpp"), (sip, self.sip + 1, "sip-tls")):
            mine = of(client.pid)
            kinds = [e["event"] for e in mine]
            self.assertEqual(kinds[0], "started", mine)  # picked up after the watch began
            self.assertEqual(kinds[-1], "exited", mine)
            conns = [e for e in mine if e["event"] in ("connecting", "connected") and e["remote_port"] == port]
            self.assertTrue(conns, mine)
            self.assertEqual({(e["proto"], e["service"]) for e in conns}, {("tcp", service)})
            self.assertIn("closed", [e["event"] for e in mine if e.get("remote_port") == port])
            self.assertIn({"process": "confab", "proto": "tcp", "role": "connect", "endpoint": f"127.0.0.1:{port}",
                           "service": service},
                          [{k: t[k] for k in ("process", "proto", "role", "endpoint", "service")}
                           for t in summary["ports"]])
        self.assertGreater(summary["polls"], 20)
        self.assertNotIn(self.d.pid, [e["pid"] for e in events])  # --process confab: not confabd

    def test_the_text_watch_prints_timestamped_lines_and_a_summary(self):
        watch = subprocess.Popen([CONFAB, "ports", "--watch", "--pid", str(self.d.pid), "--duration", "1",
                                  "--config", self.config], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = watch.communicate(timeout=20)
        self.assertEqual(watch.returncode, 0, err)
        self.assertRegex(out, rf"\d\d:\d\d:\d\d\.\d\d\d confabd pid {self.d.pid} has tcp 127\.0\.0\.1:{self.xmpp} "
                              rf"LISTEN \(xmpp\)")
        self.assertIn("summary:", out)
        self.assertRegex(out, rf"confabd\s+listen\s+tcp\s+127\.0\.0\.1:{self.xmpp}\s+xmpp")


# A process that, a second after it starts, listens, accepts a connection
# from itself, sends a datagram to the reflector port over IPv4 and one over
# IPv6, and closes everything within milliseconds: between two polls.
SHORT_LIVED = r"""
import socket, sys, time
time.sleep(1.0)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(); port = l.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"x", ("127.0.0.1", 5678)); u.close()
t = socket.socket(); t.connect(("127.0.0.1", port)); c, _ = l.accept(); c.close(); t.close(); l.close()
v6 = False
try:
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.sendto(b"x", ("::1", 5398)); u6.close(); v6 = True
except OSError:
    pass
print(port, v6, flush=True)
time.sleep(0.5)
"""


class WatchBetweenPolls(unittest.TestCase):
    def watch(self, *extra):
        child = subprocess.Popen([sys.executable, "-c", SHORT_LIVED], stdout=subprocess.PIPE, text=True)
        try:
            # One poll at the start and one at the end, 4 s apart: the child
            # has exited by then.
            r = subprocess.run([CONFAB, "ports", "--watch", "--pid", str(child.pid), "--interval", "60000",
                                "--duration", "4", "--json", *extra],
                               capture_output=True, text=True, timeout=30)
            out, _ = child.communicate(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
        self.assertEqual(r.returncode, 0, r.stderr)
        port, v6 = out.split()
        events = [json.loads(l) for l in r.stdout.splitlines()]
        return int(port), v6 == "True", events[:-1], events[-1], r.stderr

    def test_the_trace_sees_sockets_opened_and_closed_between_two_polls(self):
        port, v6, events, summary, err = self.watch()
        if "kernel trace unavailable" in err:
            self.skipTest("no kernel trace here: " + err.strip().splitlines()[-1])
        self.assertIn("with the kernel's socket trace events", err)
        # Mostly from the trace; the poll a bind() triggers at once may find
        # a socket first (the listener; the connection, then "connected"
        # rather than "connecting"). Either way: once each.
        def what(e):
            return ("connecting" if e["event"] == "connected" else e["event"], e["proto"],
                    e["local_port"] if e["event"] in ("listening", "accepted") else e["remote_port"])
        got = {what(e) for e in events if "proto" in e}
        traced = [(what(e), e["family"], e["local_port"]) for e in events if e.get("source") == "trace"]
        self.assertEqual(len(traced), len(set(traced)), events)
        self.assertIn("trace", {e.get("source") for e in events})
        self.assertIn(("listening", "tcp", port), got)
        self.assertIn(("connecting", "tcp", port), got)
        self.assertIn(("accepted", "tcp", port), got)
        self.assertIn(("sent", "udp", 5678), got)
        if v6:
            self.assertIn(("sent", "udp", 5398), got)
            self.assertIn("ipv6", {e["family"] for e in events if e.get("remote_port") == 5398})
        reflector = [e for e in events if e.get("remote_port") == 5678]
        self.assertEqual(len(reflector), 1, reflector)  # one line, however many datagrams
        self.assertEqual(reflector[0]["service"], "reflector")
        self.assertIn({"role": "send", "proto": "udp", "endpoint": "127.0.0.1:5678", "service": "reflector"},
                      [{k: t[k] for k in ("role", "proto", "endpoint", "service")} for t in summary["ports"]])
        self.assertIn({"role": "listen", "endpoint": f"127.0.0.1:{port}"},
                      [{k: t[k] for k in ("role", "endpoint")} for t in summary["ports"]])
        # The start, the end, and one at once after each bind() (its event has no address).
        self.assertLessEqual(summary["polls"], 4)
        # The instance the watch made in tracefs is gone.
        leftovers = [d for d in os.listdir("/sys/kernel/tracing/instances") if d.startswith("confab-ports-")]
        self.assertEqual(leftovers, [])

    def test_polling_alone_misses_them(self):
        port, _, events, summary, err = self.watch("--no-trace")
        self.assertIn("polling only (--no-trace)", err)
        self.assertEqual([e for e in events if "proto" in e], [])
        self.assertEqual(summary["ports"], [])


if __name__ == "__main__":
    if not shutil.which("ss"):
        print("skipped: ss (iproute2) is not installed")
        sys.exit(77)
    unittest.main()
