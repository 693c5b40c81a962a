"""confabd as a user runs it: defaults, config errors, taken ports, status,
signals, and STUN answers over real UDP and TCP sockets on loopback."""
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from confabd_fixture import CONFAB, CONFABD, Confabd, binding_request, free_port_pair, parse_attrs, xor_mapped


def udp_exchange(port, payload, timeout=2.0, host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.bind(("127.0.0.1", 0))
    s.sendto(payload, (host, port))
    try:
        data, src = s.recvfrom(2048)
        return data, src, s.getsockname()
    except socket.timeout:
        return None, None, s.getsockname()
    finally:
        s.close()


class DaemonCommandLine(unittest.TestCase):
    def test_print_default_config_is_the_embedded_toml(self):
        out = subprocess.run([CONFABD, "--print-default-config"], capture_output=True, text=True, check=True).stdout
        self.assertIn("[snatmap]", out)
        self.assertIn("ports = [5678, 3478]", out)
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(out)
        r = subprocess.run([CONFABD, "--config", f.name, "--check-config"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_config_error_is_one_line_naming_key_and_line_with_exit_2(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write("[snatmap]\nports = [5678]\nworkerz = 2\n")
        r = subprocess.run([CONFABD, "--config", f.name], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), f"confabd: config error: {f.name}:3: snatmap.workerz: unknown key")

    def test_help_lists_the_options(self):
        out = subprocess.run([CONFABD, "--help"], capture_output=True, text=True, check=True).stdout
        for word in ("--config", "--set", "--print-default-config", "status"):
            self.assertIn(word, out)

    def test_status_without_a_daemon_says_so_with_exit_3(self):
        d = tempfile.mkdtemp()
        r = subprocess.run([CONFABD, "--set", f'server.data_dir="{d}"', "status"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no confabd is running", r.stderr)


class DaemonLifecycle(unittest.TestCase):
    def test_a_taken_port_is_a_one_line_error_naming_the_address(self):
        port = free_port_pair()
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        blocker.bind(("127.0.0.1", port))
        try:
            d = tempfile.mkdtemp()
            r = subprocess.run([CONFABD, "--set", f'server.data_dir="{d}"', "--set", f"snatmap.ports=[{port}]",
                                "--set", 'snatmap.address="127.0.0.1"'], capture_output=True, text=True, timeout=10)
        finally:
            blocker.close()
        self.assertEqual(r.returncode, 1)
        errors = [l for l in r.stderr.splitlines() if "error" in l]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertIn(f"cannot listen on UDP 127.0.0.1:{port}: Address already in use", errors[0])
        self.assertIn("snatmap.ports", errors[0])

    def test_sigterm_and_sigint_stop_it_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with Confabd() as d:
                code = d.stop(sig)
                self.assertEqual(code, 0)
                self.assertIn("confabd stopped", d.output())
                self.assertFalse(os.path.exists(os.path.join(d.dir, "confabd.sock")))

    def test_a_second_daemon_on_the_same_data_dir_is_refused(self):
        with Confabd() as d:
            r = subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "--set", "snatmap.ports=[1]"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 1)
            self.assertIn("another confabd is already running", r.stderr)

    def test_status_shows_listeners_and_counters(self):
        with Confabd() as d:
            udp_exchange(d.port, binding_request())
            r = subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "status", "--json"],
                               capture_output=True, text=True, check=True)
            st = json.loads(r.stdout)
            self.assertIn(f"udp 127.0.0.1:{d.port}", st["snatmap"]["listening"])
            self.assertIn(f"tcp 127.0.0.1:{d.port + 1}", st["snatmap"]["listening"])
            self.assertEqual(st["snatmap"]["udp"]["answered"], 1)
            human = subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "status"],
                                   capture_output=True, text=True, check=True).stdout
            self.assertIn("answered", human)


