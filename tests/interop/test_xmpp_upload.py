"""XEP-0363 HTTP file upload: confabd's upload service (upload.localhost)
and its HTTPS server against software nobody here wrote, on loopback.

- slixmpp's xep_0363 plugin (python3-aiohttp underneath) discovers the
  service, gets a slot, PUTs a file; a GET returns the identical bytes with
  the headers a browser needs (Content-Type, Content-Disposition, nosniff).
- go-sendxmpp --http-upload (Go's net/http and TLS) uploads and sends the
  link; bob (slixmpp) receives it and downloads the same bytes.
- `confab send-file` to a slixmpp receiver: body and XEP-0066 oob URL, the
  download identical; --json result; a too-large file is refused (exit 4).
- Refusals: a file over max-file-size gets not-acceptable with
  <max-file-size>; a forged slot (changed signature, size, owner) and an
  expired one are 403 (the expired one signed here with the daemon's own
  secret from its data directory, which also proves the signature format);
  a used slot is 409; a user over their quota gets resource-constraint.
- Malformed HTTP from curl and from a raw TLS socket (chunked upload, long
  URI, huge headers, garbage request lines, a short body): each gets its
  4xx and the server goes on serving.
- Uploads survive a restart of confabd.

The XMPP domain is "localhost" so that the URLs name a host that resolves
to loopback and the certificate confabd makes for its domain verifies for
real everywhere (aiohttp, Go, curl, confab): SSL_CERT_FILE / --ca-file /
--cacert point at it. Each test starts its own confabd; every wait is bounded."""
import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

try:
    import aiohttp.connector  # slixmpp's xep_0363 PUTs with it
    import slixmpp.plugins.xep_0363  # noqa: F401
    from slixmpp.exceptions import IqError
except ImportError as e:
    print(f"skipping: slixmpp or aiohttp is not installed for {sys.executable} ({e}); "
          "apt-get install python3-slixmpp python3-aiohttp")
    sys.exit(77)

import test_xmpp_slixmpp as slix  # noqa: E402
from confabd_fixture import CONFAB, Confabd  # noqa: E402

DOMAIN = "localhost"
PASSWORD = slix.PASSWORD
STEP = slix.STEP
TEST = 40.0
MAX_FILE = 1 << 20  # 1 MiB in these tests
GO_SENDXMPP = shutil.which("go-sendxmpp")
CURL = shutil.which("curl")


class UploadDaemon(Confabd):
    """confabd serving "localhost", with a 1 MiB upload limit."""

    def __init__(self, *settings, data_dir=None):
        super().__init__('xmpp.domains=["localhost"]', f"xmpp.upload.max_file_size={MAX_FILE}", *settings,
                         xmpp=True, data_dir=data_dir)

    @property
    def certificate(self):
        return os.path.join(self.dir, "tls", "localhost.crt")

    def tls_context(self):
        return ssl.create_default_context(cafile=self.certificate)

    def http(self, method, path, body=None, headers=None):
        """One request on a fresh HTTPS connection: (status, headers, body)."""
        c = http.client.HTTPSConnection(DOMAIN, self.upload_port, context=self.tls_context(), timeout=STEP)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def get(self, url):
        """GET of an upload URL (on this daemon's port: a restarted one has another)."""
        u = urllib.parse.urlsplit(url)
        assert u.scheme == "https" and u.hostname == DOMAIN, url
        return self.http("GET", u.path)


