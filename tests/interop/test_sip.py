"""SIP in confabd with a real peer: sipp (Debian's sip-tester) registers with
digest authentication over UDP and TCP; Python's ssl speaks SIP over TLS 1.2+
to the self-signed certificate made at first start. Loopback only."""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

from confabd_fixture import CONFABD, Confabd

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "sipp", "register_digest.xml")
CANCEL_UAC = os.path.join(HERE, "sipp", "cancel_uac.xml")
RINGING_UAS = os.path.join(HERE, "sipp", "ringing_uas.xml")
PASSWORD = "s3cret-pass"

if shutil.which("sipp") is None and __name__ == "__main__":
    print("SKIP: sipp not installed (scripts/install-deps.sh installs sip-tester)")
    sys.exit(77)


def add_user(d, name, password):
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(password + "\n")
    subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "user", "add", name, "--password-file", f.name],
                   check=True, capture_output=True)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sipp_register(d, user, password, transport="u1", local_port=None):
    local_port = local_port or free_udp_port()
    with tempfile.TemporaryDirectory() as work:
        return subprocess.run(["sipp", "-sf", SCENARIO, "-s", user, "-au", user, "-ap", password,
                               "-key", "domain", "example.org", "-m", "1", "-t", transport,
                               "-i", "127.0.0.1", "-p", str(local_port), "-recv_timeout", "5000",
                               "-timeout", "20", "-nostdin", f"127.0.0.1:{d.sip_port}"],
                              capture_output=True, text=True, timeout=40, cwd=work)


def options(branch, transport="UDP"):
    return (f"OPTIONS sip:example.org SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:5999;branch=z9hG4bK{branch};rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=1\r\nTo: <sip:example.org>\r\n"
            f"Call-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


class RegisterWithSipp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # sipp answers only the first challenge and only knows MD5: offer it first.
        cls.d = Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", sip=True).__enter__()
        add_user(cls.d, "alice@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_alice_registers_with_digest_over_udp(self):
        r = sipp_register(self.d, "alice", PASSWORD, "u1")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])

    def test_alice_registers_with_digest_over_tcp(self):
        r = sipp_register(self.d, "alice", PASSWORD, "t1")
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])

    def test_a_wrong_password_is_refused_and_counted(self):
        before = self.d.status()["sip"]["registrar"]["auth_failed"]
        r = sipp_register(self.d, "alice", "not-the-password", "u1")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.d.status()["sip"]["registrar"]["auth_failed"], before + 1)
        # ...and logged, one line naming the user, the address and the source.
        lines = [l for l in self.d.output().splitlines() if "authentication failed" in l]
        self.assertTrue(lines, self.d.output()[-2000:])
        self.assertIn('user "alice" registering alice@example.org from 127.0.0.1:', lines[-1])
        self.assertIn("wrong password or unknown user", lines[-1])

    def test_registrations_show_in_status(self):
        sipp_register(self.d, "alice", PASSWORD, "u1")
        self.assertGreaterEqual(self.d.status()["sip"]["bindings"], 1)


