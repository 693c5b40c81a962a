#!/usr/bin/python3
"""One side of the aioice reference pair for bench/call_connect_bench.py.
stdout: our {"ufrag","pwd","candidates"} once gathered; stdin: the peer's.
As soon as ICE connects it sends a datagram; it prints
{"answer_at": when the peer's description arrived, "first_data_at": when
the peer's first datagram did} (time.monotonic(), CLOCK_MONOTONIC) and exits.
  aioice_peer.py controlling|controlled STUN_HOST:PORT"""
import asyncio
import json
import sys
import time

import aioice


async def main(role, stun):
    host, port = stun.rsplit(":", 1)
    conn = aioice.Connection(ice_controlling=role == "controlling", components=1, use_ipv6=False,
                             stun_server=(host, int(port)))
    await conn.gather_candidates()
    print(json.dumps({"ufrag": conn.local_username, "pwd": conn.local_password,
                      "candidates": [c.to_sdp() for c in conn.local_candidates]}), flush=True)
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    t0 = time.monotonic()
    peer = json.loads(line)
    conn.remote_username, conn.remote_password = peer["ufrag"], peer["pwd"]
    for c in peer["candidates"]:
        await conn.add_remote_candidate(aioice.Candidate.from_sdp(c))
    await conn.add_remote_candidate(None)
    try:
        await asyncio.wait_for(conn.connect(), 20)
        await conn.send(b"x")
        await asyncio.wait_for(conn.recv(), 10)
        print(json.dumps({"answer_at": t0, "first_data_at": time.monotonic()}), flush=True)
        await asyncio.sleep(0.5)  # let the peer's datagram get its answer too
    except Exception as e:  # noqa: BLE001 - reported, the bench counts it as a failure
        print(json.dumps({"error": repr(e)}), flush=True)
    await conn.close()


asyncio.run(main(sys.argv[1], sys.argv[2]))
