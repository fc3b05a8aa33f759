#!/usr/bin/env python3
"""Memory of `steno serve` over many sequential WebSocket sessions (default 1000).

Usage: tools/serve_soak.py [--steno .build/release/steno] [--sessions 1000] [-- SERVE OPTIONS...]

Starts `steno serve --port 0` (bundled model and LM unless options after `--` say otherwise) and runs
sessions one after another: most stream 2 s of speech (samples/station.wav) in 0.2 s messages as
Vosk's test.py does and finish with {"eof" : 1}; every tenth breaks the protocol instead (malformed
JSON, an unknown message, a client that vanishes mid-stream, an oversized message), in turn. Every
normal session must get the same final text. Prints the server's resident memory (VmRSS from
/proc) after the first 10 sessions and then at intervals, and the growth from the first reading
to the last. Exit status 1 if a session went wrong.

Needs: pip install websockets.
"""
import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import wave

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def normal(port, pcm):
    async with websockets.connect(f"ws://127.0.0.1:{port}", max_size=None) as ws:
        await ws.send('{"config": {"sample_rate": 16000}}')
        for offset in range(0, len(pcm), 6400):
            await ws.send(pcm[offset:offset + 6400])
            await ws.recv()
        await ws.send('{"eof" : 1}')
        return json.loads(await ws.recv()).get("text")


async def faulty(port, pcm, kind):
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}", max_size=None, close_timeout=2) as ws:
            await ws.send('{"config": {"sample_rate": 16000}}')
            await ws.send(pcm[:6400])
            await ws.recv()
            if kind == 0:
                await ws.send('{"config": ')
            elif kind == 1:
                await ws.send('{"hello": 1}')
            elif kind == 2:
                ws.transport.abort()  # vanish: no close frame, the TCP connection reset
                return "vanished"
            else:
                await ws.send(b"\0" * (2 << 20))
            await ws.recv()
            return "not closed"
    except websockets.ConnectionClosedError as error:
        return f"closed {error.rcvd.code if error.rcvd else None}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steno", default=os.path.join(ROOT, ".build", "release", "steno"))
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("serve_options", nargs="*")
    args = parser.parse_args()
    with wave.open(os.path.join(ROOT, "samples", "station.wav"), "rb") as wf:
        pcm = wf.readframes(wf.getnframes())
    server = subprocess.Popen([args.steno, "serve", "--port", "0"] + args.serve_options, stderr=subprocess.PIPE, text=True)
    port = None
    while port is None:
        line = server.stderr.readline()
        match = re.search(r"listening on http://[^:]+:(\d+)/", line)
        if match:
            port = int(match.group(1))
        elif server.poll() is not None:
            sys.exit(f"error: steno serve exited: {line}")
    failures, texts, readings = 0, set(), []
    started = time.monotonic()
    try:
        for index in range(args.sessions):
            if index % 10 == 9:
                outcome = asyncio.run(faulty(port, pcm, (index // 10) % 4))
                if outcome == "not closed":
                    failures += 1
                    print(f"session {index}: a fault did not close the connection", file=sys.stderr)
            else:
                texts.add(asyncio.run(normal(port, pcm)))
            done = index + 1
            if done == 10 or done % max(1, args.sessions // 10) == 0:
                readings.append((done, rss_mb(server.pid)))
                print(f"after {done:>5} sessions: {readings[-1][1]:.1f} MB resident", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    if len(texts) != 1:
        failures += 1
        print(f"normal sessions gave different texts: {texts}", file=sys.stderr)
    print(f"{args.sessions} sessions in {time.monotonic() - started:.0f} s; final text {texts}; "
          f"growth from session {readings[0][0]} to {readings[-1][0]}: {readings[-1][1] - readings[0][1]:+.1f} MB")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
