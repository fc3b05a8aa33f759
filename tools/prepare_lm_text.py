#!/usr/bin/env python3
"""Writes the text for the language model v2: ../shared/data/lm_text/*.gz plus the transcripts of the
training manifest, one sentence per line, leaving out every sentence that shares a 6-word sequence
with a validation or test transcript (so perplexity on the validation transcripts is honest and no
test text reaches the LM; lm_text was already filtered against the hidden test sets, this adds our
own splits).

    tools/prepare_lm_text.py --manifests /work/manifests --out /tmp/lm_text.txt

Normalization here is only for the overlap check (lowercase, letters and apostrophes); the lines
are written as they are, and `steno lm build` normalizes them as transcripts are normalized.
"""
import argparse
import glob
import gzip
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def words(text):
    return re.sub(r"[^a-z' ]+", " ", text.lower()).replace(" '", " ").replace("' ", " ").split()


def ngrams(tokens, n=6):
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def transcripts(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 2 and not line.startswith("#"):
                yield cells[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", default="/work/manifests", help="folder of make_splits.py's manifests")
    parser.add_argument("--text", default=os.path.join(HERE, "..", "..", "shared", "data", "lm_text"),
                        help="folder of lm_text/*.gz (default ../shared/data/lm_text beside the repository)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--train-copies", type=int, default=1,
                        help="write the training transcripts this many times (weights the recognizer's own domains)")
    args = parser.parse_args()
    held_out = set()
    short_held_out = set()
    for path in sorted(glob.glob(os.path.join(args.manifests, "valid*.tsv")) + glob.glob(os.path.join(args.manifests, "test*.tsv"))):
        for text in transcripts(path):
            tokens = words(text)
            if len(tokens) >= 6:
                held_out |= ngrams(tokens)
            elif len(tokens) >= 3:
                short_held_out.add(tuple(tokens))  # short prompts: drop exact repeats only
    kept = dropped = 0
    sources = sorted(glob.glob(os.path.join(args.text, "*.gz")))
    if not sources:
        sys.exit(f"no *.gz in {args.text}")
    with open(args.out + ".tmp", "w", encoding="utf-8") as out:
        def emit(line):
            nonlocal kept, dropped
            tokens = words(line)
            if not tokens:
                return
            if tuple(tokens) in short_held_out or (len(tokens) >= 6 and not held_out.isdisjoint(ngrams(tokens))):
                dropped += 1
                return
            out.write(line.strip() + "\n")
            kept += 1
        for path in sources:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for line in f:
                    emit(line)
        for _ in range(args.train_copies):
            for text in transcripts(os.path.join(args.manifests, "train.tsv")):
                emit(text)
    os.replace(args.out + ".tmp", args.out)
    print(f"{kept} sentences written to {args.out}; {dropped} left out for sharing text with validation or test transcripts "
          f"({len(held_out)} held-out 6-grams, {len(short_held_out)} short held-out sentences)", file=sys.stderr)


if __name__ == "__main__":
    main()
