#!/usr/bin/env python3
"""Talk to `steno serve` the way vosk-server's example clients do (websocket/test.py).

Usage: tools/vosk_client.py [--uri ws://127.0.0.1:2700] [--chunk-seconds 0.2] FILE.wav

Sends {"config": {"sample_rate": RATE}}, then the WAV file's 16-bit mono samples in chunks,
waiting for the one reply each gets, then {"eof" : 1} and waits for the final result. Prints every
reply as it arrives (one JSON object per line), like Vosk's test.py. With --finals, prints only the
final results' JSON lines: the lines `steno stream` writes for the same audio.

Needs Python's `websockets` package (pip install websockets). Exit status 1 if the server closes
the connection with an error or breaks the protocol (a reply missing or not JSON).
"""
import argparse
import asyncio
import json
import sys
import wave

import websockets


async def run(uri, path, chunk_seconds, finals_only):
    with wave.open(path, "rb") as wf:
        if wf.getnchannels() != 1 or wf.getsampwidth() != 2 or wf.getcomptype() != "NONE":
            sys.exit(f"error: {path}: the Vosk protocol takes 16-bit mono PCM WAV")
        rate = wf.getframerate()
        async with websockets.connect(uri, max_size=None) as ws:
            await ws.send('{ "config" : { "sample_rate" : %d } }' % rate)
            frames = max(1, int(rate * chunk_seconds))
            while True:
                data = wf.readframes(frames)
                if len(data) == 0:
                    break
                await ws.send(data)
                show(await ws.recv(), finals_only)
            await ws.send('{"eof" : 1}')
            show(await ws.recv(), finals_only)
            try:
                await asyncio.wait_for(ws.recv(), timeout=5)
                sys.exit("error: the server sent more than one reply to eof")
            except websockets.ConnectionClosedOK:
                pass


def show(reply, finals_only):
    message = json.loads(reply)
    if not isinstance(message, dict) or not ("partial" in message or "text" in message or "alternatives" in message):
        sys.exit(f"error: unexpected reply {reply}")
    if finals_only and "partial" in message:
        return
    if finals_only and message.get("text") == "" and len(message) == 1:
        return  # Vosk's empty final: steno stream writes no line for it
    print(reply, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", default="ws://127.0.0.1:2700")
    parser.add_argument("--chunk-seconds", type=float, default=0.2)
    parser.add_argument("--finals", action="store_true", help="print only final results")
    parser.add_argument("file")
    args = parser.parse_args()
    try:
        asyncio.run(run(args.uri, args.file, args.chunk_seconds, args.finals))
    except websockets.ConnectionClosedError as error:
        sys.exit(f"error: the server closed the connection: {error}")
    except OSError as error:
        sys.exit(f"error: cannot connect to {args.uri}: {error}")


if __name__ == "__main__":
    main()
