#!/usr/bin/python3
"""NAT lab: real Linux network namespaces with nftables NATs, for tests.

Python 3 standard library only; run as root with /usr/bin/python3.

Topology (every address is from a documentation range)::

    server  203.0.113.10/24 + 203.0.113.11/24 (one interface, eth0)
       |
    "internet": a bridge in its own namespace; all below are on-link
       |                      |                          |
    router r1 (wan)        router r2 (wan)           public client (optional)
    198.51.100.1/24        198.51.100.2/24           198.51.100.101/24 ...
       | lan bridge           | lan bridge
    192.0.2.0/28           192.0.2.16/28      router n: 192.0.2.16*(n-1)/28,
    c1 .2, c2 .3 ...       c3 .18 ...         router .1, clients .2 - .14

Usage::

    from natlab import Lab, PRESETS
    with Lab() as lab:
        server = lab.server()                       # 203.0.113.10 and .11
        r1 = lab.router("r1", mapping="endpoint-independent",
                        filtering="address-dependent", hairpin=False)
        r2 = lab.router("r2", **PRESETS["symmetric"])
        a = lab.client("a", behind=r1)
        b = lab.client("b", behind=r1)              # two clients, one router
        c = lab.client("c", behind=r2)              # routers side by side
        srv = server.popen(["turnserver", ...])     # killed when the lab closes
        out = a.run(["confab", "nat", "--json"]).stdout
        lab.impair(r1, loss_percent=10, delay_ms=50, jitter_ms=10)
        lab.impair(r1)                              # remove it again

Routers (``Lab.router``):

``mapping``
    ``None`` (no NAT: the router only routes, the LAN is reachable from the
    internet), ``"endpoint-independent"`` (nft ``masquerade``, which keeps
    the source port when it can, plus a dynamic map that reuses an internal
    endpoint's existing mapping for every destination), or
    ``"address-and-port-dependent"`` (``masquerade fully-random``: a new
    random port for every new destination address and port; "symmetric").
``filtering`` (UDP; TCP always gets conntrack's address-and-port-dependent
    filtering behind a NAT)
    ``"endpoint-independent"``: anyone may send to a mapped address (the
    router records each mapping in a dynamic nft map on the way out and
    DNATs inbound packets through it); ``"address-dependent"``: only
    addresses the client has sent to from that mapping (a dynamic set of
    mapped-address . remote-address); ``"address-and-port-dependent"``:
    only the exact remote address and port (conntrack's reply matching).
    Without NAT the same three become open / firewall / firewall.
``hairpin``
    True: a LAN packet to the router's WAN address and a mapped port is
    DNATed to the owner of that mapping and SNATed to the sender's
    external address (RFC 4787 REQ-9). False: it is dropped.
``block_udp``
    True: all UDP is dropped (a firewall that lets only TCP through).
``sip_alg``
    True: the kernel's SIP ALG (nf_nat_sip) rewrites SIP on UDP 5060.

Every router drops unsolicited packets addressed to itself at its input
hook (input policy drop) so they never leave conntrack entries that steal a
port from a later mapping (DESIGN.md, "NAT lab" pitfall).

Cleanup: ``Lab.close`` (context manager, atexit, SIGTERM/SIGINT handlers)
kills every process in the lab's namespaces and deletes them.
``/usr/bin/python3 natlab.py cleanup`` removes namespaces left by crashed
runs (namespaces are named ``cfb<pid>-<n>-...``; a run whose pid is still
alive is left alone unless ``--all``).

Command line helpers (run inside namespaces by the lab and the tests):
``cleanup [--all]``, ``delayer``, ``udp-echo``, ``udp-probe``.
"""

import argparse
import atexit
import heapq
import ipaddress
import json
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

__all__ = ["Lab", "Host", "Router", "PRESETS", "TOPOLOGIES",
           "SERVER_ADDRESSES",
           "skip_reason", "run_tests", "cleanup_stale"]

NATLAB_PY = os.path.abspath(__file__)
PYTHON = "/usr/bin/python3"
SERVER_ADDRESSES = ("203.0.113.10", "203.0.113.11")
SERVER_NET = "203.0.113.0/24"
WAN_NET = "198.51.100.0/24"
LAN_SUPERNET = ipaddress.ip_network("192.0.2.0/24")
NS_RE = re.compile(r"^cfb(\d+)-")

EIM = "endpoint-independent"
ADM = "address-dependent"
APDM = "address-and-port-dependent"
BEHAVIOURS = (EIM, ADM, APDM)

