#!/usr/bin/env python3
"""Writes a pronunciation dictionary for `steno train --phone-dictionary`: every word of the given
manifests' transcripts with its phones as espeak-ng (Debian `espeak-ng`) says them, one line each:

    word<TAB>phone phone ...

    tools/make_pronunciations.py /work/train-v2/manifests/train.tsv /work/train-v2/synthetic/manifest.tsv \
        --out /work/train-v2/pronunciations.tsv

Words are the transcripts lowercased, split on anything but letters and apostrophes (the way
`steno train` normalizes the transcripts it reads, numbers apart: spell them out in the manifest).
Phones are espeak-ng's IPA symbols without stress marks; a length mark stays with its vowel, so
"iː" and "i" are different phones. Words espeak-ng cannot say are left out (the trainer then skips
the phone loss for utterances holding them, and says how many).
"""
import argparse
import json
import re
import os
import subprocess
import sys

STRESS = str.maketrans("", "", "ˈˌ\u200d")
# Said alone, espeak-ng gives the letter's name; in running speech "a" is a schwa.
OVERRIDES = {"a": ["ɐ"]}


def transcripts(path):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.lstrip().startswith("{"):
                try:
                    yield json.loads(line)["text"]
                except (ValueError, KeyError) as error:
                    sys.exit(f"{path}:{number}: not a JSON line with a text field ({error})")
            else:
                cells = line.split("\t")
                if len(cells) < 2:
                    sys.exit(f"{path}:{number}: expected audio path, a tab and the transcript")
                yield cells[1]


def words(text):
    return [w.strip("'") for w in re.sub(r"[^a-z']+", " ", text.lower()).split() if w.strip("'")]


def espeak(batch, voice):
    """Phones of each word of `batch` (one espeak-ng call), or None if the lines do not match up."""
    result = subprocess.run(["espeak-ng", "-q", "--ipa", "--sep= ", "-v", voice], input="\n".join(batch) + "\n",
                            capture_output=True, text=True, check=True)
    lines = [line for line in result.stdout.split("\n") if line.strip()]
    if len(lines) != len(batch):
        return None
    return [line.translate(STRESS).split() for line in lines]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifests", nargs="+", help="TSV or JSON-lines manifests")
    parser.add_argument("--out", required=True)
    parser.add_argument("--voice", default="en-us", help="espeak-ng voice (default en-us)")
    args = parser.parse_args()
    vocabulary = sorted({w for path in args.manifests for text in transcripts(path) for w in words(text)})
    if not vocabulary:
        sys.exit("no words in the manifests")
    entries, missing = [], []
    for start in range(0, len(vocabulary), 400):
        batch = vocabulary[start:start + 400]
        phones = espeak(batch, args.voice)
        if phones is None:  # a word spoken as several clauses: one call each
            phones = [(espeak([w], args.voice) or [[]])[0] for w in batch]
        for word, sequence in zip(batch, phones):
            sequence = OVERRIDES.get(word, sequence)
            (entries if sequence else missing).append((word, sequence))
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        f.write(f"# espeak-ng -v {args.voice} --ipa, stress marks removed; {len(entries)} words from {len(args.manifests)} manifests\n")
        for word, sequence in entries:
            f.write(f"{word}\t{' '.join(sequence)}\n")

    os.replace(args.out + ".tmp", args.out)
    inventory = sorted({p for _, s in entries for p in s})
    print(f"{args.out}: {len(entries)} words, {len(inventory)} phones; {len(missing)} words without phones", file=sys.stderr)


if __name__ == "__main__":
    main()
