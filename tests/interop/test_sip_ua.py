"""confab's SIP user agent against a real confabd: Bob listens and answers,
Alice calls him; nobody home gives 480; a wrong password is refused; and,
when sipp is installed, confab calls a sipp UAS. Loopback only."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from confabd_fixture import CONFAB, CONFABD, Confabd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sip import free_udp_port, sipp_register  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from tone import tone_share  # noqa: E402

PASSWORD = "s3cret-pass"


def add_user(d, name, password):
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(password + "\n")
    subprocess.run([CONFABD, "--set", f'server.data_dir="{d.dir}"', "user", "add", name, "--password-file", f.name],
                   check=True, capture_output=True)


class Capture:
    """tshark on loopback for the media range while a test runs (root only;
    otherwise says why once and reports nothing)."""

    def __init__(self, path):
        self.path, self.proc = path, None
        if os.geteuid() != 0 or shutil.which("tshark") is None:
            print("tshark capture skipped: needs root and tshark", file=sys.stderr)
            return
        self.proc = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", "udp portrange 16384-16403", "-w", path],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        while time.time() < deadline and "Capturing on" not in self.proc.stderr.readline():
            pass

    def finish(self):
        """({protocol: frames}, text of malformed/warning packets) or (None, None)."""
        if self.proc is None:
            return None, None
        time.sleep(0.5)
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        heur = ["--enable-heuristic", "rtp_udp", "--enable-heuristic", "rtcp_udp"]
        frames = subprocess.run(["tshark", "-r", self.path, *heur, "-T", "fields", "-e", "frame.protocols"],
                                capture_output=True, text=True).stdout.split()
        counts = {}
        for protocols in frames:
            last = [p for p in protocols.split(":") if p in ("stun", "rtp", "rtcp")]
            if last:
                counts[last[-1]] = counts.get(last[-1], 0) + 1
        problems = subprocess.run(["tshark", "-r", self.path, *heur, "-Y",
                                   "_ws.malformed || _ws.expert.severity >= warning"],
                                  capture_output=True, text=True).stdout.strip()
        return counts, problems


def password_file(password):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=".pw")
    f.write(password + "\n")
    f.close()
    return f.name


def media_args(d, args):
    """call/listen gather a srflx candidate from confabd's reflector."""
    return ["--reflector", f"127.0.0.1:{d.port}"] if args and args[0] in ("call", "listen") else []