#: Router settings for each classic (RFC 3489) NAT type, for ``Lab.router``.
PRESETS = {
    "open": dict(mapping=None, filtering=EIM),
    "firewall": dict(mapping=None, filtering=APDM),
    "full-cone": dict(mapping=EIM, filtering=EIM),
    "restricted-cone": dict(mapping=EIM, filtering=ADM),
    "port-restricted-cone": dict(mapping=EIM, filtering=APDM),
    "symmetric": dict(mapping=APDM, filtering=APDM),
    "udp-blocked": dict(mapping=EIM, filtering=APDM, block_udp=True),
}

def _topology(name, preset, hairpin=False, filtering=None, **overrides):
    """One entry of TOPOLOGIES (see there)."""
    router = dict(PRESETS[preset], hairpin=hairpin)
    if filtering is not None:
        router["filtering"] = filtering
    nat = router["mapping"] is not None
    blocked = router.get("block_udp", False)
    expect = dict(
        udp=not blocked,
        behind_nat=nat if not blocked else None,
        mapping="unknown" if blocked else (router["mapping"] if nat else EIM),
        filtering="unknown" if blocked else router["filtering"],
        classic=preset,
        hairpinning=hairpin if nat and not blocked else None,
    )
    expect.update(overrides)
    return dict(name=name, router=router, expect=expect)


#: The behaviour classes the lab tests, each with the router settings and
#: the expected RFC 4787/5780 classification (keys as in `confab nat
#: --json`; ``hairpinning``/``behind_nat`` None: not asserted).
TOPOLOGIES = [
    _topology("open", "open"),
    _topology("firewall", "firewall"),
    _topology("firewall-ad", "firewall", filtering=ADM),
    _topology("full-cone", "full-cone"),
    _topology("full-cone-hp", "full-cone", hairpin=True),
    _topology("restricted", "restricted-cone"),
    _topology("restricted-hp", "restricted-cone", hairpin=True),
    _topology("port-restricted", "port-restricted-cone"),
    _topology("port-restricted-hp", "port-restricted-cone", hairpin=True),
    _topology("symmetric", "symmetric"),
    _topology("symmetric-hp", "symmetric", hairpin=True),
    _topology("udp-blocked", "udp-blocked"),
]

# Seconds an idle mapping/permission stays in the router's nft map/set.
# Longer than conntrack's UDP stream timeout (120 s) so the map never
# forgets a mapping conntrack still holds.
_MAP_TIMEOUT = 180


def _sh(argv, check=True, input=None, timeout=30):
    """Run a command in the root namespace and return CompletedProcess."""
    p = subprocess.run(argv, input=input, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (
            p.returncode, " ".join(argv), p.stdout, p.stderr))
    return p


def _ns_exists(ns):
    return os.path.exists("/run/netns/" + ns)


def _kill_ns(ns):
    """SIGKILL every process in namespace ``ns`` and delete it."""
    for _ in range(5):
        p = _sh(["ip", "netns", "pids", ns], check=False)
        pids = [int(x) for x in p.stdout.split()]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    _sh(["ip", "netns", "del", ns], check=False)


def skip_reason():
    """Why the lab cannot run here (None if it can)."""
    if os.geteuid() != 0:
        return "the NAT lab needs root (network namespaces, nftables)"
    for tool in ("ip", "nft"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in ("/usr/sbin", "/sbin", "/usr/bin", "/bin")):
            return "%s is not installed" % tool
    name = "cfbprobe%d" % os.getpid()
    p = _sh(["ip", "netns", "add", name], check=False)
    if p.returncode != 0:
        return "ip netns is unavailable: " + p.stderr.strip()
    try:
        p = _sh(["ip", "netns", "exec", name, "nft", "list", "ruleset"],
                check=False)
        if p.returncode != 0:
            return "nftables is unavailable: " + p.stderr.strip()
    finally:
        _sh(["ip", "netns", "del", name], check=False)
    return None


