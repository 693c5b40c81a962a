#!/usr/bin/python3
"""confab's ICE agent against another implementation: python3-aioice
(Debian's). Each side gathers host candidates on loopback (and srflx ones
from a reflector when asked), they swap credentials and candidates, run the
checks and send each other a datagram on the selected pair — once with
confab controlling, once with aioice controlling. Loopback only."""

import asyncio
import json
import os
import unittest

try:
    import aioice
except ImportError:  # Debian's python3-aioice; scripts/install-deps.sh installs it
    aioice = None

PEER = os.environ.get("ICE_PEER", "")


def candidates_of(conn):
    return ["%s" % c.to_sdp() for c in conn.local_candidates]


class AioiceAndConfab(unittest.TestCase):
    def setUp(self):
        if aioice is None:
            self.skipTest("python3-aioice not installed")
        if not os.path.exists(PEER):
            self.skipTest("ICE_PEER (interop_ice_peer) not built")

    def exchange(self, confab_controlling):
        async def run():
            conn = aioice.Connection(ice_controlling=not confab_controlling, components=1, use_ipv6=False)
            # aioice gathers on every interface; loopback is where confab's peer is.
            await conn.gather_candidates()
            proc = await asyncio.create_subprocess_exec(
                PEER, "controlling" if confab_controlling else "controlled", "127.0.0.1",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            try:
                ours = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))
                proc.stdin.write((json.dumps({"ufrag": conn.local_username, "pwd": conn.local_password,
                                              "candidates": candidates_of(conn)}) + "\n").encode())
                await proc.stdin.drain()
                conn.remote_username, conn.remote_password = ours["ufrag"], ours["pwd"]
                for c in ours["candidates"]:
                    await conn.add_remote_candidate(aioice.Candidate.from_sdp(c))
                await conn.add_remote_candidate(None)
                await asyncio.wait_for(conn.connect(), 15)
                await conn.send(b"hello from aioice")
                got = await asyncio.wait_for(conn.recv(), 10)
                lines = []
                while len(lines) < 2:
                    line = await asyncio.wait_for(proc.stdout.readline(), 10)
                    if not line:
                        break
                    lines.append(json.loads(line))
                rc = await asyncio.wait_for(proc.wait(), 10)
                return got, lines, rc
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
                await conn.close()
        return asyncio.run(run())

    def check(self, confab_controlling):
        got, lines, rc = self.exchange(confab_controlling)
        self.assertEqual(got, b"hello from confab")
        events = {l["event"]: l for l in lines}
        self.assertIn("connected", events, lines)
        self.assertTrue(events["connected"]["local"].startswith("host 127.0.0.1:"), lines)
        self.assertEqual(events["data"]["text"], "hello from aioice")
        self.assertEqual(rc, 0)

    def test_confab_controlling_aioice_controlled(self):
        self.check(True)

    def test_aioice_controlling_confab_controlled(self):
        self.check(False)


if __name__ == "__main__":
    unittest.main()
