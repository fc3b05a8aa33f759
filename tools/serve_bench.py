#!/usr/bin/env python3
"""How many concurrent streams `steno serve` keeps in real time on this machine.

Usage: tools/serve_bench.py [--steno .build/release/steno] [--streams 1,2,4,8,12,16] [--seconds 20]
                            [--chunk-ms 100] [-- SERVE OPTIONS...]

Starts `steno serve --port 0` (by default the bundled model and LM, as users get it; options after
`--` go to steno serve, e.g. `-- --no-lm`). For each count N, N clients stream the same speech
(samples/*.wav with pauses, looped to --seconds) at the pace of real time, in --chunk-ms messages,
reading the one reply each message gets; then {"eof" : 1}. Measured per N: the reply latency
(message sent to its reply; median and 95th percentile over all messages of all clients), the
final latency (eof sent to the final result) and the server's CPU use. A count is held in real time
when the 95th-percentile reply latency stays under 2 chunk lengths and every final arrives within
1 s: the server keeps up instead of falling further behind. Prints a table and the largest count held.

The clients run in this one Python process, on the same machine: they take some CPU from the server
(a few percent at 16 streams), so the figure is a slight underestimate. Other load on the machine
(builds, training) lowers it; note what else ran.

Needs: pip install websockets.
"""
import argparse
import asyncio
import audioop  # deprecated in 3.11, still there until 3.13
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import wave

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def speech_pcm(seconds):
    """16 kHz 16-bit mono PCM: the bundled samples with 0.8 s pauses, looped to `seconds`."""
    pieces = []
    for name in sorted(os.listdir(os.path.join(ROOT, "samples"))):
        if not name.endswith(".wav"):
            continue
        with wave.open(os.path.join(ROOT, "samples", name), "rb") as wf:
            if wf.getnchannels() != 1 or wf.getsampwidth() != 2:
                continue
            frames = wf.readframes(wf.getnframes())
            if wf.getframerate() != 16000:  # load only: a plain converter is good enough
                frames, _ = audioop.ratecv(frames, 2, 1, wf.getframerate(), 16000, None)
            pieces.append(frames + b"\0" * 2 * 12800)
    if not pieces:
        sys.exit("error: no 16 kHz 16-bit mono WAV in samples/")
    one = b"".join(pieces)
    wanted = int(seconds * 16000) * 2
    return (one * (wanted // len(one) + 1))[:wanted]


def start_server(steno, options):
    server = subprocess.Popen([steno, "serve", "--port", "0", "--max-connections", "1000"] + options,
                              stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = server.stderr.readline()
        match = re.search(r"listening on http://[^:]+:(\d+)/", line)
        if match:
            return server, int(match.group(1))
        if server.poll() is not None:
            sys.exit(f"error: steno serve exited: {line}")
    sys.exit("error: steno serve did not start within 120 s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def client(port, pcm, chunk_bytes, chunk_seconds, start_at, latencies):
    async with websockets.connect(f"ws://127.0.0.1:{port}", max_size=None) as ws:
        await ws.send('{"config": {"sample_rate": 16000}}')
        sent_times = []

        async def reader():
            for _ in range(len(range(0, len(pcm), chunk_bytes))):
                await ws.recv()
                latencies.append(time.monotonic() - sent_times[len(latencies_local)])
                latencies_local.append(None)

        latencies_local = []
        read_task = asyncio.create_task(reader())
        for index, offset in enumerate(range(0, len(pcm), chunk_bytes)):
            # Real time: message k leaves when its audio would have been recorded.
            delay = start_at + (index + 1) * chunk_seconds - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_times.append(time.monotonic())
            await ws.send(pcm[offset:offset + chunk_bytes])
        await read_task
        eof_at = time.monotonic()
        await ws.send('{"eof" : 1}')
        await ws.recv()
        return time.monotonic() - eof_at


async def run_level(port, pcm, streams, chunk_ms):
    chunk_seconds = chunk_ms / 1000
    chunk_bytes = int(16000 * chunk_seconds) * 2
    latencies = []
    start_at = time.monotonic() + 0.5
    # Stagger the clients over one chunk, as independent clients would be.
    finals = await asyncio.gather(*[
        client(port, pcm, chunk_bytes, chunk_seconds, start_at + chunk_seconds * i / streams, latencies)
        for i in range(streams)])
    latencies.sort()
    return statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))], max(finals)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steno", default=os.path.join(ROOT, ".build", "release", "steno"))
    parser.add_argument("--streams", default="1,2,4,8,12,16,24")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--chunk-ms", type=int, default=100)
    parser.add_argument("serve_options", nargs="*", help="options for steno serve (after --)")
    args = parser.parse_args()
    if not os.path.exists(args.steno):
        sys.exit(f"error: {args.steno} not found; run swift build -c release")
    pcm = speech_pcm(args.seconds)
    server, port = start_server(args.steno, args.serve_options)
    held = 0
    try:
        print(f"steno serve {' '.join(args.serve_options) or '(bundled model and LM)'}; {args.seconds:.0f} s of speech per stream, "
              f"{args.chunk_ms} ms messages; {os.cpu_count()} cores")
        print(f"{'streams':>7} {'reply p50':>10} {'reply p95':>10} {'final':>8} {'server CPU':>11}  held")
        for streams in [int(n) for n in args.streams.split(",")]:
            cpu_before, wall_before = cpu_seconds(server.pid), time.monotonic()
            p50, p95, final = asyncio.run(run_level(port, pcm, streams, args.chunk_ms))
            cpu = (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - wall_before)
            ok = p95 < 2 * args.chunk_ms / 1000 and final < 1.0
            print(f"{streams:>7} {p50 * 1000:>8.0f}ms {p95 * 1000:>8.0f}ms {final * 1000:>6.0f}ms {cpu * 100:>10.0f}%  {'yes' if ok else 'no'}",
                  flush=True)
            if ok:
                held = max(held, streams)
            elif streams > 2 * max(held, 1):
                break
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
    print(f"held in real time: {held} concurrent streams")


if __name__ == "__main__":
    main()
