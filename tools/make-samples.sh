#!/usr/bin/env bash
# Regenerates the bundled sample recordings in samples/ with Debian's TTS engines
# (packages espeak-ng, flite). espeak-ng writes 22 050 Hz and flite 16 kHz mono 16-bit WAV, which
# also exercises Steno's resampling. None of these sentences is in the training text.
#
# manifest.tsv: recordings the default model transcribes correctly (the README's first command
#   uses one). For the v2 model they were picked from 96 candidates (12 sentences x 8 voices: flite
#   rms, slt, awb, kal; espeak-ng en-us, en-gb, en-us+m3, en-us+f3 at 140 words a minute); the shipped
#   v2 (epoch 14) with its LM got 6 of the 96 exactly right (epoch 7 got 3, the v1 model 3 of 48), so
#   they show the tool working, not its accuracy: see the README's table. With epoch 29 the espeak-ng
#   en-gb take of "what time is it now" came out "what time isit no"; of eight takes of that sentence
#   (flite slt, rms, awb, kal; espeak-ng en-us, en-gb, en-us+m3, en-us+f3) flite rms was right, and replaced it.
# fixtures.tsv: espeak-ng recordings the tests use as audio input (their text is in the tests).
set -euo pipefail
cd "$(dirname "$0")/../samples"
synthesize() {  # name engine voice text
    case "$2" in
        espeak-ng) espeak-ng -v "$3" -s "${SPEED:-150}" -w "$1.wav" "$4" ;;
        flite) flite -voice "$3" -t "$4" -o "$1.wav" ;;
    esac
}
printf '# path<TAB>transcript: tools/make-samples.sh (espeak-ng, flite); the default model transcribes these correctly\n' > manifest.tsv
while IFS='|' read -r name engine voice text; do
    SPEED=140 synthesize "$name" "$engine" "$voice" "$text"
    printf '%s.wav\t%s\n' "$name" "$text" >> manifest.tsv
done <<'LIST'
station|flite|slt|where is the train station
time|flite|rms|what time is it now
LIST
printf '# path<TAB>transcript: tools/make-samples.sh (espeak-ng); audio for the tests\n' > fixtures.tsv
while IFS='|' read -r name voice speed text; do
    espeak-ng -v "$voice" -s "$speed" -w "$name.wav" "$text"
    printf '%s.wav\t%s\n' "$name" "$text" >> fixtures.tsv
done <<'LIST'
hello|en-us|150|hello world this is steno
digits|en-us+m3|140|one two three four five
weather|en-gb|150|the weather is cold and windy today
LIST
