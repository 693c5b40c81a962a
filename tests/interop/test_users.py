"""`confabd user add|del|passwd|list` as an administrator runs it: against a
fresh data directory, next to a running confabd, while another process holds
the database's write lock; the file is private and holds no password."""
import json
import os
import pty
import sqlite3
import stat
import subprocess
import tempfile
import threading
import unittest

from confabd_fixture import CONFABD, Confabd

PASSWORD = "Tr0ub4dor&3-not-in-the-file"


def user(data_dir, *args, password=None, settings=()):
    """Runs `confabd user ...` on `data_dir`; `password` goes to stdin."""
    cmd = [CONFABD, "--set", f'server.data_dir="{data_dir}"']
    for s in settings:
        cmd += ["--set", s]
    return subprocess.run(cmd + ["user", *args], input=None if password is None else password + "\n",
                          capture_output=True, text=True, timeout=60)


def listed(data_dir):
    r = user(data_dir, "list", "--json")
    assert r.returncode == 0, r.stderr
    return [u["address"] for u in json.loads(r.stdout)]


def db_bytes(data_dir):
    """The database and its WAL, whatever is on disk right now."""
    out = b""
    for suffix in ("", "-wal"):
        path = os.path.join(data_dir, "confab.db" + suffix)
        if os.path.exists(path):
            with open(path, "rb") as f:
                out += f.read()
    return out


