#!/usr/bin/env bash
# Language model v2: word n-gram models from ../shared/data/lm_text (~12 M words) plus the training
# transcripts, order and pruning chosen by perplexity on the validation transcripts, at most ~40 MB
# in the binary format. Test and validation text never enters the model (tools/prepare_lm_text.py
# drops every sentence sharing a 6-word sequence with them).
#
#   tools/make_lm_v2.sh [--manifests DIR] [--out DIR] [--train-copies N] [CANDIDATE...]
#
# A candidate is ORDER:PRUNE, e.g. 3:0,1,1 (KenLM-style count thresholds per order, unigrams first).
# Defaults: /work/manifests, /work/lm-v2, the training transcripts once (--train-copies N writes them N
# times, weighting the recognizer's own domains; use another --out, the text differs), and the candidates below. Each is built with
# `steno lm build` (release build; about 4-5 minutes and 2 GB each on the development machine),
# written in the binary format, and measured with `steno lm perplexity` on valid.tsv. Writes
# OUT/perplexity.tsv (order, pruning, n-gram counts, MiB, perplexity, OOV rate) and copies the
# smallest candidate within the size limit and 1% of the lowest perplexity to OUT/lm.bin.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifests=/work/manifests
out=/work/lm-v2
limit_mb=40
train_copies=1
candidates=()
while [ $# -gt 0 ]; do
    case "$1" in
        --manifests) manifests="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --train-copies) train_copies="$2"; shift 2 ;;
        -*) echo "usage: tools/make_lm_v2.sh [--manifests DIR] [--out DIR] [--train-copies N] [ORDER:PRUNE...]" >&2; exit 2 ;;
        *) candidates+=("$1"); shift ;;
    esac
done
[ ${#candidates[@]} -gt 0 ] || candidates=(3:0,1,1 3:0,1,2 3:0,2,2 4:0,1,2,3 4:0,2,2,3 4:0,2,3,4)
mkdir -p "$out"
(cd "$root" && swift build -c release --product steno >&2)
steno="$root/.build/release/steno"
text="$out/lm_text.txt"
[ -s "$text" ] || python3 "$root/tools/prepare_lm_text.py" --manifests "$manifests" --train-copies "$train_copies" --out "$text"
table="$out/perplexity.tsv"
[ -s "$table" ] || printf 'order\tprune\tngrams\tmegabytes\tperplexity\tperplexity_with_oov\toov_rate\tfile\n' > "$table"
for candidate in "${candidates[@]}"; do
    order="${candidate%%:*}"
    prune="${candidate#*:}"
    name="o${order}_p${prune//,/}"
    file="$out/$name.bin"
    if [ ! -s "$file" ]; then
        echo "== $name: building" >&2
        "$steno" lm build --order "$order" --prune ${prune//,/ } --text "$text" --output "$file" 2> "$out/$name.log"
    fi
    grep -q "	$file\$" "$table" && continue
    json="$("$steno" lm perplexity --lm "$file" --transcripts "$manifests/valid.tsv")"
    field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$json"; }
    ngrams="$(grep -o '[0-9]*-grams [0-9]*' "$out/$name.log" | awk '{ s += $2 } END { print s }')"
    megabytes="$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1048576:.1f}')" "$file")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$order" "$prune" "$ngrams" "$megabytes" "$(field perplexity)" \
        "$(field perplexity_with_oov)" "$(field oov_rate)" "$file" | tee -a "$table" >&2
done
# The smallest candidate within the size limit whose perplexity is within 1% of the lowest there
# (a smaller model loads, pages in and searches faster; 1% of perplexity is noise at this scale).
best="$(tail -n +2 "$table" | awk -F'\t' -v limit="$limit_mb" '$4 <= limit' | sort -t$'\t' -k5,5g \
    | awk -F'\t' 'NR == 1 { lowest = $5 } $5 <= 1.01 * lowest' | sort -t$'\t' -k4,4g | head -1 | cut -f8)"
[ -n "$best" ] || { echo "no candidate within $limit_mb MB" >&2; exit 1; }
cp "$best" "$out/lm.bin.tmp" && mv "$out/lm.bin.tmp" "$out/lm.bin"
echo "chosen: $best -> $out/lm.bin" >&2
column -t -s$'\t' "$table" >&2
