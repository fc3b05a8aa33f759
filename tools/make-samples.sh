#!/usr/bin/env bash
# Regenerates the bundled sample recordings in samples/ with espeak-ng (Debian package espeak-ng).
# espeak-ng writes 22 050 Hz mono 16-bit WAV, which also exercises Steno's resampling.
set -euo pipefail
cd "$(dirname "$0")/../samples"
manifest=manifest.tsv
printf '# path<TAB>transcript: speech synthesised by tools/make-samples.sh with espeak-ng\n' > "$manifest"
while IFS='|' read -r name voice speed text; do
    espeak-ng -v "$voice" -s "$speed" -w "$name.wav" "$text"
    printf '%s.wav\t%s\n' "$name" "$text" >> "$manifest"
done <<'LIST'
hello|en-us|150|hello world this is steno
digits|en-us+m3|140|one two three four five
weather|en-gb|150|the weather is cold and windy today
LIST