class ManagingAccounts(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(tempfile.mkdtemp(prefix="confab-users-"), "data")

    def test_add_list_passwd_del_round_trip(self):
        r = user(self.dir, "add", "alice@example.org", password=PASSWORD)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "added alice@example.org\n", ""))
        self.assertEqual(user(self.dir, "add", "bob@example.org", password="pw").returncode, 0)
        self.assertEqual(user(self.dir, "list").stdout, "alice@example.org\nbob@example.org\n")
        entries = json.loads(user(self.dir, "list", "--json").stdout)
        self.assertEqual(entries[0]["address"], "alice@example.org")
        self.assertGreater(entries[0]["created"], 1_600_000_000)

        r = user(self.dir, "passwd", "alice@example.org", password="another one")
        self.assertEqual((r.returncode, r.stdout), (0, "changed the password of alice@example.org\n"), r.stderr)
        r = user(self.dir, "del", "bob@example.org")
        self.assertEqual((r.returncode, r.stdout), (0, "deleted bob@example.org\n"), r.stderr)
        self.assertEqual(listed(self.dir), ["alice@example.org"])

    def test_the_address_is_lowercased(self):
        self.assertEqual(user(self.dir, "add", "Carol@Example.ORG", password="pw").returncode, 0)
        self.assertEqual(listed(self.dir), ["carol@example.org"])

    def test_adding_an_existing_user_exits_1_with_one_line(self):
        user(self.dir, "add", "alice@example.org", password="pw")
        r = user(self.dir, "add", "ALICE@example.org", password="pw")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "confabd user add: user alice@example.org already exists\n")

    def test_changing_or_deleting_an_unknown_user_exits_1(self):
        user(self.dir, "add", "alice@example.org", password="pw")
        for action in ("passwd", "del"):
            r = user(self.dir, action, "nobody@example.org", password="pw")
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, f"confabd user {action}: user nobody@example.org does not exist\n")

    def test_a_bad_address_exits_2_before_touching_anything(self):
        for bad, why in (("alice", "has no domain"), ("al ice@example.org", "spaces"),
                         ("@example.org", "empty localpart"), ("alice@example.org/home", "domain may not")):
            r = user(self.dir, "add", bad, password="pw")
            self.assertEqual(r.returncode, 2, bad)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn(why, r.stderr)
        self.assertFalse(os.path.exists(self.dir))

    def test_a_refused_password_exits_2(self):
        for pw, why in (("", "the password is empty"), ("bell\x07", "prohibited character U+0007")):
            r = user(self.dir, "add", "alice@example.org", password=pw)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(why, r.stderr)

    def test_usage_errors_exit_2(self):
        self.assertEqual(user(self.dir).returncode, 2)
        self.assertEqual(user(self.dir, "add").returncode, 2)
        self.assertEqual(user(self.dir, "frobnicate", "alice@example.org").returncode, 2)

    def test_listing_a_data_dir_without_accounts_says_where_it_looked(self):
        r = user(self.dir, "list")
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(self.dir, "confab.db") + ": no such file or directory", r.stderr)

    def test_store_path_puts_the_database_elsewhere(self):
        elsewhere = os.path.join(tempfile.mkdtemp(), "accounts.db")
        r = user(self.dir, "add", "alice@example.org", password="pw", settings=[f'store.path="{elsewhere}"'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(elsewhere))


class Passwords(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(tempfile.mkdtemp(prefix="confab-users-"), "data")

    def test_the_password_file_gives_the_first_line(self):
        pw_file = os.path.join(tempfile.mkdtemp(), "pw")
        with open(pw_file, "w") as f:
            f.write(PASSWORD + "\nsecond line is ignored\n")
        r = user(self.dir, "add", "alice@example.org", "--password-file", pw_file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"second line", db_bytes(self.dir))

    def test_an_unreadable_password_file_exits_1(self):
        r = user(self.dir, "add", "alice@example.org", "--password-file", "/nonexistent/pw")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot read /nonexistent/pw", r.stderr)

    def test_the_database_is_private_and_holds_no_clear_password(self):
        self.assertEqual(user(self.dir, "add", "alice@example.org", password=PASSWORD).returncode, 0)
        self.assertEqual(user(self.dir, "passwd", "alice@example.org", password=PASSWORD + "2").returncode, 0)
        mode = stat.S_IMODE(os.stat(os.path.join(self.dir, "confab.db")).st_mode)
        self.assertEqual(mode, 0o600)
        data = db_bytes(self.dir)
        self.assertIn(b"alice", data)
        self.assertNotIn(PASSWORD.encode(), data)

    def answer_on_a_terminal(self, *answers):
        """Runs `user add` with a terminal as stdin; types once the prompt shows
        (echo is off by then). Returns (exit code, stderr, what the terminal echoed)."""
        master, slave = pty.openpty()
        proc = subprocess.Popen([CONFABD, "--set", f'server.data_dir="{self.dir}"', "user", "add",
                                 "alice@example.org"], stdin=slave, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        os.close(slave)
        err = b""
        while b"New password" not in err:
            chunk = os.read(proc.stderr.fileno(), 1024)
            if not chunk:
                break
            err += chunk
        for a in answers:
            os.write(master, a + b"\n")
        err += proc.stderr.read()
        proc.stderr.close()
        proc.wait(timeout=30)
        echoed = b""
        try:
            while chunk := os.read(master, 1024):
                echoed += chunk
        except OSError:  # EIO: the terminal's other side is closed
            pass
        os.close(master)
        return proc.returncode, err.decode(), echoed

    def test_a_terminal_is_asked_twice_without_echo(self):
        code, err, echoed = self.answer_on_a_terminal(b"typed secret", b"typed secret")
        self.assertEqual(code, 0, err)
        self.assertIn("New password for alice@example.org: ", err)
        self.assertIn("Repeat it: ", err)
        self.assertNotIn(b"typed secret", echoed)
        self.assertEqual(listed(self.dir), ["alice@example.org"])

    def test_different_answers_at_the_prompt_exit_1(self):
        code, err, _ = self.answer_on_a_terminal(b"one", b"two")
        self.assertEqual(code, 1)
        self.assertIn("confabd user add: the passwords do not match", err)
        self.assertEqual(listed(self.dir), [])


class WhileTheServerRuns(unittest.TestCase):
    def test_users_are_managed_while_confabd_runs_on_the_same_data_dir(self):
        with Confabd() as d:
            for name in ("alice", "bob", "carol"):
                r = user(d.dir, "add", f"{name}@example.org", password=PASSWORD)
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(user(d.dir, "del", "bob@example.org").returncode, 0)
            self.assertEqual(listed(d.dir), ["alice@example.org", "carol@example.org"])
            d.status()  # the daemon is still serving
            self.assertEqual(d.stop(), 0)

    def test_many_adds_at_once_on_a_fresh_data_dir_all_succeed(self):
        # They race to create the file, switch it to WAL and create the
        # schema; the losers wait on the lock instead of failing.
        with Confabd() as d:
            data = d.dir  # the daemon's own data dir; no database in it yet
            procs = [subprocess.Popen([CONFABD, "--set", f'server.data_dir="{data}"', "user", "add",
                                       f"user{i}@example.org"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for i in range(6)]
            results = [p.communicate("pw\n", timeout=60) + (p.returncode,) for p in procs]
            for out, err, code in results:
                self.assertEqual(code, 0, err)
            self.assertEqual(sorted(listed(data)), [f"user{i}@example.org" for i in range(6)])

    def test_a_writer_waits_for_another_processes_lock(self):
        data = os.path.join(tempfile.mkdtemp(prefix="confab-users-"), "data")
        self.assertEqual(user(data, "add", "alice@example.org", password="pw").returncode, 0)
        # Another process (here: Python's sqlite3, standing in for the daemon)
        # holds the write lock for a while; `user add` waits, then succeeds.
        other = sqlite3.connect(os.path.join(data, "confab.db"), isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
        release.start()
        try:
            r = user(data, "add", "bob@example.org", password="pw")
        finally:
            release.join()
            other.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(listed(data), ["alice@example.org", "bob@example.org"])

    def test_a_lock_held_past_busy_timeout_is_a_one_line_error(self):
        data = os.path.join(tempfile.mkdtemp(prefix="confab-users-"), "data")
        self.assertEqual(user(data, "add", "alice@example.org", password="pw").returncode, 0)
        other = sqlite3.connect(os.path.join(data, "confab.db"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            r = user(data, "del", "alice@example.org", settings=["store.busy_timeout=0"])
        finally:
            other.execute("ROLLBACK")
            other.close()
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("locked by another process", r.stderr)
        self.assertEqual(listed(data), ["alice@example.org"])


if __name__ == "__main__":
    unittest.main()