class ReflectorOverUdp(unittest.TestCase):
    def test_binding_request_gets_the_senders_address(self):
        with Confabd() as d:
            txid = os.urandom(12)
            data, src, local = udp_exchange(d.port, binding_request(txid))
            self.assertIsNotNone(data)
            self.assertEqual(data[:2], b"\x01\x01")
            self.assertEqual(data[8:20], txid)
            attrs = parse_attrs(data)
            self.assertEqual(xor_mapped(attrs[0x0020][0], txid), local)
            self.assertIn(0x8028, attrs)  # FINGERPRINT
            self.assertEqual(src, ("127.0.0.1", d.port))

    def test_change_port_is_answered_from_the_alternate_port(self):
        with Confabd() as d:
            change = struct.pack("!HHI", 0x0003, 4, 0x2)
            data, src, _ = udp_exchange(d.port, binding_request(attrs=change))
            self.assertIsNotNone(data)
            self.assertEqual(src, ("127.0.0.1", d.port + 1))

    def test_change_ip_uses_the_second_address(self):
        with Confabd(address="127.0.0.1", alternate="127.0.0.2") as d:
            change = struct.pack("!HHI", 0x0003, 4, 0x6)
            data, src, _ = udp_exchange(d.port, binding_request(attrs=change))
            self.assertIsNotNone(data)
            self.assertEqual(src, ("127.0.0.2", d.port + 1))
            other = parse_attrs(data)[0x802C][0]
            self.assertEqual(socket.inet_ntoa(other[4:8]), "127.0.0.2")

    def test_garbage_is_dropped_and_counted_and_nothing_else_is_lost(self):
        with Confabd() as d:
            for junk in (b"", b"\x00", b"GET / HTTP/1.1\r\n\r\n", os.urandom(300), b"\x00\x01\x00\x04" + b"\x21\x12\xa4\x42" + b"x" * 12):
                data, _, _ = udp_exchange(d.port, junk, timeout=0.2)
                self.assertIsNone(data)
            data, _, _ = udp_exchange(d.port, binding_request())
            self.assertIsNotNone(data)
            udp = d.status()["snatmap"]["udp"]
            self.assertEqual(udp["malformed"], 5)
            self.assertEqual(udp["answered"], 1)

    def test_a_flooding_source_is_rate_limited(self):
        with Confabd("snatmap.limits.requests_per_second=10", "snatmap.limits.burst=20") as d:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(0.5)
            for _ in range(200):
                s.sendto(binding_request(), ("127.0.0.1", d.port))
            answers = 0
            try:
                while True:
                    s.recvfrom(2048)
                    answers += 1
            except socket.timeout:
                pass
            self.assertLess(answers, 40)
            self.assertGreaterEqual(answers, 20)
            self.assertGreaterEqual(d.status()["snatmap"]["udp"]["rate_limited"], 150)

    def test_every_worker_answers(self):
        with Confabd(workers=2) as d:
            for _ in range(50):
                data, _, _ = udp_exchange(d.port, binding_request())
                self.assertIsNotNone(data)
            self.assertEqual(d.status()["snatmap"]["udp"]["answered"], 50)