class Host:
    """A network namespace with processes in it (server, router or client).

    ``name`` is the lab-local name, ``ns`` the namespace's real name,
    ``address`` the main IPv4 address and ``addresses`` all of them.
    """

    def __init__(self, lab, name, ns, addresses):
        self.lab = lab
        self.name = name
        self.ns = ns
        self.addresses = list(addresses)

    @property
    def address(self):
        return self.addresses[0] if self.addresses else None

    def argv(self, argv):
        """``argv`` prefixed so that it runs inside this namespace."""
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def run(self, argv, check=True, timeout=60, input=None, **kwargs):
        """Run ``argv`` here, wait for it; returns CompletedProcess (text).

        Raises ``subprocess.CalledProcessError`` if ``check`` and it fails.
        """
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.argv(argv), check=check, timeout=timeout,
                              input=input, **kwargs)

    def popen(self, argv, **kwargs):
        """Start ``argv`` here in the background; returns subprocess.Popen.

        The process (and its process group) is killed when the lab closes.
        stdin/stdout/stderr default to /dev/null; pass e.g.
        ``stdout=subprocess.PIPE`` or a file to see the output.
        """
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        kwargs.setdefault("start_new_session", True)
        proc = subprocess.Popen(self.argv(argv), **kwargs)
        self.lab._procs.append(proc)
        return proc

    def sh(self, command, **kwargs):
        """Run a shell command line here (``sh -c``)."""
        return self.run(["sh", "-c", command], **kwargs)

    def listening(self, port, proto="udp"):
        """True if a socket here listens on ``port`` (udp or tcp)."""
        files = {"udp": ["/proc/net/udp"], "tcp": ["/proc/net/tcp"]}[proto]
        out = self.run(["cat"] + files).stdout
        want = ":%04X" % port
        for line in out.splitlines()[1:]:
            fields = line.split()
            if len(fields) > 3 and fields[1].endswith(want):
                if proto == "udp" or fields[3] == "0A":  # 0A: TCP_LISTEN
                    return True
        return False

    def wait_listening(self, port, proto="udp", timeout=10, proc=None):
        """Wait until something listens on ``port``; RuntimeError if not.

        If ``proc`` (a Popen) exits first, fail at once.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.listening(port, proto):
                return
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("process exited (%s) before listening on "
                                   "%s/%d" % (proc.returncode, proto, port))
            time.sleep(0.05)
        raise RuntimeError("nothing listens on %s/%d in %s after %ss"
                           % (proto, port, self.name, timeout))

    def __repr__(self):
        return "<%s %s %s %s>" % (type(self).__name__, self.name, self.ns,
                                   self.addresses)


class Router(Host):
    """A router namespace: ``wan`` on the internet, ``lan`` bridge for
    clients. Attributes: ``wan_address``, ``lan_network``, ``lan_address``,
    ``mapping``, ``filtering``, ``hairpin``, ``block_udp``."""

    def __init__(self, lab, name, ns, index, mapping, filtering, hairpin,
                 block_udp, sip_alg=False):
        self.index = index
        self.wan_address = "198.51.100.%d" % index
        self.lan_network = ipaddress.ip_network(
            "192.0.2.%d/28" % (16 * (index - 1)))
        self.lan_address = str(self.lan_network.network_address + 1)
        self.mapping = mapping
        self.filtering = filtering
        self.hairpin = hairpin
        self.block_udp = block_udp
        self.sip_alg = sip_alg
        self.clients = []
        super().__init__(lab, name, ns, [self.wan_address])

    @property
    def nat(self):
        return self.mapping is not None

    def ruleset(self):
        """The nftables ruleset (text) that gives this router its behaviour.

        Sets and maps, filled on the way out (chain ``record``, after SNAT):
        ``mappings``  external addr . port -> internal addr . port (UDP)
        ``internal``  internal addr . port -> external addr . port (UDP, EIM)
        ``contacted`` external (or, without NAT, internal) addr . port .
                      remote addr: the address-dependent filter's permits
        """
        R, L = self.wan_address, str(self.lan_network)
        nat, filt = self.nat, self.filtering
        to_map = "ip daddr . udp dport map @mappings"

        forward = ["meta l4proto udp drop"] if self.block_udp else []
        forward += ["ct state established,related accept",
                    'iifname "lan" accept']
        if nat:
            # Inbound packets DNATed through our map (EIF/ADF/hairpin);
            # anything else new from the WAN side dies (policy drop).
            forward.append('iifname "wan" oifname "lan" ct status dnat accept')
        elif filt == EIM:
            forward.append('iifname "wan" oifname "lan" accept')
        elif filt == ADM:
            forward.append('iifname "wan" oifname "lan" ip daddr . udp dport '
                           '. ip saddr @contacted accept')

        dstnat, srcnat, record, helpers = [], [], [], []
        if nat:
            if filt == EIM:
                dstnat.append('iifname "wan" ip daddr %s dnat ip to %s'
                              % (R, to_map))
            elif filt == ADM:
                dstnat.append('iifname "wan" ip daddr . udp dport . ip saddr '
                              '@contacted dnat ip to ' + to_map)
            if self.hairpin:
                dstnat.append('iifname "lan" ip daddr %s dnat ip to %s'
                              % (R, to_map))
                # Hairpinned packets carry the sender's external address.
                srcnat.append('oifname "lan" ip saddr %s ct status dnat '
                              'snat ip to %s' % (L, R))
            if self.mapping == EIM:
                # Reuse the internal endpoint's existing mapping even when
                # plain masquerade would pick another port (port clash
                # between two clients): a strict endpoint-independent map.
                srcnat.append('oifname "wan" meta l4proto udp snat ip to '
                              'ip saddr . udp sport map @internal')
                srcnat.append('oifname "wan" masquerade')
            else:
                srcnat.append('oifname "wan" masquerade fully-random')
            # Connections that came in through the map have the client on
            # their reply side.
            for d in ("original", "reply"):
                record.append(
                    'oifname "wan" meta l4proto udp ct direction %s update '
                    '@mappings { ip saddr . udp sport : ct %s ip saddr . '
                    'ct %s proto-src }' % (d, d, d))
                if self.mapping == EIM:
                    record.append(
                        'oifname "wan" meta l4proto udp ct direction %s '
                        'update @internal { ct %s ip saddr . ct %s proto-src : '
                        'ip saddr . udp sport }' % (d, d, d))
        record.append('oifname "wan" meta l4proto udp update @contacted '
                      '{ ip saddr . udp sport . ip daddr }')
        if self.sip_alg:
            helpers.append("udp dport 5060 ct helper set \"sip\"")

        def chain(name, hook, prio, rules, policy="accept"):
            kind, where = hook.split()
            return ("\tchain %s {\n\t\ttype %s hook %s priority %s; "
                    "policy %s;\n%s\t}\n" % (
                        name, kind, where, prio, policy,
                        "".join("\t\t%s\n" % r for r in rules)))

        def dynamic(kind, name, typ):
            return ("\t%s %s {\n\t\ttype %s\n\t\tflags dynamic,timeout\n"
                    "\t\ttimeout %ds\n\t}\n" % (kind, name, typ,
                                                  _MAP_TIMEOUT))
        ep = "ipv4_addr . inet_service"
        t = "table ip natlab {\n"
        t += dynamic("map", "mappings", ep + " : " + ep)
        t += dynamic("map", "internal", ep + " : " + ep)
        t += dynamic("set", "contacted", ep + " . ipv4_addr")
        if self.sip_alg:
            t += ('\tct helper sip {\n\t\ttype "sip" protocol udp\n'
                  '\t\tl3proto ip\n\t}\n')
            t += chain("helpers", "filter prerouting", "filter", helpers)
        # Unsolicited packets to the router itself die here, before
        # conntrack confirms an entry for them (the DESIGN pitfall).
        t += chain("input", "filter input", "filter",
                   ['iif "lo" accept', "ct state established,related accept"],
                   policy="drop")
        t += chain("forward", "filter forward", "filter", forward,
                   policy="drop")
        if nat:
            t += chain("dstnat", "nat prerouting", "dstnat", dstnat)
            t += chain("srcnat", "nat postrouting", "srcnat", srcnat)
        t += chain("record", "filter postrouting", "srcnat + 100", record)
        return t + "}\n"

    def impair(self, loss_percent=0, delay_ms=0, jitter_ms=0):
        """Shorthand for ``lab.impair(router, ...)``."""
        self.lab.impair(self, loss_percent, delay_ms, jitter_ms)

    def conntrack(self):
        """The router's conntrack table as text (for debugging)."""
        return self.run(["conntrack", "-L"], check=False).stdout

    def nft_list(self):
        """``nft list ruleset`` in this router (with the dynamic sets)."""
        return self.run(["nft", "list", "ruleset"]).stdout


