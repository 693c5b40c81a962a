"""Helpers for the Bonjour (mDNS + XEP-0174) lab tests: people on one LAN.

``lan(lab, n)`` puts n client namespaces on one link (the LAN bridge of a
non-NAT router). ``Confab`` runs one ``confab local ...`` in a namespace
with ``--json`` and collects its JSON lines as they come, so a test can
wait for an event (``wait_for``) while the process keeps running.
"""

import json
import os
import queue
import signal
import subprocess
import threading
import time


def confab_path():
    """The confab binary, or (None, reason)."""
    d = os.environ.get("CONFAB_BIN_DIR")
    if not d:
        return None, "CONFAB_BIN_DIR is not set (the directory holding confab; CTest sets it)"
    p = os.path.join(d, "confab")
    if not os.access(p, os.X_OK):
        return None, "confab not found in CONFAB_BIN_DIR=%s" % d
    return os.path.abspath(p), None


def lan(lab, names):
    """Client hosts named ``names`` on one link (192.0.2.2, .3, ...)."""
    router = lab.router("lan", mapping=None, filtering="endpoint-independent")
    return [lab.client(n, behind=router) for n in names]


class Confab:
    """``confab local ARGS --json`` running in ``host``; stdin is a pipe."""

    def __init__(self, host, binary, args, log_dir=None):
        self.host = host
        self.argv = [binary, "local"] + list(args) + ["--json"]
        self.events = []
        self._cond = threading.Condition()
        self.stderr_lines = []
        self.proc = host.popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "text", "line": line}
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def _read_err(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip())

    def wait_for(self, pred, timeout=10, what="event"):
        """The first event (from the start) for which pred(event) holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._pending()):
                    raise AssertionError("%s: no %s within %ss; events: %s; stderr: %s" % (
                        " ".join(self.argv[1:]), what, timeout, self.events[-20:], self.stderr_lines[-10:]))
                self._cond.wait(min(left, 0.2))

    def _pending(self):
        return False

    def name(self, timeout=10):
        """Our name once established (after any rename)."""
        e = self.wait_for(lambda e: e.get("event") == "established", timeout, "established event")
        return e["name"]

    def type_line(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        self.proc.stdin.close()

    def interrupt(self, timeout=10):
        """Ctrl-C; returns the exit code."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def wait(self, timeout=10):
        return self.proc.wait(timeout=timeout)


def snapshot(host, binary, wait=3.0):
    """``confab local --json --wait`` in host: the list of people."""
    r = host.run([binary, "local", "--json", "--wait", str(wait)], timeout=wait + 20)
    return json.loads(r.stdout)


def by_instance(people):
    return {p["instance"]: p for p in people}