def confab(d, *args, password=PASSWORD, timeout=60):
    return subprocess.run([CONFAB, *args, "--server", f"127.0.0.1:{d.sip_port}",
                           "--password-file", password_file(password), *media_args(d, args)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def start_listen(d, *args):
    p = subprocess.Popen([CONFAB, "listen", *args, "--server", f"127.0.0.1:{d.sip_port}",
                          "--password-file", password_file(PASSWORD), "--json", *media_args(d, ["listen"])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    first = p.stdout.readline()  # "registered": Bob can be called from now on
    return p, json.loads(first)


class RegisterOnce(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Confabd(sip=True).__enter__()
        add_user(cls.d, "alice@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_alice_registers_with_the_right_password(self):
        r = confab(self.d, "register", "alice@example.org", "--once", "--json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout.splitlines()[0])
        self.assertEqual(out["event"], "registered")
        self.assertGreater(out["expires"], 0)
        self.assertGreaterEqual(self.d.status()["sip"]["bindings"], 1)

    def test_a_wrong_password_is_refused_with_exit_4(self):
        r = confab(self.d, "register", "alice@example.org", "--once", password="wrong")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("403", r.stdout)

    def test_register_stays_and_unregisters_on_sigterm(self):
        p = subprocess.Popen([CONFAB, "register", "bob-not-a-user@example.org", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, _ = p.communicate(timeout=20)
        self.assertEqual(p.returncode, 4, out)  # unknown user: refused at once
        p = subprocess.Popen([CONFAB, "register", "alice@example.org", "--expires", "120", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertIn("registered alice@example.org", p.stdout.readline())
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, out + err)
        self.assertIn("unregistered", out)


class CallsBetweenTwoConfabs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Confabd(sip=True).__enter__()
        for user in ("alice", "bob", "carol"):
            add_user(cls.d, f"{user}@example.org", PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.d.__exit__(None, None, None)

    def test_bob_answers_alices_call_and_both_hang_up_cleanly(self):
        bob, first = start_listen(self.d, "bob@example.org", "--auto-answer", "--count", "1")
        try:
            self.assertEqual(first["event"], "registered")
            r = confab(self.d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "1", "--json")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            result = json.loads(r.stdout.splitlines()[-1])
            self.assertEqual(result["result"], "answered")
            self.assertEqual(result["status"], 200)
            self.assertIn("ringing (180", r.stderr)
            out, err = bob.communicate(timeout=15)
        finally:
            if bob.poll() is None:
                bob.kill()
        self.assertEqual(bob.returncode, 0, out + err)
        events = [json.loads(line)["event"] for line in out.splitlines()]
        self.assertEqual(events, ["incoming_call", "answered", "call_ended"])

    def test_a_call_carries_alices_tone_to_bob_and_both_report_the_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            heard = os.path.join(tmp, "bob-heard.wav")
            capture = Capture(os.path.join(tmp, "call.pcap"))
            bob, first = start_listen(self.d, "bob@example.org", "--count", "1", "--send-audio", "tone:660",
                                      "--record-audio", heard)
            try:
                r = confab(self.d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "3",
                           "--send-audio", "tone:440", "--json")
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                out, err = bob.communicate(timeout=20)
            finally:
                if bob.poll() is None:
                    bob.kill()
            self.assertEqual(bob.returncode, 0, out + err)
            alice = json.loads(r.stdout.splitlines()[-1])
            self.assertEqual(alice["result"], "answered")
            media = alice["media"]
            self.assertEqual(media["media_state"], "connected", media)
            self.assertTrue(media["direct"])
            path = media["paths"][0]
            self.assertEqual(path["local"]["type"], "host")
            self.assertTrue(path["rtcp_mux"])
            port = int(path["local"]["base"].rsplit(":", 1)[1])
            self.assertTrue(16384 <= port <= 16403, path)  # iChat's range
            audio = media["streams"][0]
            self.assertEqual(audio["codec"], "opus/48000")
            self.assertGreater(audio["packets_received"], 100)  # Bob's tone came back
            self.assertEqual(audio["packets_lost"], 0)
            self.assertIsNotNone(audio["rtt_ms"])
            self.assertGreater(audio["mos"], 4.0)
            self.assertLess(media["answer_to_first_media_ms"], 1000)
            ended = json.loads(out.splitlines()[-1])
            self.assertEqual(ended["event"], "call_ended")
            self.assertGreater(ended["media"]["streams"][0]["packets_received"], 100)
            self.assertGreater(tone_share(heard), 0.8)
            # tshark dissects every STUN, RTP and RTCP packet of the call without complaint.
            counts, problems = capture.finish()
            print("tshark:", counts, file=sys.stderr)
            if counts is not None:
                # At least one ICE check transaction (request + response);
                # on a busy machine the capture may start after the first ones.
                self.assertGreaterEqual(counts.get("stun", 0), 2, counts)
                self.assertGreater(counts.get("rtp", 0), 200, counts)
                self.assertGreater(counts.get("rtcp", 0), 2, counts)
                self.assertEqual(problems, "", problems)

    def test_alice_puts_bob_on_hold_and_takes_him_off_with_re_invites(self):
        bob, _ = start_listen(self.d, "bob@example.org", "--count", "1")
        try:
            r = confab(self.d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "6",
                       "--hold-at", "2", "--resume-at", "4", "--json")
            out, err = bob.communicate(timeout=20)
        finally:
            if bob.poll() is None:
                bob.kill()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("on hold", r.stderr)
        self.assertIn("resumed", r.stderr)
        events = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([e["event"] for e in events].count("session_changed"), 2, out)
        alice = json.loads(r.stdout.splitlines()[-1])["media"]["streams"][0]
        bob_media = events[-1]["media"]["streams"][0]
        # Bob (held, recvonly) was silent for the 2 s of the hold; Alice kept sending.
        self.assertGreater(alice["packets_sent"], 270)
        self.assertLess(bob_media["packets_sent"], 230)
        self.assertGreater(bob_media["packets_sent"], 150)

    def test_a_video_call_with_srtp_bundles_audio_and_video_on_one_port(self):
        with tempfile.TemporaryDirectory() as tmp:
            seen = os.path.join(tmp, "bob-saw.y4m")
            bob, _ = start_listen(self.d, "bob@example.org", "--count", "1", "--srtp", "required",
                                  "--record-video", seen)
            try:
                r = confab(self.d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "3",
                           "--srtp", "required", "--video", "pattern:160x120@15", "--json")
                out, err = bob.communicate(timeout=20)
            finally:
                if bob.poll() is None:
                    bob.kill()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(bob.returncode, 0, out + err)
            alice = json.loads(r.stdout.splitlines()[-1])["media"]
            self.assertEqual([s["media"] for s in alice["streams"]], ["audio", "video"])
            self.assertTrue(all(s["srtp"] for s in alice["streams"]), alice)
            video_path = [p for p in alice["paths"] if p["media"] == "video"][0]
            self.assertTrue(video_path["bundled"], alice["paths"])
            bob_media = json.loads(out.splitlines()[-1])["media"]
            bob_video = [s for s in bob_media["streams"] if s["media"] == "video"][0]
            self.assertGreater(bob_video["packets_received"], 30)
            self.assertEqual(bob_video["srtp_failures"], 0)
            self.assertGreater(bob_video["frames_played"], 30)  # decoded pictures
            with open(seen, "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(b"YUV4MPEG2 W160 H120"), data[:40])
            self.assertGreater(data.count(b"FRAME"), 30)

    def test_over_tls_the_call_is_srtp_by_default_and_carries_the_tone(self):
        tls = ["--transport", "tls", "--server", f"127.0.0.1:{self.d.sip_port + 1}", "--ca-file", self.d.certificate]
        with tempfile.TemporaryDirectory() as tmp:
            heard = os.path.join(tmp, "bob-heard.wav")
            bob = subprocess.Popen([CONFAB, "listen", "bob@example.org", "--count", "1", "--record-audio", heard,
                                    "--password-file", password_file(PASSWORD), "--json",
                                    *media_args(self.d, ["listen"]), *tls],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   stdin=subprocess.DEVNULL)
            try:
                first = json.loads(bob.stdout.readline())
                self.assertEqual(first["event"], "registered")
                r = subprocess.run([CONFAB, "call", "bob@example.org", "--from", "alice@example.org", "--duration",
                                    "2", "--send-audio", "tone:440", "--password-file", password_file(PASSWORD),
                                    "--json", *media_args(self.d, ["call"]), *tls],
                                   capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
                out, err = bob.communicate(timeout=20)
            finally:
                if bob.poll() is None:
                    bob.kill()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn("warning", r.stderr)
            alice = json.loads(r.stdout.splitlines()[-1])["media"]
            self.assertEqual(alice["media_state"], "connected", alice)
            self.assertTrue(alice["streams"][0]["srtp"], alice)  # SDES keys went over TLS only
            bob_audio = json.loads(out.splitlines()[-1])["media"]["streams"][0]
            self.assertGreater(bob_audio["packets_received"], 60, bob_audio)
            self.assertEqual(bob_audio["srtp_failures"], 0, bob_audio)
            self.assertGreater(tone_share(heard), 0.8, json.dumps(bob_audio))

    def test_carol_declines_and_the_caller_hears_declined(self):
        carol, _ = start_listen(self.d, "carol@example.org", "--decline", "--count", "1")
        try:
            r = confab(self.d, "call", "carol@example.org", "--from", "alice@example.org")
            carol.communicate(timeout=15)
        finally:
            if carol.poll() is None:
                carol.kill()
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("declined: 603", r.stdout)

    def test_calling_someone_not_registered_is_unreachable_480(self):
        r = confab(self.d, "call", "nobody@example.org", "--from", "alice@example.org", "--json")
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        result = json.loads(r.stdout.splitlines()[-1])
        self.assertEqual((result["result"], result["status"]), ("unreachable", 480))

    def test_ctrl_c_while_ringing_cancels_the_call(self):
        bob, _ = start_listen(self.d, "bob@example.org", "--decline", "--count", "5")
        bob.kill()  # registered, then gone: the INVITE gets 100 Trying and rings nowhere
        bob.communicate()
        p = subprocess.Popen([CONFAB, "call", "bob@example.org", "--from", "alice@example.org", "--server",
                              f"127.0.0.1:{self.d.sip_port}", "--password-file", password_file(PASSWORD),
                              *media_args(self.d, ["call"])],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cancels = self.d.status()["sip"]["requests"]["cancels"]
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        started = time.time()
        out, err = p.communicate(timeout=40)
        # Bob's phone is gone, so no 487 comes: confab gives up 10 s after its CANCEL.
        self.assertLess(time.time() - started, 15)
        self.assertEqual(p.returncode, 130, out + err)
        self.assertEqual(self.d.status()["sip"]["requests"]["cancels"], cancels + 1)
        self.assertIn("cancelled", out)


@unittest.skipIf(shutil.which("sipp") is None, "sipp not installed")
class CallsASippPhone(unittest.TestCase):
    def test_confab_calls_a_sipp_uas_registered_through_confabd(self):
        with Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", sip=True) as d:
            add_user(d, "bob@example.org", PASSWORD)
            add_user(d, "alice@example.org", PASSWORD)
            bob_port = free_udp_port()
            r = sipp_register(d, "bob", PASSWORD, "u1", local_port=bob_port)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            with tempfile.TemporaryDirectory() as work:
                uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(bob_port), "-nostdin",
                                        "-timeout", "30"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       cwd=work)
                try:
                    time.sleep(0.5)
                    r = confab(d, "call", "bob@example.org", "--from", "alice@example.org", "--json",
                               "--no-media")  # sipp's uas answers PCMU, which confab does not speak
                finally:
                    uas.kill()
                    uas.wait()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(json.loads(r.stdout.splitlines()[-1])["result"], "answered")


@unittest.skipIf(shutil.which("sipp") is None or shutil.which("ffmpeg") is None, "sipp or ffmpeg not installed")
class FfmpegReceivesOurOpus(unittest.TestCase):
    """A phone without ICE (sipp answers, RFC 8445 §3 fallback: media to
    its m=/c= address) whose media port is ffmpeg: ffmpeg decodes confab's
    RTP with the Opus decoder it has, and hears the 440 Hz tone."""

    def test_ffmpeg_decodes_the_tone_confab_sends(self):
        # sipp's digest is MD5 only
        with Confabd("sip.digest_algorithms=[\"MD5\",\"SHA-256\"]", sip=True) as d, \
                tempfile.TemporaryDirectory() as work:
            add_user(d, "bob@example.org", PASSWORD)
            add_user(d, "alice@example.org", PASSWORD)
            phone_port, rtp_port = free_udp_port(), free_udp_port()
            while rtp_port % 2:
                rtp_port = free_udp_port()
            r = sipp_register(d, "bob", PASSWORD, "u1", local_port=phone_port)
            self.assertEqual(r.returncode, 0, r.stdout[-2000:])
            sdp = os.path.join(work, "in.sdp")
            with open(sdp, "w") as f:
                f.write("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=confab\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                        f"m=audio {rtp_port} RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n")
            out = os.path.join(work, "ffmpeg-heard.wav")
            ffmpeg = subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-protocol_whitelist",
                                       "file,udp,rtp", "-i", sdp, "-t", "2", "-ac", "1", "-ar", "48000", out],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            uas = subprocess.Popen(["sipp", "-sf", os.path.join(os.path.dirname(__file__), "sipp", "opus_uas.xml"),
                                    "-i", "127.0.0.1", "-p", str(phone_port), "-key", "ffport", str(rtp_port),
                                    "-m", "1", "-nostdin", "-timeout", "30"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
            try:
                time.sleep(0.5)
                r = confab(d, "call", "bob@example.org", "--from", "alice@example.org", "--duration", "4",
                           "--send-audio", "tone:440", "--json")
                ff_out, ff_err = ffmpeg.communicate(timeout=20)
            finally:
                for p in (uas, ffmpeg):
                    if p.poll() is None:
                        p.kill()
                    p.wait()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            report = json.loads(r.stdout.splitlines()[-1])["media"]
            self.assertEqual(report["media_state"], "connected", report)
            self.assertGreater(report["streams"][0]["packets_sent"], 150)
            self.assertEqual(ffmpeg.returncode, 0, ff_err)
            self.assertGreater(tone_share(out), 0.8)


if __name__ == "__main__":
    unittest.main()