class Lab:
    """A set of namespaces: the internet, one server, routers and clients.

    Use as a context manager (or call ``close()``); everything is also
    removed at interpreter exit and on SIGTERM/SIGINT.
    """

    _counter = 0
    _live = []
    _lock = threading.Lock()
    _handlers_installed = False

    def __init__(self, prefix=None):
        if prefix is None:
            with Lab._lock:
                n = Lab._counter
                Lab._counter += 1
            prefix = "cfb%d-%d-" % (os.getpid(), n)
        if not NS_RE.match(prefix):
            raise ValueError("prefix must look like cfb<pid>-...")
        self.prefix = prefix
        self._namespaces = []
        self._procs = []
        self._routers = []
        self._clients = {}
        self._routed = []          # (lan network, via) of non-NAT routers
        self._public = []          # hosts directly on the internet
        self._server = None
        self._impair = {}          # router name -> delayer Popen
        self._closed = False
        with Lab._lock:
            Lab._live.append(self)
        Lab._install_handlers()
        try:
            self._setup_internet()
        except BaseException:
            self.close()
            raise

    # ---- lifecycle -----------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Kill every process in the lab and delete its namespaces."""
        if self._closed:
            return
        self._closed = True
        for proc in self._procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            for f in (proc.stdin, proc.stdout, proc.stderr):
                if f is not None:
                    f.close()
        for ns in reversed(self._namespaces):
            _kill_ns(ns)
        with Lab._lock:
            if self in Lab._live:
                Lab._live.remove(self)

    @classmethod
    def _close_all(cls):
        for lab in list(cls._live):
            try:
                lab.close()
            except Exception:
                pass

    @classmethod
    def _install_handlers(cls):
        if cls._handlers_installed:
            return
        cls._handlers_installed = True
        atexit.register(cls._close_all)
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            previous = signal.getsignal(sig)
            if previous is signal.SIG_IGN or previous is None:
                continue    # the process ignores it (e.g. a background job)

            def handler(signum, frame, previous=previous):
                cls._close_all()
                if callable(previous):
                    return previous(signum, frame)
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            signal.signal(sig, handler)

    # ---- building ------------------------------------------------------

    def _new_ns(self, suffix):
        ns = self.prefix + suffix
        if _ns_exists(ns):
            raise RuntimeError("namespace %s already exists" % ns)
        _sh(["ip", "netns", "add", ns])
        self._namespaces.append(ns)
        self._ip(ns, "link set lo up")
        for key, value in (("net.ipv6.conf.all.disable_ipv6", 1),
                           ("net.ipv6.conf.default.disable_ipv6", 1)):
            self._sysctl(ns, key, value)
        return ns

    def _ip(self, ns, args):
        return _sh(["ip", "-n", ns] + args.split())

    def _sysctl(self, ns, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        _sh(["ip", "netns", "exec", ns, "sh", "-c",
             "[ ! -e %s ] || echo %s > %s" % (path, value, path)])

    def _no_bridge_netfilter(self, ns):
        # br_netfilter (loaded on this machine) would otherwise pass bridged
        # frames through the namespace's ip hooks.
        for key in ("net.bridge.bridge-nf-call-iptables",
                    "net.bridge.bridge-nf-call-ip6tables",
                    "net.bridge.bridge-nf-call-arptables"):
            self._sysctl(ns, key, 0)

    def _setup_internet(self):
        self.inet = self._new_ns("inet")
        self._ip(self.inet, "link add name br0 type bridge")
        self._ip(self.inet, "link set br0 up")
        self._no_bridge_netfilter(self.inet)

    def _plug(self, ns, ifname, port):
        """veth ``ifname`` in ``ns`` <-> ``port`` on the internet bridge."""
        _sh(["ip", "-n", ns, "link", "add", "name", ifname, "type", "veth",
             "peer", "name", port, "netns", self.inet])
        self._ip(self.inet, "link set %s master br0" % port)
        self._ip(self.inet, "link set %s up" % port)
        self._ip(ns, "link set %s up" % ifname)

    def _add_routes_to_routed_lans(self, ns, skip=None):
        for net, via in self._routed:
            if via != skip:
                self._ip(ns, "route add %s via %s" % (net, via))

    def server(self):
        """The public server: one namespace, 203.0.113.10 and .11 on eth0.

        Created on first call; later calls return the same Host.
        """
        if self._server is None:
            ns = self._new_ns("srv")
            self._plug(ns, "eth0", "srv")
            for a in SERVER_ADDRESSES:
                self._ip(ns, "addr add %s/24 dev eth0" % a)
            self._ip(ns, "route add %s dev eth0" % WAN_NET)
            self._add_routes_to_routed_lans(ns)
            self._server = Host(self, "server", ns, SERVER_ADDRESSES)
            self._public.append(self._server)
        return self._server

    def router(self, name, mapping=EIM, filtering=APDM, hairpin=False,
               block_udp=False, sip_alg=False):
        """Add a router namespace; returns a Router.

        ``mapping``: None (no NAT), "endpoint-independent" or
        "address-and-port-dependent". ``filtering``: "endpoint-independent",
        "address-dependent" or "address-and-port-dependent". ``hairpin``:
        loop LAN packets for the router's own WAN address back in.
        ``block_udp``: drop all UDP. ``sip_alg``: turn on the kernel's SIP
        ALG (nf_nat_sip, an nft ``ct helper``) for UDP port 5060.
        See ``PRESETS`` for the classic types.
        """
        if mapping not in (None, EIM, APDM):
            raise ValueError("mapping must be None, %r or %r" % (EIM, APDM))
        if filtering not in BEHAVIOURS:
            raise ValueError("filtering must be one of %r" % (BEHAVIOURS,))
        if any(r.name == name for r in self._routers):
            raise ValueError("router %r exists" % name)
        index = len(self._routers) + 1
        if index > 16:
            raise ValueError("at most 16 routers")
        ns = self._new_ns("r-" + name)
        r = Router(self, name, ns, index, mapping, filtering, hairpin,
                   block_udp, sip_alg)
        self._plug(ns, "wan", "r%d" % index)
        self._ip(ns, "addr add %s/24 dev wan" % r.wan_address)
        self._ip(ns, "route add %s dev wan" % SERVER_NET)
        self._ip(ns, "link add name lan type bridge")
        self._ip(ns, "addr add %s/%d dev lan" % (r.lan_address,
                                                 r.lan_network.prefixlen))
        self._ip(ns, "link set lan up")
        self._no_bridge_netfilter(ns)
        self._sysctl(ns, "net.ipv4.ip_forward", 1)
        self._add_routes_to_routed_lans(ns)
        _sh(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=r.ruleset())
        if not r.nat:
            # The LAN is routable: tell everyone on the internet about it.
            self._routed.append((str(r.lan_network), r.wan_address))
            for host in self._public + self._routers:
                self._ip(host.ns, "route add %s via %s" % (r.lan_network,
                                                          r.wan_address))
        self._routers.append(r)
        return r

    def client(self, name, behind=None):
        """Add a client namespace behind router ``behind`` (a Router).

        With ``behind=None`` the client sits directly on the internet
        (198.51.100.101 and up). Returns a Host; ``address`` is its IP.
        """
        if name in self._clients:
            raise ValueError("client %r exists" % name)
        ns = self._new_ns("c-" + name)
        if behind is None:
            self._public_count = getattr(self, "_public_count", 100) + 1
            k = self._public_count
            addr = "198.51.100.%d" % k
            self._plug(ns, "eth0", "p%d" % k)
            self._ip(ns, "addr add %s/24 dev eth0" % addr)
            self._ip(ns, "route add %s dev eth0" % SERVER_NET)
            self._add_routes_to_routed_lans(ns)
            host = Host(self, name, ns, [addr])
            self._public.append(host)
        else:
            j = len(behind.clients)
            if j >= 13:
                raise ValueError("at most 13 clients per router")
            addr = str(behind.lan_network.network_address + 2 + j)
            port = "c%d" % j
            _sh(["ip", "-n", ns, "link", "add", "name", "eth0", "type",
                 "veth", "peer", "name", port, "netns", behind.ns])
            self._ip(behind.ns, "link set %s master lan" % port)
            self._ip(behind.ns, "link set %s up" % port)
            self._ip(ns, "link set eth0 up")
            self._ip(ns, "addr add %s/%d dev eth0"
                     % (addr, behind.lan_network.prefixlen))
            self._ip(ns, "route add default via %s" % behind.lan_address)
            host = Host(self, name, ns, [addr])
            host.router = behind
            behind.clients.append(host)
        self._clients[name] = host
        return host

    # ---- impairment ----------------------------------------------------

    def impair(self, router, loss_percent=0, delay_ms=0, jitter_ms=0):
        """Impair every packet the router forwards (both directions).

        ``loss_percent``: each packet is dropped with this probability
        (nft ``numgen random``), so a round trip through one router loses
        1-(1-p)^2. ``delay_ms``/``jitter_ms``: each packet is held for
        uniform(delay-jitter, delay+jitter) ms by a user-space delayer
        behind NFQUEUE (iptables-legacy); jitter larger than the packet
        spacing reorders packets. Calling again replaces the impairment;
        all zeros removes it.
        """
        if not 0 <= loss_percent <= 100:
            raise ValueError("loss_percent must be 0..100")
        if delay_ms < 0 or jitter_ms < 0:
            raise ValueError("delay and jitter must be >= 0")
        ns = router.ns
        _sh(["ip", "netns", "exec", ns, "nft", "delete", "table", "ip",
             "natlab_impair"], check=False)
        _sh(["ip", "netns", "exec", ns, "iptables-legacy", "-t", "mangle",
             "-F", "FORWARD"], check=False)
        old = self._impair.pop(router.name, None)
        if old is not None and old.poll() is None:
            os.killpg(old.pid, signal.SIGKILL)
            old.wait()
        if delay_ms or jitter_ms:
            proc = router.popen(
                [PYTHON, NATLAB_PY, "delayer", "--queue", "0",
                 "--delay-ms", str(delay_ms), "--jitter-ms", str(jitter_ms)],
                stdout=subprocess.PIPE, stderr=None, text=True)
            line = proc.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError("delayer did not start: %r" % line)
            self._impair[router.name] = proc
            _sh(["ip", "netns", "exec", ns, "iptables-legacy", "-t", "mangle",
                 "-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", "0"])
        if loss_percent:
            _sh(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=(
                "table ip natlab_impair {\n chain forward {\n"
                "  type filter hook forward priority filter - 10;\n"
                "  numgen random mod 100 < %d drop\n }\n}\n"
                % int(loss_percent)))


# ---- cleanup of crashed runs -------------------------------------------

def cleanup_stale(all_runs=False, verbose=True):
    """Delete lab namespaces whose creating process is gone (or all)."""
    p = _sh(["ip", "netns", "list"], check=False)
    removed = []
    for line in p.stdout.splitlines():
        ns = line.split()[0] if line.split() else ""
        m = NS_RE.match(ns)
        if not m:
            continue
        pid = int(m.group(1))
        alive = True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            alive = False
        except PermissionError:
            pass
        if alive and not all_runs and pid != os.getpid():
            continue
        _kill_ns(ns)
        removed.append(ns)
        if verbose:
            print("removed", ns)
    return removed


# ---- test runner -------------------------------------------------------

def run_tests(extra_check=None):
    """``unittest.main`` for a lab test file; exits 77 (skip) if the lab
    (or ``extra_check()``, which returns a reason or None) cannot run."""
    import unittest
    reason = skip_reason()
    if reason is None and extra_check is not None:
        reason = extra_check()
    if reason is not None:
        print("SKIP: " + reason, flush=True)
        sys.exit(77)
    cleanup_stale(verbose=True)
    unittest.main(module="__main__", verbosity=2)


# ---- NFQUEUE delayer ---------------------------------------------------

def _nlattr(atype, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, atype) + data + b"\0" * ((4 - n % 4) % 4)


def _nfq_msg(msg_type, flags, queue, attrs, seq=0):
    payload = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue) + attrs
    # NFNL_SUBSYS_QUEUE (3) << 8 | message type
    return struct.pack("=IHHII", 16 + len(payload), (3 << 8) | msg_type,
                       flags, seq, 0) + payload


