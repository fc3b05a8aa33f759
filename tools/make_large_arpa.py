#!/usr/bin/env python3
"""Write a big synthetic trigram ARPA file, for timing NGramLanguageModel's loader.

    tools/make_large_arpa.py /tmp/large.arpa            # about 200 MB
    tools/make_large_arpa.py /tmp/small.arpa --megabytes 20 --seed 2
    STENO_LM_BENCH=/tmp/large.arpa swift test -c release --filter NGramLanguageModel

The words are made-up syllable strings drawn with Zipf-like frequencies, the scores are random,
and the counts in \\data\\ match the sections. Like a real back-off model, every trigram's
prefix and suffix bigrams are listed, so the loader adds no contexts of its own.
The same seed gives the same file. Never commit the output.
"""

import argparse
import itertools
import os
import random
import shutil
import sys
import tempfile

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["th", "sh", "ng", "st", "er", "an"]


def make_vocabulary(rng, size):
    words, seen = [], set()
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="path of the ARPA file to write")
    parser.add_argument("--megabytes", type=float, default=200, help="approximate file size (default 200)")
    parser.add_argument("--vocabulary", type=int, default=100_000, help="number of words (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    target = int(args.megabytes * 1_000_000)
    words = make_vocabulary(rng, args.vocabulary)
    vocabulary = ["<unk>", "<s>", "</s>"] + words
    size = len(vocabulary)
    # Zipf-like: the k-th word (from 1) has weight 1/k; <unk>, </s> are rare, <s> only starts.
    cumulative = list(itertools.accumulate(1.0 / (k + 1) for k in range(size)))
    ids = range(size)

    def draw(count):
        return rng.choices(ids, cum_weights=cumulative, k=count)

    def score(low):
        return "%.6f" % -rng.uniform(0.01, low)

    directory = os.path.dirname(os.path.abspath(args.output))
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        paths = [os.path.join(scratch, "%d.txt" % n) for n in (1, 2, 3)]
        counts = [size, 0, 0]
        written = 0
        with open(paths[0], "w") as out:
            for index, word in enumerate(vocabulary):
                probability = "-99" if word == "<s>" else score(7)
                line = "%s\t%s\t%s\n" % (probability, word, score(1)) if word != "</s>" else "%s\t%s\n" % (probability, word)
                out.write(line)
                written += len(line)

        # Bigrams for 40 % of what the 1-grams leave of the target, each word drawn by frequency.
        bigrams, successors, seen = [], {}, set()
        with open(paths[1], "w") as out:
            unigram_bytes = written
            while written < unigram_bytes + 0.4 * (target - unigram_bytes) or not bigrams:
                for first, second in zip(draw(100_000), draw(100_000)):
                    if second == 1 or first == 2 or first * size + second in seen:
                        continue
                    seen.add(first * size + second)
                    bigrams.append((first, second))
                    successors.setdefault(first, []).append(second)
                    line = "%s\t%s %s\t%s\n" % (score(5), vocabulary[first], vocabulary[second], score(1))
                    out.write(line)
                    written += len(line)
            counts[1] = len(bigrams)
        del seen

        # Trigrams until the target: a listed bigram (a, b) and a listed successor c of b,
        # so both (a, b) and (b, c) exist.
        seen = set()
        with open(paths[2], "w") as out:
            misses = 0
            while written < target and misses < 1_000_000:
                for index in rng.choices(range(len(bigrams)), k=100_000):
                    first, second = bigrams[index]
                    following = successors.get(second)
                    if not following:
                        continue
                    third = following[rng.randrange(len(following))]
                    key = (first * size + second) * size + third
                    if key in seen:
                        misses += 1
                        continue
                    seen.add(key)
                    line = "%s\t%s %s %s\n" % (score(4), vocabulary[first], vocabulary[second], vocabulary[third])
                    out.write(line)
                    written += len(line)
            counts[2] = len(seen)

        with open(args.output, "w") as out:
            out.write("\\data\\\n")
            for n, count in enumerate(counts, start=1):
                out.write("ngram %d=%d\n" % (n, count))
            for n, path in enumerate(paths, start=1):
                out.write("\n\\%d-grams:\n" % n)
                with open(path) as section:
                    shutil.copyfileobj(section, out, 1 << 20)
            out.write("\n\\end\\\n")
    print("%s: %d bytes, n-grams %s" % (args.output, os.path.getsize(args.output), counts), file=sys.stderr)


if __name__ == "__main__":
    main()
