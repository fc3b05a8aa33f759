#!/usr/bin/env python3
"""Writes Tests/StenoTests/Fixtures/error_rate_reference.json: WER/CER and S/D/I counts
computed by jiwer, for the Swift ErrorRate tests to match exactly.

Run by hand from the repository root:

    pip install jiwer          # tested with jiwer 4.0.0, rapidfuzz 3.14
    python3 tools/make_error_rate_fixtures.py

Each case holds the reference, the hypothesis, and for "words" and "characters" the
substitutions, deletions, insertions, reference length and the rate in percent.
Besides the hand-picked cases there are seeded random pairs over a three-word vocabulary,
where equal-cost alignments are common, to pin down the tie-breaking.
"""

import importlib.metadata
import json
import os
import random
import sys

import jiwer

CASES = [
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("the cat sat on the mat", ""),
    ("hello", "hello hello hello"),
    ("a b c d", "w x y z"),
    ("a b", "b c"),
    ("the cat", "oh the cat"),
    ("the cat", "the cat meows now"),
    ("one two three", "two three"),
    ("one two three", "one three"),
    ("the the the the", "the the"),
    ("a a b b", "b b a a"),
    ("the quick brown fox", "the quack brown box jumps"),
    ("it's o'clock", "its o clock"),
    ("naïve café über", "naive café uber"),
    ("日本語 の テキスト", "日本語 テキスト"),
    ("  leading and trailing  ", "leading   and trailing"),
    ("x", "y"),
    ("abc", "acb"),
    ("kitten sitting", "sitting kitten"),
    ("a b c a b c a b c", "a c b a c b"),
    ("i want to go to the store to buy some milk and bread",
     "i want go to the store too by sum milk an bread today"),
    ("he hoped there would be stew for dinner turnips and carrots and bruised potatoes "
     "and fat mutton pieces to be ladled out in thick peppered flour fattened sauce",
     "he hoped there would be stew for dinner turnips and carrots and bruised potatoes "
     "and fat mutton pieces to be ladled out in the thick peppered flower fat and sauce"),
    ("to be or not to be that is the question", "to be or not to be that is the question question"),
    ("mississippi", "misisipi"),
    ("a", "a b c d e f"),
    # Empty references: jiwer 4 gives the rate as the insertion count (3.x refused them).
    ("", "a b"),
    ("", ""),
    ("   ", "x"),
]


def counts(output, reference_length):
    return {
        "substitutions": output.substitutions,
        "deletions": output.deletions,
        "insertions": output.insertions,
        "referenceLength": reference_length,
    }


def measure(reference, hypothesis):
    words = jiwer.process_words(reference, hypothesis)
    characters = jiwer.process_characters(reference, hypothesis)
    word_length = sum(len(r) for r in words.references)
    character_length = sum(len(r) for r in characters.references)
    return {
        "reference": reference,
        "hypothesis": hypothesis,
        "words": dict(counts(words, word_length), rate=100 * words.wer),
        "characters": dict(counts(characters, character_length), rate=100 * characters.cer),
    }


def main():
    cases = [measure(r, h) for r, h in CASES]
    rng = random.Random(20240601)
    vocabulary = ["a", "b", "c"]
    for _ in range(60):
        reference = " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(1, 9)))
        hypothesis = " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(0, 9)))
        cases.append(measure(reference, hypothesis))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "StenoTests", "Fixtures", "error_rate_reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"jiwer": importlib.metadata.version("jiwer"), "cases": cases},
                  file, ensure_ascii=False, indent=1)
        file.write("\n")
    print(f"wrote {len(cases)} cases to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