def delayer(queue, delay_ms, jitter_ms):
    """Hold every packet in NFQUEUE ``queue`` for delay±jitter ms, then
    accept it. Runs until killed."""
    NLM_F_REQUEST, NLM_F_ACK = 1, 4
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    try:
        sock.setsockopt(270, 5, 1)   # SOL_NETLINK, NETLINK_NO_ENOBUFS
    except OSError:
        pass
    sock.bind((0, 0))

    def request(msg):
        sock.send(msg)
        data = sock.recv(65536)
        _, mtype, _, _, _ = struct.unpack_from("=IHHII", data)
        if mtype == 2:  # NLMSG_ERROR
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0:
                raise OSError(-err, "nfqueue config: " + os.strerror(-err))

    # NFQA_CFG_CMD(1): BIND(1); NFQA_CFG_PARAMS(2): copy META only (1)
    request(_nfq_msg(2, NLM_F_REQUEST | NLM_F_ACK, queue,
                     _nlattr(1, struct.pack("!BBH", 1, 0, socket.AF_INET))))
    request(_nfq_msg(2, NLM_F_REQUEST | NLM_F_ACK, queue,
                     _nlattr(2, struct.pack("!IB", 0, 1)) +
                     _nlattr(3, struct.pack("!I", 8192))))  # QUEUE_MAXLEN
    print("ready", flush=True)
    rng = random.Random()
    held = []
    while True:
        timeout = None
        if held:
            timeout = max(0.0, held[0][0] - time.monotonic())
        r, _, _ = select.select([sock], [], [], timeout)
        now = time.monotonic()
        if r:
            data = sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("=IH", data, off)
                if mlen < 16:
                    break
                if mtype == (3 << 8):  # NFQNL_MSG_PACKET
                    a = off + 20
                    while a + 4 <= off + mlen:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if atype & 0x7fff == 1:  # NFQA_PACKET_HDR
                            pid = struct.unpack_from("!I", data, a + 4)[0]
                            d = delay_ms + rng.uniform(-jitter_ms, jitter_ms)
                            heapq.heappush(held, (now + max(0.0, d) / 1000.0,
                                                  pid))
                        a += (alen + 3) & ~3
                off += (mlen + 3) & ~3
        while held and held[0][0] <= time.monotonic():
            _, pid = heapq.heappop(held)
            # NFQA_VERDICT_HDR(2): NF_ACCEPT(1), packet id
            sock.send(_nfq_msg(1, NLM_F_REQUEST, queue,
                               _nlattr(2, struct.pack("!II", 1, pid))))


