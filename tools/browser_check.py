#!/usr/bin/env python3
"""Check `steno serve`'s web page in a real headless browser (Debian's chromium).

Usage: tools/browser_check.py [--steno .build/release/steno] [--wav samples/station.wav]
                              [--expect "where is the train station"] [--screenshot work/serve-page.png]

Starts `steno serve --port 0` (bundled model and LM), then chromium headless with a fake microphone
that plays WAV (padded with silence so it ends an utterance; chromium loops the file), opens the page
with ?autostart=SECONDS so it captures for the length of the recording, and waits until it stopped.
Then it uploads the same WAV through the page's file picker (DevTools' DOM.setFileInputFiles), waits
for the transcript, takes a screenshot, and prints what the page shows. Exit status 0 when both the
live finals and the upload contain every expected word, 1 otherwise.

Needs: apt-get install chromium; pip install websockets.
"""
import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave
import base64

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def padded_wav(source, target, lead=0.5, tail=1.5):
    """Copies a 16-bit WAV with `lead` and `tail` seconds of silence around it; returns its duration."""
    with wave.open(source, "rb") as wf:
        params = wf.getparams()
        frames = wf.readframes(wf.getnframes())
    silence = lambda seconds: b"\0" * (int(params.framerate * seconds) * params.nchannels * params.sampwidth)
    with wave.open(target, "wb") as out:
        out.setparams(params)
        out.writeframes(silence(lead) + frames + silence(tail))
    return lead + params.nframes / params.framerate + tail


def start_server(steno):
    server = subprocess.Popen([steno, "serve", "--port", "0"], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = server.stderr.readline()
        match = re.search(r"listening on (http://[^/]+/)", line)
        if match:
            return server, match.group(1)
        if server.poll() is not None:
            sys.exit(f"error: steno serve exited: {line}")
    sys.exit("error: steno serve did not start listening within 60 s")


def start_browser(chromium, wav, profile):
    browser = subprocess.Popen([
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1000,900",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}", "--autoplay-policy=no-user-gesture-required",
        "about:blank",
    ], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = browser.stderr.readline()
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            return browser, match.group(1)
        if browser.poll() is not None:
            sys.exit(f"error: chromium exited: {line}")
    sys.exit("error: chromium did not start within 60 s")


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's WebSocket."""

    def __init__(self, socket):
        self.socket, self.next_id = socket, 0

    async def call(self, method, **params):
        self.next_id += 1
        await self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result["result"].get("value")

    async def wait_for(self, expression, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        return None


async def check(page_url, devtools_url, wav, seconds, screenshot):
    port = re.search(r":(\d+)/", devtools_url).group(1)
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
    page = next(t for t in targets if t["type"] == "page")
    async with websockets.connect(page["webSocketDebuggerUrl"], max_size=None) as socket:
        tools = DevTools(socket)
        await tools.call("Page.enable")
        await tools.call("Page.navigate", url=f"{page_url}?autostart={seconds:.1f}")
        if not await tools.wait_for("document.body && document.body.dataset.state === 'done'", seconds + 30):
            print("error: the page did not finish capturing", file=sys.stderr)
        live = await tools.evaluate("[...document.querySelectorAll('#finals li')].map(li => li.firstChild.textContent)")
        status = await tools.evaluate("document.getElementById('status').textContent")
        # The file picker: hand it the recording as a user would, and wait for the transcript.
        document = await tools.call("DOM.getDocument")
        node = await tools.call("DOM.querySelector", nodeId=document["root"]["nodeId"], selector="#file-input")
        await tools.call("DOM.setFileInputFiles", files=[os.path.abspath(wav)], nodeId=node["nodeId"])
        upload = await tools.wait_for("document.getElementById('upload-text').textContent", 30)
        upload_status = await tools.evaluate("document.getElementById('upload-status').textContent")
        shot = await tools.call("Page.captureScreenshot", format="png")
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        return live or [], status, upload or "", upload_status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steno", default=None, help="steno binary (default: .build/release/steno, else .build/debug/steno)")
    parser.add_argument("--wav", default=os.path.join(ROOT, "samples", "station.wav"))
    parser.add_argument("--expect", default="where is the train station", help="words the page must show")
    parser.add_argument("--screenshot", default=os.path.join(ROOT, "work", "serve-page.png"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    steno = args.steno or next((p for p in (os.path.join(ROOT, ".build", c, "steno") for c in ("release", "debug")) if os.path.exists(p)), None)
    if not steno:
        sys.exit("error: no steno binary; run swift build -c release (or pass --steno)")
    os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="steno-browser-") as scratch:
        wav = os.path.join(scratch, "speech.wav")
        seconds = padded_wav(args.wav, wav)
        server, page_url = start_server(steno)
        browser = None
        try:
            browser, devtools_url = start_browser(args.chromium, wav, os.path.join(scratch, "profile"))
            live, status, upload, upload_status = asyncio.run(check(page_url, devtools_url, args.wav, seconds, args.screenshot))
        finally:
            if browser:
                browser.terminate()
                browser.wait()
            server.send_signal(signal.SIGTERM)
            server.wait()
    expected = args.expect.split()
    live_text = " ".join(live)
    print(f"page status: {status}")
    print(f"live finals: {live}")
    print(f"upload: {upload_status}: {upload}")
    print(f"screenshot: {args.screenshot}")
    missing_live = [w for w in expected if w not in live_text.split()]
    missing_upload = [w for w in expected if w not in upload.split()]
    if missing_live or missing_upload:
        print(f"FAIL: missing live {missing_live}, upload {missing_upload}")
        sys.exit(1)
    print("OK: the page shows the expected words, live and uploaded")


if __name__ == "__main__":
    main()
