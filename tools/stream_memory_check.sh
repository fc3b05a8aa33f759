#!/usr/bin/env bash
# Feeds an hour (or $SECONDS_OF_AUDIO seconds) of generated 16 kHz s16le audio into `steno stream`
# and samples its resident memory (RSS) every $INTERVAL seconds. The RSS should level off within
# the first minute and stay flat; the script fails if the last sample exceeds the one taken after
# the first minute by more than $TOLERANCE_KB.
#
# Usage: tools/stream_memory_check.sh [MODEL [STENO_BINARY]]
#   MODEL          a model file (an untrained one is fine for memory), or "default" (the default) for
#                  the bundled model and language model
#   STENO_BINARY   default .build/release/steno (build it with `swift build -c release`)
# Environment: SECONDS_OF_AUDIO (3600), INTERVAL (5), TOLERANCE_KB (8192), PACE (0: as fast as possible;
#   1: real time, for a true live test).
# The audio: 7 s of speech-like noise then 3 s of near-silence, repeated, with a 60 s unbroken stretch
# every 10 minutes (to exercise the --max-utterance cut). Written by a small Python generator.
set -euo pipefail

model=${1:-default}
steno=${2:-.build/release/steno}
seconds=${SECONDS_OF_AUDIO:-3600}
interval=${INTERVAL:-5}
tolerance=${TOLERANCE_KB:-8192}
pace=${PACE:-0}

[ -x "$steno" ] || { echo "error: $steno not found; build with: swift build -c release" >&2; exit 1; }
model_options=()
if [ "$model" != default ]; then
    [ -f "$model" ] || { echo "error: $model: no such model file" >&2; exit 1; }
    model_options=(--model "$model")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/audio"

python3 - "$seconds" "$pace" > "$work/audio" <<'PY' &
import math, random, struct, sys, time
seconds, pace = int(sys.argv[1]), float(sys.argv[2])
rate = 16000
rng = random.Random(1)
out = sys.stdout.buffer
start = time.time()
for second in range(seconds):
    loud = second % 10 < 7 or second % 600 < 60
    amplitude = 0.3 if loud else 0.0005
    block = bytearray()
    for i in range(rate):
        envelope = 0.6 + 0.4 * math.sin(2 * math.pi * 4 * i / rate)
        value = (rng.random() - 0.5) * amplitude * envelope * 2
        block += struct.pack('<h', max(-32768, min(32767, int(value * 32767))))
    try:
        out.write(block)
        out.flush()
    except BrokenPipeError:
        break
    if pace > 0:
        delay = start + (second + 1) / pace - time.time()
        if delay > 0:
            time.sleep(delay)
PY
generator=$!

"$steno" stream "${model_options[@]}" < "$work/audio" > "$work/results.jsonl" 2> "$work/stderr" &
pid=$!

echo "time_s rss_kb results"
baseline=""
last=0
elapsed=0
while kill -0 "$pid" 2>/dev/null; do
    rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    [ -n "$rss" ] || break
    results=$(wc -l < "$work/results.jsonl")
    echo "$elapsed $rss $results"
    if [ -z "$baseline" ] && [ "$elapsed" -ge 60 ]; then baseline=$rss; fi
    last=$rss
    sleep "$interval"
    elapsed=$((elapsed + interval))
done
wait "$pid" && status=0 || status=$?
wait "$generator" || true

echo "steno exited with status $status; $(wc -l < "$work/results.jsonl") results"
if [ -s "$work/stderr" ]; then echo "stderr:"; cat "$work/stderr"; fi
[ "$status" -eq 0 ] || exit 1
if [ -n "$baseline" ] && [ "$last" -gt $((baseline + tolerance)) ]; then
    echo "FAIL: RSS grew from $baseline kB (after 1 min) to $last kB" >&2
    exit 1
fi
echo "OK: RSS ${baseline:-?} kB after 1 min, $last kB at the end"