class ReflectorOverIpv6(unittest.TestCase):
    def test_an_ipv6_reflector_answers_with_an_ipv6_xor_mapped_address(self):
        with Confabd(address="::1") as d:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.settimeout(2)
            s.bind(("::1", 0))
            txid = os.urandom(12)
            s.sendto(binding_request(txid), ("::1", d.port))
            data, src = s.recvfrom(2048)
            value = parse_attrs(data)[0x0020][0]
            self.assertEqual(value[1], 2)  # family IPv6
            key = struct.pack("!I", 0x2112A442) + txid
            ip = bytes(a ^ b for a, b in zip(value[4:20], key))
            port = struct.unpack("!H", value[2:4])[0] ^ 0x2112
            self.assertEqual((socket.inet_ntop(socket.AF_INET6, ip), port), s.getsockname()[:2])
            s.close()

    def test_confab_nat_works_over_ipv6(self):
        with Confabd(address="::1") as d:
            r = subprocess.run([CONFAB, "nat", f"[::1]:{d.port}", "--json"], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            self.assertTrue(j["udp"])
            self.assertTrue(j["mapped_address"].startswith("[::1]:"))
            self.assertFalse(j["behind_nat"])


class ReflectorOverTcp(unittest.TestCase):
    def connect(self, d):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=3)
        return s

    def read_message(self, s):
        head = b""
        while len(head) < 20:
            chunk = s.recv(20 - len(head))
            if not chunk:
                return None
            head += chunk
        length = struct.unpack("!H", head[2:4])[0]
        body = b""
        while len(body) < length:
            body += s.recv(length - len(body))
        return head + body

    def test_back_to_back_requests_on_one_connection_are_all_answered(self):
        with Confabd() as d:
            s = self.connect(d)
            txids = [os.urandom(12) for _ in range(3)]
            s.sendall(b"".join(binding_request(t) for t in txids))  # one write, three messages
            for t in txids:
                m = self.read_message(s)
                self.assertEqual(m[8:20], t)
                self.assertEqual(xor_mapped(parse_attrs(m)[0x0020][0], t), s.getsockname())
            s.close()

    def test_a_request_split_across_writes_is_reassembled(self):
        with Confabd() as d:
            s = self.connect(d)
            req = binding_request()
            s.sendall(req[:7])
            time.sleep(0.1)
            s.sendall(req[7:])
            self.assertEqual(self.read_message(s)[8:20], req[8:20])
            s.close()

    def test_garbage_closes_the_connection_and_is_counted(self):
        with Confabd() as d:
            s = self.connect(d)
            s.sendall(b"\xff" * 40)
            self.assertEqual(s.recv(100), b"")
            s.close()
            time.sleep(0.1)
            self.assertEqual(d.status()["snatmap"]["tcp_connections"]["closed_invalid"], 1)

    def test_idle_connections_are_closed(self):
        with Confabd("snatmap.limits.tcp_idle_timeout=1") as d:
            s = self.connect(d)
            s.settimeout(5)
            t = time.time()
            self.assertEqual(s.recv(100), b"")
            self.assertLess(time.time() - t, 4)
            s.close()

    def test_connections_over_the_limit_are_refused(self):
        with Confabd("snatmap.limits.tcp_connections=2") as d:
            held = [self.connect(d) for _ in range(2)]
            time.sleep(0.2)
            extra = self.connect(d)
            extra.settimeout(3)
            self.assertEqual(extra.recv(100), b"")
            for s in held + [extra]:
                s.close()
            self.assertEqual(d.status()["snatmap"]["tcp_connections"]["refused_over_limit"], 1)


class ConfabNatOnLoopback(unittest.TestCase):
    def run_nat(self, *args):
        r = subprocess.run([CONFAB, "nat", *args], capture_output=True, text=True, timeout=60)
        return r

    def test_with_two_addresses_loopback_is_open_internet(self):
        with Confabd(address="127.0.0.1", alternate="127.0.0.2") as d:
            r = self.run_nat(f"127.0.0.1:{d.port}", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            j = json.loads(r.stdout)
            self.assertTrue(j["udp"])
            self.assertFalse(j["behind_nat"])
            self.assertTrue(j["rfc5780"])
            self.assertEqual(j["filtering"], "endpoint-independent")
            self.assertEqual(j["classic"], "open")
            self.assertEqual(j["mapped_address"], j["local_address"])

    def test_human_output_is_a_table_with_advice(self):
        with Confabd(address="127.0.0.1", alternate="127.0.0.2") as d:
            r = self.run_nat(f"127.0.0.1:{d.port}")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("NAT type", r.stdout)
            self.assertIn("What this means for calls", r.stdout)

    def test_an_unreachable_server_exits_3(self):
        port = free_port_pair()  # nothing listens there
        r = self.run_nat(f"127.0.0.1:{port}", "--json", "--rto", "50", "--attempts", "2")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        j = json.loads(r.stdout)
        self.assertFalse(j["udp"])
        self.assertEqual(j["classic"], "udp-blocked")
        self.assertFalse(j["tcp"]["reachable"])

    def test_tcp_is_reported_with_the_tcp_flag(self):
        with Confabd() as d:
            r = self.run_nat(f"127.0.0.1:{d.port}", "--json", "--tcp")
            j = json.loads(r.stdout)
            self.assertTrue(j["tcp"]["reachable"])
            self.assertTrue(j["tcp"]["mapped_address"].startswith("127.0.0.1:"))

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.run_nat("127.0.0.1:notaport").returncode, 2)
        self.assertEqual(subprocess.run([CONFAB, "nat", "--bogus"], capture_output=True).returncode, 2)
        self.assertEqual(subprocess.run([CONFAB], capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main()
