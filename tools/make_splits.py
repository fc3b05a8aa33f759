#!/usr/bin/env python3
"""Train / validation / test manifests for the corpora in ../shared/data, with explicit, documented splits.

    python3 tools/make_splits.py [--data ../shared/data] [--out work/manifests]

Writes (absolute audio paths, so the manifests work from any folder):
  train.tsv, valid.tsv                  all corpora together
  test-<corpus>.tsv, valid-<corpus>.tsv  per corpus, for `steno evaluate`

Splits (whole speakers are held out wherever a corpus has more than one):
  fsdd            official split: recordings 0-4 of every speaker and digit are TEST; 5-9 are VALID; 10-49 TRAIN.
  minilibri       speakers listed in HELD_OUT below are VALID or TEST; the other 20 speakers TRAIN.
  speechocean762  speakers (first 4 digits of the id) listed below are VALID or TEST; the rest TRAIN.
  an4             official test split (the 10 speakers in HELD_OUT); 6 more speakers VALID; the rest TRAIN.
  speech_commands speakers (the id before _nohash_) listed below are VALID or TEST; the rest TRAIN.
  arctic_cathy, vctk_p239  one speaker each: TRAIN only (they cannot give held-out speakers).
Nothing here is random: the lists are fixed so every run and every later session gets the same split.
"""
import argparse
import os

HELD_OUT = {
    "minilibri": {
        "valid": ["1867", "3664"],
        "test": ["1898", "5789"],
    },
    "an4": {
        # The corpus's official test speakers; VALID is three women and three men from its training part.
        "valid": ["fbbh", "fclc", "fejs", "mblb", "mcen", "mdcs"],
        "test": ["fcaw", "fjlp", "fvap", "marh", "mdms2", "menk", "miry", "mjgm", "mjwl", "mmxg"],
    },
    "speech_commands": {
        "valid": ["563aa4e6", "51055bda", "dabf67d9", "a7545b9f", "bf8d5617", "a8ee11c7"],
        "test": ["93ec8b84", "a8cb6dda", "8d4cdc60", "f428ca69", "e4a2cf79", "7ff085e1"],
    },
    "speechocean762": {
        "valid": ["0002", "0013", "0059", "0104", "0137", "0212", "0242", "0304", "0540", "0650"],
        "test": ["0003", "0014", "0073", "0106", "0140", "0216", "0243", "0306", "0541", "0691"],
    },
}


def speaker(corpus, name):
    stem = os.path.splitext(os.path.basename(name))[0]
    if corpus == "minilibri":
        return stem.split("-")[0]
    if corpus == "speechocean762":
        return stem[:4]
    if corpus == "an4":
        return stem.split("-")[1]
    if corpus == "speech_commands":
        return stem.split("_")[1]
    return ""


def split_of(corpus, name):
    stem = os.path.splitext(os.path.basename(name))[0]
    if corpus == "fsdd":
        index = int(stem.split("_")[2])
        return "test" if index <= 4 else "valid" if index <= 9 else "train"
    if corpus in HELD_OUT:
        who = speaker(corpus, name)
        for part, speakers in HELD_OUT[corpus].items():
            if who in speakers:
                return part
        return "train"
    return "train"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    parser.add_argument("--out", default=os.path.join(here, "..", "work", "manifests"))
    args = parser.parse_args()
    data = os.path.abspath(args.data)
    os.makedirs(args.out, exist_ok=True)
    rows = {"train": [], "valid": []}
    counts = {}
    for corpus in sorted(os.listdir(data)):
        manifest = os.path.join(data, corpus, "manifest.tsv")
        if not os.path.isfile(manifest):
            continue
        parts = {"train": [], "valid": [], "test": []}
        with open(manifest, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                path, text = line.split("\t", 1)
                parts[split_of(corpus, path)].append(f"{os.path.join(data, corpus, path)}\t{text}")
        for part, lines in parts.items():
            counts[(corpus, part)] = len(lines)
            if part in rows:
                rows[part] += lines
            if part != "train" and lines:
                with open(os.path.join(args.out, f"{part}-{corpus}.tsv"), "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
    for part, lines in rows.items():
        with open(os.path.join(args.out, f"{part}.tsv"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    for (corpus, part), n in sorted(counts.items()):
        print(f"{corpus:16s} {part:6s} {n:5d}")


if __name__ == "__main__":
    main()
