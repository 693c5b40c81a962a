"""Servers and clients the NAT lab tests run: coturn, confabd, confab.

Helpers shared by the test files; the lab itself is natlab.py.
"""

import json
import os
import re
import shutil
import subprocess
import threading

import natlab

COTURN_PORT = 3478          # RFC 5780 alternate port: 3479
CONFABD_PORT = 5678         # alternate 5679; also STUN on 3478/3479


def parallel(fn, items):
    """[fn(item) for item in items], run in threads (most time is waiting
    for STUN timeouts). Exceptions are returned in place of results."""
    results = [None] * len(items)

    def work(i, item):
        try:
            results[i] = fn(item)
        except Exception as e:  # reported by the test that reads it
            results[i] = e
    threads = [threading.Thread(target=work, args=(i, item))
               for i, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def build_topologies(lab, topologies=None):
    """One router (named after the topology) with one client each.

    Returns {name: (topology, router, client)}.
    """
    out = {}
    for t in topologies or natlab.TOPOLOGIES:
        r = lab.router(t["name"], **t["router"])
        c = lab.client("c-" + t["name"], behind=r)
        out[t["name"]] = (t, r, c)
    return out


def _start_logged(host, logfile, argv):
    """host.popen(argv) with stdout and stderr going to ``logfile``."""
    with open(logfile, "w") as log:
        return host.popen(argv, stdout=log, stderr=subprocess.STDOUT)


# ---- coturn --------------------------------------------------------------

def coturn_missing():
    for tool in ("turnserver", "turnutils_natdiscovery"):
        if shutil.which(tool) is None:
            return "coturn's %s is not installed" % tool
    return None


def start_coturn(server, workdir):
    """coturn as an RFC 5780 STUN server on 203.0.113.10 and .11, port
    3478 (alternate port 3479), UDP and TCP, no auth. Log in workdir."""
    proc = _start_logged(server, os.path.join(workdir, "turnserver.log"), [
        "turnserver", "-n", "--no-cli", "--no-tls", "--no-dtls",
        "-L", natlab.SERVER_ADDRESSES[0], "-L", natlab.SERVER_ADDRESSES[1],
        "--listening-port", str(COTURN_PORT), "-z",
        "--db", os.path.join(workdir, "turndb.sqlite"),
        "--pidfile", os.path.join(workdir, "turnserver.pid"),
        "--log-file", "stdout", "--simple-log", "--no-software-attribute",
    ])
    for port, proto in ((COTURN_PORT, "udp"), (COTURN_PORT + 1, "udp"),
                        (COTURN_PORT, "tcp")):
        server.wait_listening(port, proto, proc=proc)
    return proc


_BEHAVIOUR = {
    "Endpoint Independent": natlab.EIM,
    "Address Dependent": natlab.ADM,
    "Address and Port Dependent": natlab.APDM,
}


def parse_natdiscovery(text, returncode):
    """turnutils_natdiscovery -m -f -H output -> dict in `confab nat`
    terms: udp, behind_nat, mapping, filtering, hairpinning,
    mapped_address."""
    def last(kind):
        found = re.findall(r"NAT with (Endpoint Independent|Address and Port "
                           r"Dependent|Address Dependent) %s!" % kind, text)
        return _BEHAVIOUR[found[-1]] if found else "unknown"
    mapped = re.findall(r"UDP reflexive addr: (\S+)", text)
    udp = bool(mapped)
    return dict(
        returncode=returncode,
        udp=udp,
        behind_nat=("No NAT!" not in text) if udp else None,
        mapping=last("Mapping"),
        filtering=last("Filtering"),
        hairpinning="successful hairpinning" in text if udp else None,
        mapped_address=mapped[0] if mapped else None,
    )


def natdiscovery(client, server=natlab.SERVER_ADDRESSES[0], port=COTURN_PORT):
    """Run turnutils_natdiscovery -m -f -H in ``client``; parsed dict with
    the full output under "output"."""
    p = client.run(["turnutils_natdiscovery", "-m", "-f", "-H",
                    "-L", client.address, "-p", str(port), server],
                   check=False, timeout=120)
    text = p.stdout + p.stderr
    result = parse_natdiscovery(text, p.returncode)
    result["output"] = text
    return result


def summary(result):
    """The interesting lines of natdiscovery output, for reports."""
    keep = ("NAT", "hairpin", "timeout", "reflexive")
    return [l.strip() for l in result["output"].splitlines()
            if any(k in l for k in keep)]


# ---- confab --------------------------------------------------------------

def confab_bin_dir():
    """(directory, None) with confabd and confab, or (None, reason)."""
    d = os.environ.get("CONFAB_BIN_DIR")
    if not d:
        return None, ("CONFAB_BIN_DIR is not set (the directory holding "
                      "confabd and confab; CTest sets it)")
    for prog in ("confabd", "confab"):
        if not os.access(os.path.join(d, prog), os.X_OK):
            return None, "%s not found in CONFAB_BIN_DIR=%s" % (prog, d)
    return os.path.abspath(d), None


def start_confabd(server, bindir, workdir):
    """confabd in the server namespace with the SNATMAP reflector on
    203.0.113.10 and alternate 203.0.113.11 (ports 5678/5679, 3478/3479).
    Data and log (confabd.log) in workdir."""
    proc = _start_logged(server, os.path.join(workdir, "confabd.log"), [
        os.path.join(bindir, "confabd"),
        "--set", 'snatmap.address="%s"' % natlab.SERVER_ADDRESSES[0],
        "--set", 'snatmap.alternate_address="%s"' % natlab.SERVER_ADDRESSES[1],
        "--set", 'server.data_dir="%s"' % workdir,
        "--set", "server.workers=1",
    ])
    for port, proto in ((CONFABD_PORT, "udp"), (CONFABD_PORT + 1, "udp"),
                        (CONFABD_PORT, "tcp")):
        server.wait_listening(port, proto, timeout=20, proc=proc)
    return proc


def confab_nat(client, bindir, target, extra=()):
    """Run `confab nat TARGET --json` in ``client``: (report dict or None,
    CompletedProcess)."""
    p = client.run([os.path.join(bindir, "confab"), "nat", target, "--json"]
                   + list(extra), check=False, timeout=120)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = None
    return report, p


def split_hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)
