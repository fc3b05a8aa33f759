#!/usr/bin/env bash
# Checks that `steno transcribe` holds a long file in bounded memory: it transcribes a 6-minute and a
# 2-hour generated recording (pink noise bursts and pauses, 16 kHz) and compares their peak RSS.
# Fails when the long file needs more than $TOLERANCE_KB beyond the short one.
#
# Usage: tools/long_file_check.sh [MODEL [STENO_BINARY]]     (needs sox and GNU time)
#   MODEL          a model file, or "default" (the default) for the bundled model and language model
#   STENO_BINARY   default .build/release/steno (build it with `swift build -c release`)
set -euo pipefail
model=${1:-default}
steno=${2:-.build/release/steno}
model_options=()
[ "$model" = default ] || model_options=(--model "$model")
[ -x "$steno" ] || { echo "error: $steno not found; build with: swift build -c release" >&2; exit 1; }
tolerance=${TOLERANCE_KB:-16384}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for minutes in 6 120; do
    sox -n -r 16000 -c 1 -b 16 "$work/$minutes.wav" synth $((minutes * 60)) pinknoise vol 0.3 tremolo 0.3 90
done
declare -A peak
for minutes in 6 120; do
    /usr/bin/time -f "%M %e" -o "$work/time-$minutes" "$steno" transcribe "${model_options[@]}" "$work/$minutes.wav" > /dev/null
    read -r kb seconds < "$work/time-$minutes"
    peak[$minutes]=$kb
    echo "$minutes min: peak RSS ${kb} kB, ${seconds} s"
done
if [ "${peak[120]}" -gt $((peak[6] + tolerance)) ]; then
    echo "FAIL: the 2-hour file needs $((peak[120] - peak[6])) kB more than the 6-minute one" >&2
    exit 1
fi
echo "OK: peak RSS does not grow with the length of the file"
