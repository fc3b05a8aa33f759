#!/usr/bin/env bash
# Fits the word-confidence calibration of a model (and LM) on the validation splits and reports it on
# the held-out test splits: ROC AUC of confidence for right vs wrong words, and expected calibration
# error (targets: AUC >= 0.8, ECE <= 0.05).
#
#   tools/calibrate_confidence.sh [--model MODEL] [--lm LM] [--manifests DIR] [--out DIR] [-- DECODING...]
#
# DECODING are `steno-bench decoding` config keys for the beam search (default "unk=0 char=-2": the
# CLI's default decoding, beam 16, α 0.5, β 2, open vocabulary with its unknown-word model; keep it in
# step with DecodingArguments); the best path (beam=1) is fitted too.
# Prints the coefficients as Swift: paste them into ConfidenceModel.bundled
# (Sources/StenoCTC/WordConfidence.swift), rebuild, and run again: the "as the library computed"
# rows then equal the fitted ones. Network outputs are cached in OUT (valid.cache, test.cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifests=/work/manifests
out=/tmp/steno-calibrate
model_args=()
decoding="unk=0 char=-2"
while [ $# -gt 0 ]; do
    case "$1" in
        --model|--lm) model_args+=("$1" "$2"); shift 2 ;;
        --manifests) manifests="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --) shift; decoding="$*"; break ;;
        *) echo "usage: tools/calibrate_confidence.sh [--model MODEL] [--lm LM] [--manifests DIR] [--out DIR] [-- key=value...]" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
(cd "$root" && swift build -c release --product steno-bench >&2)
for split in valid test; do
    inputs=()
    for manifest in "$manifests/$split"-*.tsv; do inputs+=(--manifest "$manifest"); done
    [ ${#inputs[@]} -gt 0 ] || { echo "no $split-*.tsv in $manifests (run tools/make_splits.py)" >&2; exit 1; }
    "$root/.build/release/steno-bench" decoding "${inputs[@]}" "${model_args[@]}" --cache "$out/$split.cache" \
        --words "$out/${split}_words.tsv" --config "beam beam=16 $decoding" --config "best beam=1" | tee "$out/${split}_decoding.tsv" >&2
done
python3 "$root/tools/calibrate_confidence.py" --fit "$out/valid_words.tsv" --test "$out/test_words.tsv" --config beam --config-best-path best