class CallsThroughTheProxy(unittest.TestCase):
    def test_sipp_calls_bob_through_confabd_and_every_call_completes(self):
        with Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", "sip.limits.requests_per_second=0",
                     sip=True) as d:
            add_user(d, "bob@example.org", PASSWORD)
            bob_port = free_udp_port()
            # Bob's binding comes from the port his phone (sipp's UAS) listens on.
            r = sipp_register(d, "bob", PASSWORD, "u1", local_port=bob_port)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            with tempfile.TemporaryDirectory() as work:
                uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(bob_port), "-nostdin",
                                        "-timeout", "60"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       cwd=work)
                try:
                    time.sleep(0.5)
                    uac = subprocess.run(["sipp", "-sn", "uac", "-s", "bob", "-i", "127.0.0.1",
                                          "-p", str(free_udp_port()), f"127.0.0.1:{d.sip_port}", "-m", "20",
                                          "-r", "20", "-nostdin", "-timeout", "40"],
                                         capture_output=True, text=True, timeout=60, cwd=work)
                finally:
                    uas.kill()
                    uas.wait()
            self.assertEqual(uac.returncode, 0, uac.stdout[-3000:])
            st = d.status()["sip"]
            self.assertGreaterEqual(st["proxy"]["proxied"], 40)  # INVITE and BYE of each call
            self.assertEqual(st["requests"]["malformed"], 0)


    def test_a_caller_cancels_while_bobs_phone_rings(self):
        # sipp on both ends: bob's phone rings and never answers; the caller
        # CANCELs; confabd answers the CANCEL, cancels bob's branch, and
        # the caller's INVITE ends in 487, ACKed.
        with Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", "sip.limits.requests_per_second=0",
                     sip=True) as d:
            add_user(d, "bob@example.org", PASSWORD)
            bob_port = free_udp_port()
            r = sipp_register(d, "bob", PASSWORD, "u1", local_port=bob_port)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            with tempfile.TemporaryDirectory() as work:
                uas = subprocess.Popen(["sipp", "-sf", RINGING_UAS, "-i", "127.0.0.1", "-p", str(bob_port),
                                        "-m", "3", "-nostdin", "-timeout", "40", "-trace_err"],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work)
                try:
                    time.sleep(0.5)
                    uac = subprocess.run(["sipp", "-sf", CANCEL_UAC, "-s", "bob", "-i", "127.0.0.1",
                                          "-p", str(free_udp_port()), f"127.0.0.1:{d.sip_port}", "-m", "3",
                                          "-r", "3", "-nostdin", "-timeout", "30", "-recv_timeout", "10000",
                                          "-trace_err"],
                                         capture_output=True, text=True, timeout=60, cwd=work)
                    uas_out, _ = uas.communicate(timeout=30)
                finally:
                    if uas.poll() is None:
                        uas.kill()
                        uas.wait()
                errors = ""
                for name in os.listdir(work):
                    if name.endswith("errors.log"):
                        with open(os.path.join(work, name), errors="replace") as f:
                            errors += f.read()[-2000:]
            self.assertEqual(uac.returncode, 0, uac.stdout[-3000:] + errors)
            self.assertEqual(uas.returncode, 0, uas_out[-3000:] + errors)  # every phone saw its CANCEL and ACK
            st = d.status()["sip"]
            self.assertEqual(st["requests"]["cancels"], 3)
            self.assertEqual(st["proxy"]["cancelled"], 3)


class SipTransports(unittest.TestCase):
    def test_options_over_tls12_with_the_generated_certificate(self):
        with Confabd(sip=True) as d:
            ctx = ssl.create_default_context(cafile=os.path.join(d.dir, "tls", "example.org.crt"))
            with socket.create_connection(("127.0.0.1", d.sip_port + 1), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="example.org") as tls:
                    self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
                    tls.sendall(options("tls1", "TLS"))
                    self.assertTrue(read_response(tls).startswith("SIP/2.0 200 OK\r\n"))

    def test_tls_older_than_12_is_refused(self):
        with Confabd(sip=True) as d:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            try:
                ctx.set_ciphers("ALL:@SECLEVEL=0")
            except ssl.SSLError:
                pass
            with socket.create_connection(("127.0.0.1", d.sip_port + 1), timeout=5) as raw:
                with self.assertRaises((ssl.SSLError, ConnectionResetError)):
                    ctx.wrap_socket(raw).do_handshake()

    def test_a_keepalive_ping_over_tcp_gets_a_pong(self):
        with Confabd(sip=True) as d:
            with socket.create_connection(("127.0.0.1", d.sip_port), timeout=5) as s:
                s.sendall(b"\r\n\r\n")
                self.assertEqual(s.recv(10), b"\r\n")
                s.sendall(options("tcp1", "TCP"))  # the connection still works
                self.assertTrue(read_response(s).startswith("SIP/2.0 200 OK"))

    def test_garbage_is_dropped_and_counted_and_nothing_else_is_lost(self):
        with Confabd(sip=True) as d:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(3)
            for junk in (b"hello", os.urandom(200), b"INVITE sip:x SIP/2.0\r\n\r\n"):
                u.sendto(junk, ("127.0.0.1", d.sip_port))
            u.sendto(options("udp1"), ("127.0.0.1", d.sip_port))
            data, _ = u.recvfrom(4096)
            self.assertTrue(data.startswith(b"SIP/2.0 200 OK"))
            self.assertEqual(d.status()["sip"]["requests"]["malformed"], 3)
            u.close()

    def test_a_call_to_someone_not_registered_gets_480(self):
        with Confabd(sip=True) as d:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(3)
            invite = options("inv1").replace(b"OPTIONS sip:example.org", b"INVITE sip:bob@example.org")
            invite = invite.replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE")
            u.sendto(invite, ("127.0.0.1", d.sip_port))
            data, _ = u.recvfrom(4096)
            while data.startswith(b"SIP/2.0 100"):
                data, _ = u.recvfrom(4096)
            self.assertTrue(data.startswith(b"SIP/2.0 480"), data)
            u.close()


if __name__ == "__main__":
    unittest.main()
