#!/usr/bin/env python3
"""A word n-gram LM in the ARPA format with interpolated absolute discounting (Ney et al., 1994).

    python3 tools/make_arpa.py --order 3 --output lm.arpa TEXT_OR_MANIFEST...

A stop-gap and an independent reference: `steno lm build` (modified Kneser-Ney, in Swift) is the
project's own builder. Inputs are text files (one sentence per line) or manifests (`path<TAB>text`,
recognised by a TAB); text is lowercased, digits and punctuation dropped, so keep inputs already
normalised if that matters. Keep test-set transcripts out of the inputs.

P(w | h) = max(c(h w) - D, 0) / c(h) + D * N1+(h .) / c(h) * P(w | h'), with D = 0.7 at every order
and a uniform distribution below the unigrams. In ARPA form the seen n-grams carry the interpolated
probability and each context h the back-off weight D * N1+(h .) / c(h), which reproduces the
interpolated model exactly.
"""
import argparse
import math
import re
from collections import defaultdict

DISCOUNT = 0.7


def sentences(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                if "\t" in line:
                    line = line.split("\t", 1)[1]
                words = re.sub(r"[^a-z' ]+", " ", line.lower()).split()
                if words:
                    yield words


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--output", required=True)
    parser.add_argument("inputs", nargs="+")
    args = parser.parse_args()
    n = args.order
    counts = [defaultdict(int) for _ in range(n + 1)]  # counts[k][tuple of k words]
    for words in sentences(args.inputs):
        tokens = ["<s>"] + words + ["</s>"]
        for k in range(1, n + 1):
            for i in range(len(tokens) - k + 1):
                gram = tuple(tokens[i:i + k])
                if k == 1 and gram == ("<s>",):
                    continue
                counts[k][gram] += 1
    vocabulary = sorted({g[0] for g in counts[1]} | {"<s>", "<unk>"})
    total = sum(counts[1].values())
    probabilities = [dict() for _ in range(n + 1)]
    backoffs = [dict() for _ in range(n + 1)]
    # Unigrams: discounted counts plus the mass spread uniformly over the vocabulary (incl. <unk>).
    uniform = 1.0 / len(vocabulary)
    seen = len(counts[1])
    for w in vocabulary:
        if w == "<s>":
            continue
        c = counts[1].get((w,), 0)
        probabilities[1][(w,)] = max(c - DISCOUNT, 0) / total + DISCOUNT * seen / total * uniform
    for k in range(2, n + 1):
        context_totals = defaultdict(int)
        context_types = defaultdict(int)
        for gram, c in counts[k].items():
            context_totals[gram[:-1]] += c
            context_types[gram[:-1]] += 1
        for h, ch in context_totals.items():
            backoffs[k - 1][h] = DISCOUNT * context_types[h] / ch
        for gram, c in counts[k].items():
            h = gram[:-1]
            lower = lower_probability(gram[1:], probabilities, backoffs)
            probabilities[k][gram] = (c - DISCOUNT) / context_totals[h] + backoffs[k - 1][h] * lower
    with open(args.output, "w", encoding="utf-8") as out:
        out.write("\\data\\\n")
        out.write(f"ngram 1={len(vocabulary)}\n")
        for k in range(2, n + 1):
            out.write(f"ngram {k}={len(probabilities[k])}\n")
        for k in range(1, n + 1):
            out.write(f"\n\\{k}-grams:\n")
            items = sorted(probabilities[k].items()) if k > 1 else [((w,), probabilities[1].get((w,))) for w in vocabulary]
            for gram, p in items:
                logp = -99.0 if p is None else math.log10(p)
                line = f"{logp:.6f}\t{' '.join(gram)}"
                if k < n and gram in backoffs[k]:
                    line += f"\t{math.log10(backoffs[k][gram]):.6f}"
                out.write(line + "\n")
        out.write("\n\\end\\\n")
    print(f"wrote {args.output}: " + ", ".join(f"{k}-grams {len(probabilities[k]) if k > 1 else len(vocabulary)}" for k in range(1, n + 1)))


def lower_probability(gram, probabilities, backoffs):
    """The interpolated P(w | h') for gram = h' + (w,)."""
    k = len(gram)
    if gram in probabilities[k]:
        return probabilities[k][gram]
    if k == 1:
        return probabilities[1].get(gram, 0.0)
    return backoffs[k - 1].get(gram[:-1], 1.0) * lower_probability(gram[1:], probabilities, backoffs)


if __name__ == "__main__":
    main()