def path_of(url):
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class UploadAgainstConfabd(unittest.TestCase):
    def setUp(self):
        self.settings = getattr(self, "extra_settings", ())
        # aiohttp (inside slixmpp) and Go trust what SSL_CERT_FILE names.
        self._old_cert_env = os.environ.get("SSL_CERT_FILE")
        self.start()
        self.work = tempfile.mkdtemp(prefix="upload-test-")
        self.clients = []

    def start(self, *settings, data_dir=None):
        self.d = UploadDaemon(*self.settings, *settings, data_dir=data_dir).__enter__()
        # aiohttp makes its default TLS context once per process (lru_cache),
        # from SSL_CERT_FILE as it was then: each daemon has its own certificate.
        os.environ["SSL_CERT_FILE"] = self.d.certificate
        aiohttp.connector.TCPConnector._make_ssl_context.cache_clear()
        if data_dir is None:
            for user in ("alice", "bob"):
                self.d.add_user(f"{user}@{DOMAIN}", PASSWORD)

    def tearDown(self):
        if self._old_cert_env is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = self._old_cert_env
        code = self.d.stop()
        self.assertEqual(code, 0, self.d.output()[-3000:])
        shutil.rmtree(self.work, ignore_errors=True)

    def file(self, name, size):
        path = os.path.join(self.work, name)
        with open(path, "wb") as f:
            f.write(os.urandom(size))
        return path

    def client(self, user, resource="test"):
        c = slix.Client(self.d, f"{user}@{DOMAIN}/{resource}")
        c.register_plugin("xep_0363")
        c.register_plugin("xep_0066")
        self.clients.append(c)
        return c

    async def login(self, user, resource="test"):
        """A logged-in slixmpp client whose xep_0363 plugin knows the
        service. slixmpp 1.8.3 finds it with asyncio.wait() on bare
        coroutines, which Python 3.11 refuses (TypeError), so the same
        XEP-0363 §2 discovery runs here: the server's disco#items, each
        item's disco#info, identity store/file with the upload feature, the
        max-file-size of its form."""
        c = await self.client(user, resource).login()
        disco = c["xep_0030"]
        items = await disco.get_items(jid=DOMAIN, timeout=STEP)
        for jid, _node, _name in items["disco_items"]["items"]:
            info = (await disco.get_info(jid=jid, timeout=STEP))["disco_info"]
            if any(i[0] == "store" and i[1] == "file" for i in info["identities"]) and \
                    "urn:xmpp:http:upload:0" in info["features"]:
                c["xep_0363"].upload_service = jid
                for form in info.iterables:
                    if form["values"].get("FORM_TYPE") in (["urn:xmpp:http:upload:0"], "urn:xmpp:http:upload:0"):
                        c["xep_0363"].max_file_size = int(form["values"]["max-file-size"])
                return c
        raise AssertionError(f"no upload service in {items}")

    def in_loop(self, body):
        async def main():
            try:
                return await asyncio.wait_for(body(), TEST)
            finally:
                await asyncio.gather(*(c.close() for c in self.clients))
                self.clients.clear()
        return asyncio.run(main())

    def assert_download(self, url, path):
        status, headers, body = self.d.get(url)
        self.assertEqual(status, 200, body[:200])
        with open(path, "rb") as f:
            self.assertEqual(body, f.read(), "the download differs from the upload")
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertIn("filename", headers["content-disposition"])
        return headers

    async def slot(self, c, name, size, content_type="application/octet-stream"):
        iq = await c["xep_0363"].request_slot(f"upload.{DOMAIN}", name, size, content_type, timeout=STEP)
        return iq["http_upload_slot"]["put"]["url"], iq["http_upload_slot"]["get"]["url"]

    # ---- interop -------------------------------------------------------

    def test_slixmpp_uploads_a_file_and_get_returns_the_same_bytes(self):
        path = self.file("photo of us.jpg", 300_000)

        async def body():
            alice = await self.login("alice")
            url = await alice["xep_0363"].upload_file(path, timeout=STEP)
            return url
        url = self.in_loop(body)
        self.assertTrue(url.startswith(f"https://{DOMAIN}:{self.d.upload_port}/upload/"), url)
        self.assertTrue(url.endswith("/photo%20of%20us.jpg"), url)
        headers = self.assert_download(url, path)
        self.assertEqual(headers["content-type"], "image/jpeg")
        self.assertEqual(headers["content-length"], "300000")
        self.assertTrue(headers["content-disposition"].startswith('inline; filename="photo of us.jpg"'))
        # HEAD: the same head, no body
        status, h, b = self.d.http("HEAD", urllib.parse.urlsplit(url).path)
        self.assertEqual((status, h["content-length"], b), (200, "300000", b""))
        # A resumed download: one byte range
        with open(path, "rb") as f:
            data = f.read()
        status, h, b = self.d.http("GET", urllib.parse.urlsplit(url).path, headers={"Range": "bytes=1000-1999"})
        self.assertEqual((status, h["content-range"], b), (206, "bytes 1000-1999/300000", data[1000:2000]))
        self.assertEqual(self.d.http("GET", urllib.parse.urlsplit(url).path, headers={"Range": "bytes=400000-"})[0], 416)
        st = self.d.status()["upload"]
        self.assertEqual(st["http"]["puts_stored"], 1)
        self.assertEqual(st["files"], 1)
        self.assertEqual(st["bytes_stored"], 300000)
        self.assertEqual(st["domain"], f"upload.{DOMAIN}")
        # Stored where the brief says: <data_dir>/uploads/<id>/<name>
        slot_id = urllib.parse.urlsplit(url).path.split("/")[2]
        self.assertTrue(os.path.isfile(os.path.join(self.d.dir, "uploads", slot_id, "photo of us.jpg")))

    def test_the_server_advertises_the_upload_service(self):
        async def body():
            alice = await self.client("alice").login()
            items = await alice["xep_0030"].get_items(jid=DOMAIN, timeout=STEP)
            info = await alice["xep_0030"].get_info(jid=f"upload.{DOMAIN}", timeout=STEP)
            return items, info
        items, info = self.in_loop(body)
        self.assertIn(f"upload.{DOMAIN}", [i[0] for i in items["disco_items"]["items"]])
        self.assertIn(("store", "file", None, "HTTP File Upload"), info["disco_info"]["identities"])
        self.assertIn("urn:xmpp:http:upload:0", info["disco_info"]["features"])
        form = info["disco_info"].iterables[0]
        self.assertEqual(form["values"]["max-file-size"], str(MAX_FILE))

    @unittest.skipIf(GO_SENDXMPP is None, "go-sendxmpp is not installed (apt-get install go-sendxmpp)")
    def test_go_sendxmpp_uploads_and_bob_downloads_the_same_bytes(self):
        path = self.file("report.pdf", 200_000)

        async def body():
            bob = await self.client("bob", "desk").login(presence="here")
            env = dict(os.environ, HOME=self.work, SSL_CERT_FILE=self.d.certificate)
            proc = await asyncio.create_subprocess_exec(
                GO_SENDXMPP, "-u", f"alice@{DOMAIN}", "-p", PASSWORD, "-j", f"127.0.0.1:{self.d.xmpp_port}",
                "--timeout", "5", "--http-upload", path, f"bob@{DOMAIN}",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
            self.assertEqual(proc.returncode, 0, (out + err).decode(errors="replace") + self.d.output()[-2000:])
            msg = await bob.expect("message", where=lambda m: "/upload/" in m["body"], timeout=STEP)
            return msg
        msg = self.in_loop(body)
        url = msg["body"].strip()
        self.assertEqual(msg["oob"]["url"], url)
        self.assert_download(url, path)

    def test_confab_send_file_reaches_a_slixmpp_receiver(self):
        path = self.file("notes.txt", 150_000)
        pw = os.path.join(self.work, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")

        async def body():
            bob = await self.client("bob", "desk").login(presence="here")
            proc = await asyncio.create_subprocess_exec(
                CONFAB, "send-file", f"bob@{DOMAIN}", path, "--as", f"alice@{DOMAIN}",
                "--server", f"127.0.0.1:{self.d.xmpp_port}", "--ca-file", self.d.certificate,
                "--password-file", pw, "--json", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
            self.assertEqual(proc.returncode, 0, err.decode() + self.d.output()[-2000:])
            result = json.loads(out)
            msg = await bob.expect("message", where=lambda m: m["body"] == result["url"], timeout=STEP)
            return result, msg, err
        result, msg, err = self.in_loop(body)
        self.assertTrue(result["sent"])
        self.assertEqual(result["size"], 150_000)
        self.assertEqual(result["content_type"], "text/plain")
        self.assertEqual(result["service"], f"upload.{DOMAIN}")
        self.assertEqual(result["http_status"], 201)
        self.assertEqual(msg["oob"]["url"], result["url"])
        self.assertEqual(msg["from"].bare, f"alice@{DOMAIN}")
        self.assertEqual(err, b"")  # --json: no progress lines
        self.assert_download(result["url"], path)

        # Not a terminal: progress as plain lines; the human result on stdout.
        r = subprocess.run([CONFAB, "send-file", f"bob@{DOMAIN}", path, "--as", f"alice@{DOMAIN}",
                            "--server", f"127.0.0.1:{self.d.xmpp_port}", "--ca-file", self.d.certificate,
                            "--password-file", pw], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("uploaded 100% (150000 of 150000 bytes", r.stderr)
        self.assertIn(f"sent notes.txt (146.5 KiB) to bob@{DOMAIN}: https://{DOMAIN}:", r.stdout)

        # Without trusting the certificate: the HTTPS (here: XMPP first) check fails, exit 3.
        r = subprocess.run([CONFAB, "send-file", f"bob@{DOMAIN}", path, "--as", f"alice@{DOMAIN}",
                            "--server", f"127.0.0.1:{self.d.xmpp_port}", "--password-file", pw],
                           capture_output=True, text=True, timeout=20, env=dict(os.environ, SSL_CERT_FILE="/dev/null"))
        self.assertEqual(r.returncode, 3, r.stderr)
        # No such file: usage, exit 2
        r = subprocess.run([CONFAB, "send-file", f"bob@{DOMAIN}", path + ".missing", "--as", f"alice@{DOMAIN}",
                            "--password-file", pw], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)

    # ---- refusals ------------------------------------------------------

    def test_a_file_over_max_file_size_is_refused_with_the_limit(self):
        async def body():
            alice = await self.client("alice").login()
            with self.assertRaises(IqError) as caught:
                await self.slot(alice, "big.iso", MAX_FILE + 1)
            return caught.exception.iq
        iq = self.in_loop(body)
        self.assertEqual(iq["error"]["condition"], "not-acceptable")
        self.assertEqual(iq["error"]["type"], "modify")
        limit = iq.xml.find(".//{urn:xmpp:http:upload:0}file-too-large/{urn:xmpp:http:upload:0}max-file-size")
        self.assertIsNotNone(limit, str(iq))
        self.assertEqual(limit.text, str(MAX_FILE))
        # confab send-file checks the advertised limit first: exit 4
        pw = os.path.join(self.work, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD + "\n")
        r = subprocess.run([CONFAB, "send-file", f"bob@{DOMAIN}", self.file("big.iso", MAX_FILE + 1),
                            "--as", f"alice@{DOMAIN}", "--server", f"127.0.0.1:{self.d.xmpp_port}",
                            "--ca-file", self.d.certificate, "--password-file", pw],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("takes at most 1048576", r.stderr)

    def test_forged_expired_and_reused_slots_are_refused(self):
        payload = os.urandom(1000)

        async def body():
            alice = await self.client("alice").login()
            return await self.slot(alice, "a.bin", len(payload))
        put_url, get_url = self.in_loop(body)
        put = path_of(put_url)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(put_url).query))
        base = urllib.parse.urlsplit(put_url).path
        headers = {"Content-Type": "application/octet-stream"}

        def with_query(**changes):
            return base + "?" + urllib.parse.urlencode({**q, **changes}, quote_via=urllib.parse.quote)

        forged_sig = q["sig"][:-2] + ("AA" if not q["sig"].endswith("AA") else "BB")
        for path in (with_query(sig=forged_sig), with_query(size="2000"), with_query(owner=f"bob@{DOMAIN}"),
                     with_query(exp=str(int(q["exp"]) + 86400)), base):
            status, _, text = self.d.http("PUT", path, payload if "size=2000" not in path else payload * 2, headers)
            self.assertEqual(status, 403, (path, text))
        # The wrong size for a genuine slot: 413 more, 400 less
        self.assertEqual(self.d.http("PUT", put, payload + b"x", headers)[0], 413)
        self.assertEqual(self.d.http("PUT", put, payload[:-1], headers)[0], 400)
        # An upload path without a slot's fields is 403; any other path a bare 404
        self.assertEqual(self.d.http("PUT", "/upload/" + "A" * 22 + "/nope", payload, headers)[0], 403)
        self.assertEqual(self.d.http("PUT", "/elsewhere", payload, headers)[0], 404)
        self.assertEqual(self.d.get(get_url)[0], 404)  # nothing stored yet

        # Signed here with the daemon's secret: expired is 403, fresh is 201.
        with open(os.path.join(self.d.dir, "upload.key"), "rb") as f:
            secret = f.read()
        slot_id = base.split("/")[2]

        def signed(exp):
            fields = [slot_id, "a.bin", str(len(payload)), q.get("type", ""), str(exp), q["owner"]]
            msg = b"confab-upload-v1" + b"".join(b"\0" + x.encode() for x in fields)
            sig = b64url(hmac.new(secret, msg, hashlib.sha256).digest())
            return with_query(exp=str(exp), sig=sig)
        status, _, text = self.d.http("PUT", signed(int(time.time()) - 5), payload, headers)
        self.assertEqual(status, 403, text)
        self.assertIn(b"expired", text)
        self.assertEqual(self.d.http("PUT", signed(int(time.time()) + 60), payload, headers)[0], 201)
        # the genuine URL now finds the slot used
        self.assertEqual(self.d.http("PUT", put, payload, headers)[0], 409)
        status, _, got = self.d.get(get_url)
        self.assertEqual((status, got), (200, payload))
        self.assertGreaterEqual(self.d.status()["upload"]["http"]["puts_refused"], 9)

    def test_quota_per_user_is_resource_constraint(self):
        self.d.stop()
        self.start("xmpp.upload.quota_per_user=700000")
        path = self.file("a.bin", 300_000)

        async def body():
            alice = await self.login("alice")
            await alice["xep_0363"].upload_file(path, timeout=STEP)
            await alice["xep_0363"].upload_file(path, timeout=STEP)
            with self.assertRaises(IqError) as caught:
                await self.slot(alice, "third.bin", 300_000)
            bob = await self.client("bob").login()
            other = await self.slot(bob, "b.bin", 300_000)  # his own quota
            return caught.exception.iq, other
        iq, other = self.in_loop(body)
        self.assertEqual(iq["error"]["condition"], "resource-constraint")
        self.assertEqual(iq["error"]["type"], "wait")
        self.assertIn("Quota exceeded", iq["error"]["text"])
        self.assertTrue(other[0].startswith("https://"))
        self.assertEqual(self.d.status()["upload"]["slots"]["quota_exceeded"], 1)

    # ---- malformed HTTP --------------------------------------------------

    def raw(self, data, read=True):
        """Bytes on a fresh TLS connection; the response's status line."""
        with socket.create_connection(("127.0.0.1", self.d.upload_port), timeout=STEP) as s:
            with self.d.tls_context().wrap_socket(s, server_hostname=DOMAIN) as t:
                t.sendall(data)
                if not read:
                    return b""
                out = b""
                try:
                    while b"\r\n" not in out:
                        chunk = t.recv(4096)
                        if not chunk:
                            break
                        out += chunk
                except (ConnectionResetError, ssl.SSLError):
                    pass
                return out.split(b"\r\n")[0]

    @unittest.skipIf(CURL is None, "curl is not installed")
    def test_malformed_requests_get_their_4xx_and_the_server_keeps_serving(self):
        path = self.file("kept.bin", 5000)

        async def body():
            alice = await self.login("alice")
            return await alice["xep_0363"].upload_file(path, timeout=STEP)
        url = self.in_loop(body)
        origin = f"https://{DOMAIN}:{self.d.upload_port}"

        def curl(*args):
            r = subprocess.run([CURL, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--http1.1", "--cacert",
                                self.d.certificate, "--max-time", "10", *args], capture_output=True, text=True,
                               timeout=20)
            return int(r.stdout or 0)
        self.assertEqual(curl("-T", path, "-H", "Transfer-Encoding: chunked", origin + "/upload/x/y"), 411)
        self.assertEqual(curl(origin + "/" + "a" * 10000), 414)
        self.assertEqual(curl("-H", "X-Big: " + "b" * 9000, origin + "/"), 431)
        self.assertEqual(curl("-H", "Expect: magic", origin + "/"), 417)
        self.assertEqual(curl("-X", "DELETE", url), 405)
        self.assertEqual(curl(origin + "/upload/" + "A" * 22 + "/kept.bin"), 404)
        self.assertEqual(curl(origin + "/upload/%2e%2e/%2e%2e/confab.db"), 404)
        self.assertEqual(curl(origin + "/"), 404)
        self.assertEqual(curl("-X", "OPTIONS", url), 204)
        for garbage, status in ((b"HELLO\r\n\r\n", b"400"), (b"GET / HTTP/1.1\nHost: x\n\n", b"400"),
                                (b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", b"505"),
                                (b"GET / HTTP/1.1\r\n\r\n", b"400"),
                                (b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", b"400"),
                                (b"\x16\x03\x01garbage\r\n\r\n", b"400")):
            self.assertIn(status, self.raw(garbage), garbage)
        # A body shorter than its Content-Length, then EOF: nothing stored, still serving.
        async def short():
            alice = await self.client("alice", "two").login()
            return await self.slot(alice, "short.bin", 1000)
        put_url, get_url = self.in_loop(short)
        with socket.create_connection(("127.0.0.1", self.d.upload_port), timeout=STEP) as s:
            with self.d.tls_context().wrap_socket(s, server_hostname=DOMAIN) as t:
                t.sendall(f"PUT {path_of(put_url)} HTTP/1.1\r\nHost: {DOMAIN}\r\nContent-Length: 1000\r\n\r\n".encode()
                          + b"x" * 400)
        self.assertEqual(self.d.get(get_url)[0], 404)
        # Keep-alive: two requests on one connection
        c = http.client.HTTPSConnection(DOMAIN, self.d.upload_port, context=self.d.tls_context(), timeout=STEP)
        for _ in range(2):
            c.request("GET", urllib.parse.urlsplit(url).path)
            r = c.getresponse()
            self.assertEqual((r.status, len(r.read())), (200, 5000))
        c.close()
        self.assertEqual(curl(url), 200)
        st = self.d.status()["upload"]["http"]
        self.assertGreaterEqual(st["bad_requests"], 8)
        self.assertEqual(self.d.proc.poll(), None)

    def test_uploads_survive_a_restart(self):
        path = self.file("keep me.png", 64_000)

        async def body():
            alice = await self.login("alice")
            return await alice["xep_0363"].upload_file(path, timeout=STEP)
        url = self.in_loop(body)
        data_dir = self.d.dir
        self.assertEqual(self.d.stop(), 0)
        self.start(data_dir=data_dir)
        headers = self.assert_download(url, path)
        self.assertEqual(headers["content-type"], "image/png")
        st = self.d.status()["upload"]
        self.assertEqual((st["files"], st["bytes_stored"]), (1, 64_000))


if __name__ == "__main__":
    unittest.main()
