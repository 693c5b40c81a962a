#!/usr/bin/python3
"""The AV call through NAT, for real: two `confab` phones behind every pair
of the lab's NAT classes call each other through one confabd (SIP on
203.0.113.10:5060, the reflector on .10 and .11:5678). ICE must find a
direct path for every pair except address-and-port-dependent filtering
facing a symmetric NAT, symmetric facing symmetric, and UDP blocked; there
the call must end cleanly with a reason ("... a relay is needed"). Where it
connects, the callee must hear the caller's 440 Hz tone and both reports
must name a direct candidate pair. Also: both phones behind one NAT
(hairpinning on and off), and impaired links (loss, delay, jitter).
Root only; exits 77 otherwise.
"""

import concurrent.futures
import itertools
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import natlab  # noqa: E402
import peers  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from tone import tone_share  # noqa: E402

SERVER = natlab.SERVER_ADDRESSES[0]
REFLECTORS = "%s:5678,%s:5678" % natlab.SERVER_ADDRESSES
PASSWORD = "call-lab-secret"
CLASSES = ["open", "firewall", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric", "udp-blocked"]
DURATION = 3


def behaviour(preset):
    """(mapping, filtering) as RFC 4787 names them; a firewall maps like EIM."""
    p = natlab.PRESETS[preset]
    return (p["mapping"] or natlab.EIM, p["filtering"])


def expect_direct(a, b):
    """The ICE outcome of the simulation's table (src/ice/README.md) for the
    lab's classes: endpoint-dependent mapping facing APD filtering fails,
    and so does UDP blocked."""
    if "udp-blocked" in (a, b):
        return False
    (ma, fa), (mb, fb) = behaviour(a), behaviour(b)
    dependent_a, dependent_b = ma != natlab.EIM, mb != natlab.EIM
    if dependent_a and dependent_b:
        return False  # the lab's only dependent mapping is APD on both sides
    if dependent_a and fb == natlab.APDM:
        return False
    if dependent_b and fa == natlab.APDM:
        return False
    return True


class CallMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bindir, reason = peers.confab_bin_dir()
        if cls.bindir is None:
            raise unittest.SkipTest(reason)
        cls.confab = os.path.join(cls.bindir, "confab")
        cls.tmp = tempfile.TemporaryDirectory(prefix="natlab-call-")
        cls.addClassCleanup(cls.tmp.cleanup)
        cls.work = cls.tmp.name
        cls.pw = os.path.join(cls.work, "pw")
        with open(cls.pw, "w") as f:
            f.write(PASSWORD + "\n")
        cls.lab = natlab.Lab()
        cls.addClassCleanup(cls.lab.close)
        cls.server = cls.lab.server()
        confabd = os.path.join(cls.bindir, "confabd")
        data = os.path.join(cls.work, "data")
        cls.users = ["u%d" % i for i in range(80)]
        # One process adds every account (a line each on stdin would be nicer; this keeps to the CLI).
        for u in cls.users:
            cls.server.run([confabd, "--set", 'server.data_dir="%s"' % data, "user", "add", u + "@example.org",
                            "--password-file", cls.pw])
        log = open(os.path.join(cls.work, "confabd.log"), "w")
        cls.addClassCleanup(log.close)
        proc = cls.server.popen([confabd, "--set", 'server.data_dir="%s"' % data,
                                 "--set", 'sip.address="%s"' % SERVER,
                                 "--set", 'snatmap.address="%s"' % natlab.SERVER_ADDRESSES[0],
                                 "--set", 'snatmap.alternate_address="%s"' % natlab.SERVER_ADDRESSES[1],
                                 "--set", "server.workers=1"], stdout=log, stderr=subprocess.STDOUT)
        cls.server.wait_listening(5060, "udp", timeout=20, proc=proc)
        cls.server.wait_listening(5678, "udp", timeout=20, proc=proc)
        cls.next_user = iter(cls.users)
        # 16 routers, the lab's maximum: two of each class (pairs of one
        # class sit behind different NATs of it) and two shared ones.
        cls.first = {c: cls.lab.router("a-" + c[:8], **natlab.PRESETS[c]) for c in CLASSES}
        cls.second = {c: cls.lab.router("b-" + c[:8], **natlab.PRESETS[c]) for c in CLASSES}
        cls.shared = [("symmetric", False), ("port-restricted-cone", True)]
        cls.shared_routers = [cls.lab.router("s%d" % i, **dict(natlab.PRESETS[p], hairpin=h))
                              for i, (p, h) in enumerate(cls.shared)]

    def call(self, caller, callee, tag, extra=()):
        """Bob (callee) listens and records; Alice calls with a tone. Returns
        (caller CompletedProcess, caller JSON, callee JSON lines, recording)."""
        alice, bob = next(self.next_user), next(self.next_user)
        heard = os.path.join(self.work, "%s-heard.wav" % tag)
        common = ["--server", "%s:5060" % SERVER, "--password-file", self.pw, "--reflector", REFLECTORS,
                  "--media-timeout", "8", "--json"] + list(extra)
        listen = callee.popen([self.confab, "listen", bob + "@example.org", "--count", "1",
                               "--send-audio", "tone:660", "--record-audio", heard] + common,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = listen.stdout.readline()
        registered = bool(first) and json.loads(first).get("event") == "registered"
        try:
            r = caller.run([self.confab, "call", bob + "@example.org", "--from", alice + "@example.org",
                            "--duration", str(DURATION), "--send-audio", "tone:440"] + common,
                           check=False, timeout=60)
            if registered:
                out, err = listen.communicate(timeout=30)
            else:
                listen.kill()
                out, err = listen.communicate()
        finally:
            if listen.poll() is None:
                listen.kill()
                listen.wait()
        try:
            report = json.loads(r.stdout.splitlines()[-1])
        except (ValueError, IndexError):
            report = None
        lines = [json.loads(l) for l in ([first] if first else []) + out.splitlines() if l.startswith("{")]
        return dict(proc=r, report=report, callee=lines, heard=heard, registered=registered,
                    log="caller: %s\n%s\ncallee: %s\n%s" % (r.stdout, r.stderr[-1500:], out, err[-1500:]))

    def check_direct(self, result, name, same_nat=False):
        r, report = result["proc"], result["report"]
        self.assertEqual(r.returncode, 0, name + "\n" + result["log"])
        media = report["media"]
        self.assertEqual(media["media_state"], "connected", name + "\n" + result["log"])
        self.assertTrue(media["direct"], name)
        path = media["paths"][0]
        self.assertEqual(path["local"]["type"] if same_nat else "host", "host", name)
        if same_nat:
            self.assertEqual(path["remote"]["type"], "host", name)  # on one LAN: no hairpin needed
        self.assertIn(path["remote"]["type"], ("host", "srflx", "prflx"), name)
        port = int(path["local"]["base"].rsplit(":", 1)[1])
        self.assertTrue(16384 <= port <= 16403, name)
        audio = media["streams"][0]
        self.assertGreater(audio["packets_received"], 25 * DURATION, name + "\n" + result["log"])
        self.assertIsNotNone(audio["rtt_ms"], name)
        self.assertIn("answer_to_first_media_ms", media, name)
        ended = [l for l in result["callee"] if l.get("event") == "call_ended"]
        self.assertTrue(ended, name + "\n" + result["log"])
        self.assertGreater(ended[0]["media"]["streams"][0]["packets_received"], 25 * DURATION, name)
        share = tone_share(result["heard"])
        print("%s: tone share %.3f, path %s" % (name, share, json.dumps(media["paths"])), file=sys.stderr)
        # What Bob heard is Alice's tone.
        self.assertGreater(share, 0.8, "%s: %s" % (name, json.dumps(ended[0]["media"]["streams"][0])))

    def check_no_path(self, result, name, a, b):
        r, report = result["proc"], result["report"]
        self.assertNotEqual(r.returncode, 0, name + "\n" + result["log"])
        if "udp-blocked" in (a, b):
            # SIP itself is UDP here: the blocked side cannot even register
            # or reach the server; the call ends as unreachable.
            self.assertIn(r.returncode, (3, 4), name + "\n" + result["log"])
            return
        self.assertEqual(r.returncode, 5, name + "\n" + result["log"])
        failure = report["media"].get("media_failure", "")
        self.assertIn("relay is needed", failure, name)
        if a == "symmetric" and b == "symmetric":
            self.assertIn("both sides map per destination", failure, name)
        elif "symmetric" in (a, b):
            self.assertIn("maps per destination", failure, name)

    def test_every_pair_of_nat_classes(self):
        first, second = self.first, self.second
        pairs = list(itertools.combinations_with_replacement(CLASSES, 2))
        hosts = {}
        for i, (a, b) in enumerate(pairs):
            caller = self.lab.client("p%da" % i, behind=first[a])
            callee = self.lab.client("p%db" % i, behind=(second[b] if a == b else first[b]))
            hosts[(a, b)] = (caller, callee)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = {pool.submit(self.call, *hosts[p], "%s_%s" % p): p for p in pairs}
            results = {futures[f]: f.result() for f in concurrent.futures.as_completed(futures)}
        summary = []
        for (a, b) in pairs:
            res = results[(a, b)]
            media = (res["report"] or {}).get("media", {})
            summary.append("%-20s %-20s exit %d %s %s" % (a, b, res["proc"].returncode, media.get("media_state"),
                                                        media.get("media_failure", "")))
        print("\n" + "\n".join(summary), file=sys.stderr)
        for (a, b) in pairs:
            name = "%s calls %s" % (a, b)
            with self.subTest(pair=name):
                if expect_direct(a, b):
                    self.check_direct(results[(a, b)], name)
                else:
                    self.check_no_path(results[(a, b)], name, a, b)

    def test_both_behind_one_nat_with_and_without_hairpinning(self):
        cases = self.shared
        runs = []
        for i, router in enumerate(self.shared_routers):
            runs.append((self.lab.client("s%da" % i, behind=router), self.lab.client("s%db" % i, behind=router),
                         "same_%d" % i))
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda r: self.call(*r), runs))
        for (preset, hairpin), res in zip(cases, results):
            with self.subTest(nat=preset, hairpin=hairpin):
                self.check_direct(res, "both behind one %s NAT (hairpin %s)" % (preset, hairpin), same_nat=True)

    def test_an_impaired_path_still_connects_and_the_report_shows_it(self):
        ra, rb = self.second["port-restricted-cone"], self.second["full-cone"]
        caller, callee = self.lab.client("ia1", behind=ra), self.lab.client("ib1", behind=rb)
        self.lab.impair(ra, loss_percent=5, delay_ms=40, jitter_ms=10)
        try:
            res = self.call(caller, callee, "impaired")
        finally:
            self.lab.impair(ra)
        self.assertEqual(res["proc"].returncode, 0, res["log"])
        media = res["report"]["media"]
        self.assertEqual(media["media_state"], "connected", res["log"])
        audio = media["streams"][0]
        # 40 ms each way through the impaired router (plus jitter): RTT well above the lab's ~0.
        self.assertGreater(audio["rtt_ms"], 60, audio)
        self.assertGreater(audio["packets_lost"], 0, audio)  # ~5 % of what the callee sent
        self.assertGreater(audio["jitter_ms"], 1.0, audio)
        self.assertLess(audio["mos"], 4.4, audio)
        self.assertGreater(tone_share(res["heard"]), 0.5)  # 5 % loss: concealment, still mostly the tone


if __name__ == "__main__":
    natlab.run_tests(lambda: peers.confab_bin_dir()[1])
