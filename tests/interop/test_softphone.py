"""A real softphone: two baresip instances (Debian's baresip-core) register
to confabd with digest authentication and call each other through it.
Loopback only; audio comes from a generated tone file."""
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import wave

from confabd_fixture import CONFABD, Confabd

if shutil.which("baresip") is None and __name__ == "__main__":
    print("SKIP: baresip not installed (scripts/install-deps.sh installs baresip-core)")
    sys.exit(77)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class BaresipCallsBaresip(unittest.TestCase):
    def phone(self, work, user, password, sip_port):
        d = os.path.join(work, user)
        os.makedirs(d)
        with open(os.path.join(d, "config"), "w") as f:
            f.write(f"sip_listen 127.0.0.1:{free_udp_port()}\n"
                    "module_path /usr/lib/baresip/modules\n"
                    "module stdio.so\nmodule g711.so\nmodule aufile.so\nmodule account.so\nmodule menu.so\n"
                    f"audio_player aufile,{d}/heard.wav\naudio_source aufile,{work}/tone.wav\n"
                    "audio_alert aufile,/dev/null\n")
        with open(os.path.join(d, "accounts"), "w") as f:
            f.write(f"<sip:{user}@example.org>;auth_pass={password};outbound=\"sip:127.0.0.1:{sip_port}\";"
                    "regint=60;answermode=auto\n")
        return d

    def test_alice_calls_bob_and_both_see_the_call_established(self):
        # baresip 1.0's SIP stack gives up on any challenge it cannot answer
        # (it knows only MD5), so this server offers MD5 alone.
        with Confabd('sip.digest_algorithms=["MD5"]', sip=True) as d, tempfile.TemporaryDirectory() as work:
            for user in ("alice", "bob"):
                pw = os.path.join(work, user + ".pw")
                with open(pw, "w") as f:
                    f.write(user + "-secret\n")
                subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "user", "add",
                                f"{user}@example.org", "--password-file", pw], check=True, capture_output=True)
            with wave.open(os.path.join(work, "tone.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                       for i in range(8000 * 5)))
            bob_dir = self.phone(work, "bob", "bob-secret", d.sip_port)
            alice_dir = self.phone(work, "alice", "alice-secret", d.sip_port)
            bob_log = open(os.path.join(work, "bob.log"), "w")
            bob = subprocess.Popen(["baresip", "-f", bob_dir, "-t", "20"], stdout=bob_log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
            try:
                deadline = time.time() + 10
                while time.time() < deadline and d.status()["sip"]["bindings"] < 1:
                    time.sleep(0.1)
                self.assertEqual(d.status()["sip"]["bindings"], 1, "bob's baresip did not register")
                alice = subprocess.run(["baresip", "-f", alice_dir, "-t", "6", "-e", "/dial sip:bob@example.org"],
                                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            finally:
                bob.terminate()
                bob.wait(10)
                bob_log.close()
            with open(os.path.join(work, "bob.log")) as f:
                bob_out = f.read()
            self.assertIn("Call established: sip:bob@example.org", alice.stdout, alice.stdout[-3000:])
            self.assertIn("Call established: sip:alice@example.org", bob_out, bob_out[-3000:])
            st = d.status()["sip"]
            self.assertGreaterEqual(st["registrar"]["ok"], 2)
            self.assertGreaterEqual(st["proxy"]["proxied"], 1)


if __name__ == "__main__":
    unittest.main()
