#!/usr/bin/python3
"""A small XEP-0174 peer written with python3-zeroconf and a plain TCP
socket: nobody's chat client, just the protocol as the XEP describes it.

    xep0174_peer.py IP NAME      (run inside a lab namespace)

Registers NAME._presence._tcp.local with the XEP's TXT keys and a TCP
listener, prints "registered PORT", then takes commands on stdin:

    recv            accept one stream, print "got FROM BODY" for its first message
    send INSTANCE TEXT   resolve INSTANCE, open a stream to it, send TEXT, close
    browse          print "seen INSTANCE" for every _presence._tcp instance found in 3 s
    quit
"""

import re
import socket
import sys
import time
from xml.sax.saxutils import escape

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, Zeroconf

TYPE = "_presence._tcp.local."


def header(frm, to):
    return ("<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' from='%s' to='%s' version='1.0'>"
            % (escape(frm, {"'": "&apos;"}), escape(to, {"'": "&apos;"})))


def read_until(conn, pattern, timeout=10):
    conn.settimeout(timeout)
    data = b""
    while not re.search(pattern, data, re.S):
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


def main():
    ip, name = sys.argv[1], sys.argv[2]
    listener = socket.socket()
    listener.bind((ip, 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    zc = Zeroconf(interfaces=[ip], ip_version=IPVersion.V4Only)
    info = ServiceInfo(TYPE, "%s.%s" % (name, TYPE), addresses=[socket.inet_aton(ip)], port=port,
                       properties={"txtvers": "1", "1st": "Zoe", "last": "Zeroconf", "status": "away",
                                   "msg": "written in python", "port.p2pj": str(port)},
                       server="zoe-python.local.")
    zc.register_service(info)
    print("registered", port, flush=True)
    try:
        for line in sys.stdin:
            cmd = line.strip().split(" ", 2)
            if cmd[0] == "recv":
                conn, _ = listener.accept()
                got = read_until(conn, rb"<stream:stream[^>]*>")
                frm = re.search(r"from=['\"]([^'\"]*)", got)
                peer = frm.group(1) if frm else ""
                conn.sendall(header(name, peer).encode())
                got += read_until(conn, rb"</message>")
                body = re.search(r"<body>(.*?)</body>", got, re.S)
                print("got", peer, body.group(1) if body else "", flush=True)
                conn.sendall(b"</stream:stream>")
                conn.close()
            elif cmd[0] == "send":
                target, text = cmd[1], cmd[2]
                peer = zc.get_service_info(TYPE, "%s.%s" % (target, TYPE), timeout=5000)
                if peer is None:
                    print("unresolved", target, flush=True)
                    continue
                conn = socket.create_connection((socket.inet_ntoa(peer.addresses[0]), peer.port), timeout=10)
                conn.sendall(header(name, target).encode())
                read_until(conn, rb"<stream:stream[^>]*>")
                conn.sendall(("<message from='%s' to='%s' type='chat'><body>%s</body></message>"
                              % (name, target, escape(text))).encode())
                conn.sendall(b"</stream:stream>")
                read_until(conn, rb"</stream:stream>", timeout=5)
                conn.close()
                print("sent", target, flush=True)
            elif cmd[0] == "browse":
                seen = set()

                class Listener:
                    def add_service(self, zc_, type_, n):
                        seen.add(n[:-len(TYPE) - 1])

                    def update_service(self, *a):
                        pass

                    def remove_service(self, *a):
                        pass
                ServiceBrowser(zc, TYPE, Listener())
                time.sleep(3)
                for n in sorted(seen):
                    print("seen", n, flush=True)
                print("browsed", flush=True)
            elif cmd[0] == "quit":
                break
    finally:
        zc.unregister_service(info)
        zc.close()


if __name__ == "__main__":
    main()
