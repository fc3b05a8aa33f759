#!/usr/bin/env bash
# Tunes the open-vocabulary unknown-word model (a cost once per unknown word, and per character) on
# the validation splits, against the closed vocabulary (only the LM's words), for a model and LM.
#
#   tools/tune_open_vocabulary.sh [--model MODEL] [--lm LM] [--manifests DIR] [--out DIR]
#
# Defaults: the bundled model and LM, /work/manifests (python3 tools/make_splits.py --out DIR), and
# /tmp/steno-tune. Runs `steno-bench decoding` (release build) over valid-*.tsv: the network runs
# once per utterance (cached in OUT/valid.cache), then each setting is a search over the cache. Prints
# the table (WER, substitutions, deletions, insertions, recall of reference words outside the LM,
# decoding time over audio time) and the best setting; put it into DecodingArguments
# (openVocabularyByDefault, defaultUnknownWordPenalty, defaultUnknownCharacterPenalty) if the open
# vocabulary beats the closed one. Deterministic: the same model, LM and manifests give the same table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifests=/work/manifests
out=/tmp/steno-tune
model_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --model|--lm) model_args+=("$1" "$2"); shift 2 ;;
        --manifests) manifests="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "usage: tools/tune_open_vocabulary.sh [--model MODEL] [--lm LM] [--manifests DIR] [--out DIR]" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
(cd "$root" && swift build -c release --product steno-bench >&2)
inputs=()
for manifest in "$manifests"/valid-*.tsv; do inputs+=(--manifest "$manifest"); done
[ ${#inputs[@]} -gt 0 ] || { echo "no valid-*.tsv in $manifests (run tools/make_splits.py)" >&2; exit 1; }
configs=(--config "closed beam=16 vocab=closed")
for unk in 0 -2 -4 -6; do
    for char in -0.5 -1 -1.5 -2 -3; do
        configs+=(--config "open_unk${unk}_char${char} beam=16 unk=$unk char=$char")
    done
done
"$root/.build/release/steno-bench" decoding "${inputs[@]}" "${model_args[@]}" --cache "$out/valid.cache" "${configs[@]}" | tee "$out/open_vocabulary.tsv"
echo "best by WER:" >&2
grep -v '^#' "$out/open_vocabulary.tsv" | tail -n +2 | sort -t$'\t' -k2,2g | head -3 >&2
