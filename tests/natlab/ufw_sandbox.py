"""ufw run for real inside a lab namespace, without touching the host's ufw.

ufw keeps its state in files (/etc/ufw, /etc/default/ufw, /lib/ufw) and
writes the rules with iptables/ip6tables. ``load`` runs the commands
`confab firewall --format ufw` printed, then `ufw --force enable`, in a
private mount namespace (``unshare --mount``) where those paths are bind
mounts of a scratch copy, inside the lab namespace (``ip netns exec``), so
the files it writes are the copy's and the iptables rules it loads are
the namespace's. The mounts end with that process; the rules stay in the
namespace until ``unload`` (or the namespace's deletion).

The copy also turns off what would reach outside the namespace: kernel
modules (IPT_MODULES) and the sysctl file ufw applies on enable
(IPT_SYSCTL; those keys are per namespace, but nothing needs them); and
/run is a private tmpfs there, for ufw's lock file (/run/ufw.lock).
"""

import os
import shutil
import subprocess
import tempfile

# What ufw reads and writes, as (path on the host, is a directory).
STATE = (("/etc/ufw", True), ("/lib/ufw", True), ("/etc/default/ufw", False))
FLUSH = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"


def missing():
    """Why ufw cannot be tested here (None if it can)."""
    if shutil.which("ufw") is None and not os.access("/usr/sbin/ufw", os.X_OK):
        return "ufw is not installed (scripts/install-deps.sh installs it)"
    for path, is_dir in STATE:
        if not (os.path.isdir(path) if is_dir else os.path.isfile(path)):
            return "ufw's %s is missing" % path
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    return None


def _script(scratch, commands):
    lines = ["set -e", "mount -t tmpfs -o size=1m,mode=0755 tmpfs /run"]
    for i, (path, _) in enumerate(STATE):
        lines.append("mount --bind %s %s" % (os.path.join(scratch, str(i)), path))
    lines.append(commands)
    return "\n".join(lines) + "\n"


def run(host, commands, timeout=240):
    """Runs shell ``commands`` (ufw ...) in ``host``'s namespace with ufw's
    state in a scratch copy; returns CompletedProcess (check=False)."""
    with tempfile.TemporaryDirectory(prefix="natlab-ufw-") as scratch:
        for i, (path, is_dir) in enumerate(STATE):
            dst = os.path.join(scratch, str(i))
            if is_dir:
                shutil.copytree(path, dst, symlinks=True)
            else:
                shutil.copy2(path, dst)
        default = os.path.join(scratch, str(len(STATE) - 1))
        with open(default) as f:
            text = f.read()
        keep = [l for l in text.splitlines() if not l.startswith(("IPT_SYSCTL=", "IPT_MODULES=", "IPV6="))]
        with open(default, "w") as f:
            f.write("\n".join(keep + ["IPV6=yes", 'IPT_MODULES=""', "IPT_SYSCTL=/dev/null"]) + "\n")
        # --propagation private: the bind mounts never reach the host's
        # mount table, even where / is shared.
        return host.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", _script(scratch, commands)],
                        check=False, timeout=timeout)


def load(host, rules_text):
    """The generated ufw commands, then `ufw --force enable` (what an
    admin runs after them: plain `ufw enable` asks before cutting SSH)."""
    p = run(host, rules_text + "\nufw --force enable\n")
    if p.returncode != 0:
        raise AssertionError("ufw failed in %s (%d):\n%s%s" % (host.ns, p.returncode, p.stdout, p.stderr))
    return p


def unload(host):
    """Back to accept-all, both families: flushes ufw's chains too."""
    for tool in ("iptables-restore", "ip6tables-restore"):
        host.run([tool], input=FLUSH, check=False)