# ---- UDP echo and probe (impairment measurements) ----------------------

def udp_echo(bind, reflect=False):
    """Echo datagrams; with ``reflect`` answer "ip:port" of the sender."""
    host, port = bind.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, int(port)))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(("%s:%d" % peer).encode() if reflect else data, peer)


def udp_probe(target, count, interval, wait):
    """Send ``count`` numbered datagrams, print JSON with loss and RTTs."""
    host, port = target.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    sent, rtts, order = {}, {}, []
    nxt = time.monotonic()
    end = None
    i = 0
    while True:
        now = time.monotonic()
        if i < count and now >= nxt:
            sent[i] = now
            s.send(struct.pack("!Id", i, now))
            i += 1
            nxt += interval
            if i == count:
                end = now + wait
        if end is not None and now >= end:
            break
        t = (nxt if i < count else end) - now
        r, _, _ = select.select([s], [], [], max(0.0, t))
        if r:
            try:
                data = s.recv(65536)
            except OSError:
                continue
            seq, _ = struct.unpack("!Id", data[:12])
            if seq in sent and seq not in rtts:
                rtts[seq] = (time.monotonic() - sent[seq]) * 1000.0
                order.append(seq)
    values = sorted(rtts.values())
    reordered = sum(1 for a, b in zip(order, order[1:]) if b < a)
    print(json.dumps({
        "sent": count, "received": len(rtts),
        "loss": 1.0 - len(rtts) / count if count else 0.0,
        "rtt_ms_min": values[0] if values else None,
        "rtt_ms_median": values[len(values) // 2] if values else None,
        "rtt_ms_max": values[-1] if values else None,
        "reordered": reordered,
    }))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cleanup", help="remove namespaces of crashed runs")
    c.add_argument("--all", action="store_true",
                   help="also of runs that are still alive")
    d = sub.add_parser("delayer", help="NFQUEUE delay/jitter (internal)")
    d.add_argument("--queue", type=int, default=0)
    d.add_argument("--delay-ms", type=float, default=0)
    d.add_argument("--jitter-ms", type=float, default=0)
    e = sub.add_parser("udp-echo", help="UDP echo server")
    e.add_argument("bind", help="address:port")
    e.add_argument("--reflect", action="store_true",
                   help='answer "ip:port" of the sender instead of echoing')
    p = sub.add_parser("udp-probe", help="measure loss/RTT against udp-echo")
    p.add_argument("target", help="address:port")
    p.add_argument("--count", type=int, default=50)
    p.add_argument("--interval", type=float, default=0.02)
    p.add_argument("--wait", type=float, default=1.0)
    args = ap.parse_args(argv)
    if args.cmd == "cleanup":
        if os.geteuid() != 0:
            sys.exit("natlab cleanup: needs root")
        cleanup_stale(all_runs=args.all)
    elif args.cmd == "delayer":
        delayer(args.queue, args.delay_ms, args.jitter_ms)
    elif args.cmd == "udp-echo":
        udp_echo(args.bind, args.reflect)
    elif args.cmd == "udp-probe":
        udp_probe(args.target, args.count, args.interval, args.wait)


if __name__ == "__main__":
    main()
