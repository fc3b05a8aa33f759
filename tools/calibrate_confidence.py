#!/usr/bin/env python3
"""Fits word-confidence calibration (a logistic regression on the decoder's word evidence) and
scores confidences: ROC AUC of confidence for right vs wrong words, and expected calibration error.

    tools/calibrate_confidence.py --fit VALID_WORDS.tsv --test TEST_WORDS.tsv --config beam --config-best-path best

The word files are what `steno-bench decoding --words FILE` writes (tools/calibrate_confidence.sh
runs it on the validation manifests and on the test manifests). The calibrations are fitted on the
validation words and printed as Swift for ConfidenceModel.bundled (Sources/StenoCTC/WordConfidence.swift);
then, on the held-out test words: the AUC and ECE of the fitted confidences, of the confidences the
library computed (the `conf` column; equal once the printed coefficients are in the build), and of
the uncalibrated geometric mean of the characters' posteriors. ECE: 10 equal-width bins of confidence, the mean |accuracy - confidence|
weighted by the share of words in each bin. Needs numpy only.
"""
import argparse
import math
import sys

import numpy as np

FEATURES = ["bias", "mean_log", "min_log", "log_beam", "oov", "inverse_length", "disagrees", "lm_log10"]


def read(path, config):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            cells = dict(zip(header, line.rstrip("\n").split("\t")))
            if cells["config"] != config:
                continue
            rows.append(cells)
    if not rows:
        sys.exit(f"{path}: no words of config {config}")
    return rows


def design(rows):
    x = np.array([[1.0, float(r["mean_log"]), float(r["min_log"]), max(float(r["log_beam"]), -50.0), float(r["oov"]),
                   1.0 / max(1, int(r["length"])), 1.0 - float(r["agree"]), max(float(r["lm_log10"]), -20.0)] for r in rows])
    y = np.array([float(r["correct"]) for r in rows])
    return x, y


def fit_logistic(x, y, l2=1e-3, iterations=100):
    """Newton's method on the mean log loss with a small ridge (not on the bias)."""
    w = np.zeros(x.shape[1])
    ridge = l2 * np.eye(x.shape[1])
    ridge[0, 0] = 0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) / len(y) + ridge @ w
        hessian = (x.T * (p * (1 - p))) @ x / len(y) + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w


def auc(scores, labels):
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    return (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def ece(confidences, labels, bins=10):
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for b in range(bins):
        upper = confidences <= edges[b + 1] if b == bins - 1 else confidences < edges[b + 1]
        inside = (confidences >= edges[b]) & upper
        if inside.any():
            total += inside.mean() * abs(labels[inside].mean() - confidences[inside].mean())
    return total


def report(name, confidences, labels):
    print(f"{name}: {len(labels)} words, {labels.mean() * 100:.1f}% right; ROC AUC {auc(confidences, labels):.3f}, "
          f"ECE {ece(confidences, labels):.3f}, mean confidence {confidences.mean():.3f}")


def swift(w):
    names = ["bias", "meanLogPosterior", "minLogPosterior", "logBeamPosterior", "outOfVocabulary", "inverseLength",
             "disagreesWithBestPath", "languageModelLog10"]
    return "ConfidenceCalibration(" + ", ".join(f"{n}: {v:.4f}" for n, v in zip(names, w)) + ")"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", required=True, help="words of the validation manifests")
    parser.add_argument("--test", required=True, help="words of the held-out test manifests")
    parser.add_argument("--config", required=True, help="the beam-search config")
    parser.add_argument("--config-best-path", required=True, help="the best-path config")
    args = parser.parse_args()
    for name, best_path in ((args.config, False), (args.config_best_path, True)):
        x, y = design(read(args.fit, name))
        if best_path:
            x[:, [3, 6, 7]] = 0  # no beam, no disagreement, no LM on the best path
        w = fit_logistic(x, y)
        if best_path:
            w[[3, 6, 7]] = 0
        print(("bestPath: " if best_path else "beamSearch: ") + swift(w))
        report(f"  {name}, validation (fitted on it)", 1 / (1 + np.exp(-(x @ w))), y)
        rows = read(args.test, name)
        tx, ty = design(rows)
        if best_path:
            tx[:, [3, 6, 7]] = 0
        report(f"  {name}, test, these coefficients", 1 / (1 + np.exp(-(tx @ w))), ty)
        report(f"  {name}, test, as the library computed", np.array([float(r["conf"]) for r in rows]), ty)
        report(f"  {name}, test, uncalibrated geometric mean", np.exp(tx[:, 1]), ty)


if __name__ == "__main__":
    main()
