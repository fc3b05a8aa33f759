#!/usr/bin/env bash
# Reproduces Steno's default model and language model from ../shared/data, end to end:
#   tools/train-default-model.sh [DATA] [WORK]      (defaults: ../shared/data and work/default-model)
# On the 2-core development machine: splits and synthesis a few minutes, training about 1.5 hours
# (7 epochs of ~12 minutes on one core; keep the other core idle: a build or benchmark there slowed
# training about threefold), the language model, LM tuning and the evaluation about 15 minutes.
# The results go to WORK; `--install` copies the model and LM into Sources/Steno/Resources, where
# the package ships them.
#
# Data (see tools/make_splits.py for the fixed speaker-disjoint splits):
#   real speech: minilibri (20 training speakers), speechocean762 (training speakers), arctic_cathy,
#                FSDD recordings 10-49; validation: the held-out validation speakers and FSDD 5-9.
#   synthetic:   1500 utterances from tools/synthesize_speech.py (espeak-ng, flite, festival voices,
#                noise and reverberation) reading training transcripts, fortunes and digit strings.
#   LM text:     the training transcripts and Debian's fortunes; never validation or test text.
set -euo pipefail
cd "$(dirname "$0")/.."
install=false
if [ "${1:-}" = "--install" ]; then install=true; shift; fi
data=${1:-../shared/data}
work=${2:-work/default-model}
mkdir -p "$work"

python3 tools/make_splits.py --data "$data" --out "$work/manifests"
if [ ! -f "$work/synthetic/manifest.tsv" ]; then
    python3 tools/synthesize_speech.py --text "$work/manifests/train.tsv" --fortunes --count 1500 --seed 1 \
        --exclude samples/manifest.tsv --out "$work/synthetic" --jobs 2
fi
swift build -c release --product steno
steno=.build/release/steno

# Acoustic model: 3 x 256 BiLSTM, latency control 2 + 1, 80 fbank bins stacked by 3, SpecAugment.
# An interrupted run is resumed from its checkpoint; a finished one (or a model without a checkpoint)
# is kept.
checkpoint="$work/model.steno.checkpoint"
if [ -f "$checkpoint" ] && ! "$steno" info "$checkpoint" | grep "checkpoint (finished" > /dev/null; then
    "$steno" train --train "$work/manifests/train.tsv" --train "$work/synthetic/manifest.tsv" \
        --valid "$work/manifests/valid.tsv" --output "$work/model.steno" --float16 --resume "$checkpoint"
elif [ ! -f "$work/model.steno" ]; then
    "$steno" train --train "$work/manifests/train.tsv" --train "$work/synthetic/manifest.tsv" \
        --valid "$work/manifests/valid.tsv" --output "$work/model.steno" --float16 \
        --epochs 7 --decay 0.8 --threads 1 --seed 1
fi

# Language model: a pruned 3-gram with interpolated modified Kneser-Ney smoothing.
python3 tools/fortune_sentences.py > "$work/fortunes.txt"
"$steno" lm build --order 3 --transcripts "$work/manifests/train.tsv" --text "$work/fortunes.txt" \
    --prune 0 1 1 --output "$work/lm.arpa"

# LM weight and word bonus: a small grid on the VALIDATION speakers (never the test set); the best
# pair is printed, to be set as the defaults in Sources/StenoCLI/DecodingArguments.swift. (For the
# shipped model, weights 0.3 and 0.8 with bonuses 0-4 were tried too and did no better than 0.5 / 2.)
cat "$work/manifests/valid-minilibri.tsv" "$work/manifests/valid-speechocean762.tsv" > "$work/valid-tune.tsv"
best=""
for weight in 0.5; do
    for bonus in 0 1 2; do
        wer=$("$steno" evaluate --model "$work/model.steno" --lm "$work/lm.arpa" --beam-width 16 --lm-weight $weight \
              --word-bonus $bonus --manifest "$work/valid-tune.tsv" | awk '/^WER:/ { sub("%", "", $2); print $2 }')
        echo "lm-weight $weight, word-bonus $bonus: validation WER $wer%"
        best=$(printf '%s\n%s %s %s\n' "$best" "$wer" "$weight" "$bonus" | sort -n | grep . | head -1)
    done
done
read -r _ weight bonus <<< "$best"
echo "best on validation: --lm-weight $weight --word-bonus $bonus"

# Held-out evaluation (test splits only): greedy, and with the LM as the CLI uses it by default.
printf 'zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n' > "$work/digits.txt"
metrics=()
figure() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }  # REPORT KEY
for set in fsdd minilibri speechocean762; do
    for mode in greedy lm; do
        flags=(--no-lm)
        [ $mode = lm ] && flags=(--lm "$work/lm.arpa" --beam-width 16 --lm-weight "$weight" --word-bonus "$bonus")
        "$steno" evaluate --model "$work/model.steno" "${flags[@]}" --manifest "$work/manifests/test-$set.tsv" --json "$work/test-$set.$mode.json"
        metrics+=(--metric "test_wer_${set}_$mode=$(figure "$work/test-$set.$mode.json" wer)")
        metrics+=(--metric "test_cer_${set}_$mode=$(figure "$work/test-$set.$mode.json" cer)")
    done
done
"$steno" evaluate --model "$work/model.steno" --no-lm --vocabulary "$work/digits.txt" --beam-width 16 \
    --manifest "$work/manifests/test-fsdd.tsv" --json "$work/test-fsdd.vocabulary.json"
metrics+=(--metric "test_wer_fsdd_vocabulary=$(figure "$work/test-fsdd.vocabulary.json" wer)")
"$steno" annotate "$work/model.steno" --notes-file tools/default-model-notes.txt "${metrics[@]}" \
    --training-data "real speech: minilibri, speechocean762, arctic_cathy and FSDD training splits (tools/make_splits.py)" \
    --training-data "synthetic speech: tools/synthesize_speech.py --count 1500 --seed 1" \
    --validation-data "minilibri, speechocean762 validation speakers and FSDD recordings 5-9"

if $install; then
    cp "$work/model.steno" Sources/Steno/Resources/default.steno
    cp "$work/lm.arpa" Sources/Steno/Resources/default.arpa
    echo "installed into Sources/Steno/Resources"
fi
