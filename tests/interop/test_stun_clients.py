"""STUN clients nobody here wrote, against a real confabd on loopback:
coturn's turnutils_stunclient and turnutils_natdiscovery (RFC 5780), and the
classic `stun` client (RFC 3489). 127.0.0.1 and 127.0.0.2 serve as the
reflector's two addresses."""
import re
import shutil
import subprocess
import sys
import unittest

from confabd_fixture import Confabd

TOOLS = ["turnutils_stunclient", "turnutils_natdiscovery", "stun"]
missing = [t for t in TOOLS if not shutil.which(t)]
if missing and __name__ == "__main__":
    print(f"SKIP: {', '.join(missing)} not installed (scripts/install-deps.sh installs coturn and stun-client)")
    sys.exit(77)


def run(args, timeout=60):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


class CoturnClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Confabd(address="127.0.0.1", alternate="127.0.0.2").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.__exit__(None, None, None)

    def test_stunclient_gets_its_address_and_the_rfc5780_attributes(self):
        r = run(["turnutils_stunclient", "-p", str(self.daemon.port), "127.0.0.1"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        self.assertRegex(out, r"UDP reflexive addr: 127\.0\.0\.1:\d+")
        self.assertIn(f"Response origin: : 127.0.0.1:{self.daemon.port}", out)
        self.assertIn(f"Other addr: : 127.0.0.2:{self.daemon.port + 1}", out)
        # its change-request test is answered from the other address and port
        self.assertIn(f"Response origin: : 127.0.0.2:{self.daemon.port + 1}", out)
        # and its 1500-byte PADDING test is answered too (three responses in all)
        self.assertEqual(len(re.findall(r"RFC 5780 response \d", out)), 3, out)

    def test_natdiscovery_finds_endpoint_independent_mapping_and_filtering(self):
        r = run(["turnutils_natdiscovery", "-m", "-f", "-p", str(self.daemon.port), "127.0.0.1"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("NAT with Endpoint Independent Mapping!", r.stdout)
        self.assertIn("NAT with Endpoint Independent Filtering!", r.stdout)

    def test_nothing_was_counted_as_malformed(self):
        self.assertEqual(self.daemon.status()["snatmap"]["udp"]["malformed"], 0)


class ClassicStunClient(unittest.TestCase):
    def test_rfc3489_client_sees_an_open_internet(self):
        with Confabd(address="127.0.0.1", alternate="127.0.0.2") as d:
            r = run(["stun", f"127.0.0.1:{d.port}", "-v"])
            out = r.stdout + r.stderr
            self.assertIn("Primary: Open", out)
            for test in ("test I = 1", "test II = 1", "test III = 1"):
                self.assertIn(test, out)
            self.assertGreater(d.status()["snatmap"]["udp"]["classic"], 0)


if __name__ == "__main__":
    unittest.main()
