"""Start a real confabd for a test: its own data directory and free ports,
waits until it answers on its control socket, stops it (and checks that it
stopped cleanly) afterwards. Loopback only."""
import json
import os
import random
import signal
import socket
import struct
import subprocess
import tempfile
import time

BIN_DIR = os.environ.get("CONFAB_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/dev/apps"))
CONFABD = os.path.join(BIN_DIR, "confabd")
CONFAB = os.path.join(BIN_DIR, "confab")
MAGIC = 0x2112A442


def free_port_pair():
    """A port p such that p and p+1 are free for UDP and TCP on loopback."""
    for _ in range(200):
        p = random.randrange(20000, 60000, 2)
        try:
            for port in (p, p + 1):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    s = socket.socket(socket.AF_INET, kind)
                    s.bind(("127.0.0.1", port))
                    s.close()
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair")


class Confabd:
    def __init__(self, *settings, address="127.0.0.1", alternate=None, workers=1, sip=False, xmpp=False,
                 data_dir=None, portcheck=False):
        # data_dir: reuse another run's directory (accounts, messages), e.g. after a crash.
        self.dir = data_dir or tempfile.mkdtemp(prefix="confabd-test-")
        self.port = free_port_pair()
        self.address = address
        args = [CONFABD, "--set", f'server.data_dir="{self.dir}"', "--set", f"server.workers={workers}",
                "--set", f"snatmap.ports=[{self.port}]", "--set", f'snatmap.address="{address}"',
                "--set", "server.stats_interval=0"]
        # SIP listens on 5060/5061 by default: tests that want it get free
        # ports (sip_port for UDP and TCP, sip_port + 1 for TLS).
        self.sip_port = free_port_pair() if sip else None
        if sip:
            args += ["--set", f'sip.address="{address}"', "--set", f"sip.port={self.sip_port}",
                     "--set", f"sip.tls_port={self.sip_port + 1}"]
        else:
            args += ["--set", "sip.enabled=false"]
        # XMPP likewise (5222/5223): xmpp_port is STARTTLS, xmpp_port + 1 direct TLS.
        self.xmpp_port = free_port_pair() if xmpp else None
        # and its HTTP file upload (5443): upload_port, HTTPS.
        self.upload_port = free_port_pair() if xmpp else None
        if xmpp:
            args += ["--set", f'xmpp.address="{address}"', "--set", f"xmpp.port={self.xmpp_port}",
                     "--set", f"xmpp.tls_port={self.xmpp_port + 1}",
                     "--set", f'xmpp.upload.address="{address}"', "--set", f"xmpp.upload.port={self.upload_port}"]
        else:
            args += ["--set", "xmpp.enabled=false"]
        # The port check's control port (5680) likewise: off unless asked for.
        if not portcheck:
            args += ["--set", "portcheck.enabled=false"]
        if alternate:
            args += ["--set", f'snatmap.alternate_address="{alternate}"']
        for s in settings:
            args += ["--set", s]
        self.args = args
        self.proc = None

    def __enter__(self):
        self.log = open(os.path.join(self.dir, "confabd.log"), "a+")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"confabd exited with {self.proc.returncode}: {self.output()}")
            try:
                self.status()
                return self
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RuntimeError("confabd did not become ready: " + self.output())

    def __exit__(self, *exc):
        self.stop()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        return self.proc.returncode

    def add_user(self, name, password):
        """`confabd user add` on this daemon's store (works while it runs)."""
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.dir) as f:
            f.write(password + "\n")
        subprocess.run([CONFABD, "--set", f'server.data_dir="{self.dir}"', "user", "add", name,
                        "--password-file", f.name], check=True, capture_output=True)

    @property
    def certificate(self):
        """The self-signed certificate made at first start (for clients to trust)."""
        return os.path.join(self.dir, "tls", "example.org.crt")

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def status(self):
        """The daemon's status JSON, straight from its control socket."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(os.path.join(self.dir, "confabd.sock"))
            s.sendall(b"status\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        return json.loads(data)


def binding_request(txid=None, attrs=b"", cookie=MAGIC):
    txid = txid or os.urandom(12)
    return struct.pack("!HHI", 0x0001, len(attrs), cookie) + txid + attrs


def parse_attrs(msg):
    """{type: [value, ...]} of a STUN message (no validation: tests check)."""
    out = {}
    i = 20
    while i + 4 <= len(msg):
        t, n = struct.unpack("!HH", msg[i:i + 4])
        out.setdefault(t, []).append(msg[i + 4:i + 4 + n])
        i += 4 + ((n + 3) & ~3)
    return out


def xor_mapped(value, txid):
    family, xport = struct.unpack("!xBH", value[:4])
    port = xport ^ (MAGIC >> 16)
    if family == 1:
        ip = struct.unpack("!I", value[4:8])[0] ^ MAGIC
        return socket.inet_ntoa(struct.pack("!I", ip)), port
    raise ValueError("not IPv4")
