#!/usr/bin/env python3
"""The training curve of a `steno train` run: its log's epoch lines as a TSV table and a PNG plot.

    python3 tools/training_curve.py LOG [LOG...] --tsv models/default-v2/curve.tsv [--png docs/training-curve.png]

Reads the lines `steno train` logs at the end of every epoch,
    epoch N: train loss L, train CER C%, valid loss V, valid CER C%, WER W% (S s)
from one or more logs (a run resumed across sessions logs to several; a later line for the same
epoch replaces an earlier one). Rows already in the TSV are kept unless a log gives the same epoch,
so a run resumed on a fresh machine, whose new log starts at a later epoch, extends the committed
curve instead of replacing it. It writes one row per epoch: epoch, train_loss, train_cer,
valid_loss, valid_cer, valid_wer, seconds (wall time of the epoch, validation included) and
hours (cumulative). The plot (matplotlib, `pip install matplotlib`) shows both losses and the
validation CER and WER against the epoch.
"""
import argparse
import re

LINE = re.compile(r"epoch (\d+): train loss ([\d.]+), train CER ([\d.]+)%, valid loss ([\d.]+), valid CER ([\d.]+)%, WER ([\d.]+)% \((\d+) s\)")


def read_table(path):
    """The epochs of an existing curve TSV, as read() keys them (nothing if there is none)."""
    rows = {}
    try:
        with open(path, encoding="utf-8") as f:
            next(f, None)  # the header
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 7:
                    rows[int(fields[0])] = [float(v) for v in fields[1:7]]
    except FileNotFoundError:
        pass
    return rows


def read(logs, rows):
    for log in logs:
        with open(log, encoding="utf-8", errors="replace") as f:
            for line in f:
                found = LINE.search(line)
                if found:
                    values = found.groups()
                    rows[int(values[0])] = [float(v) for v in values[1:]]
    return [(epoch, *rows[epoch]) for epoch in sorted(rows)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--tsv", required=True)
    parser.add_argument("--png")
    args = parser.parse_args()
    rows = read(args.logs, read_table(args.tsv))
    hours = 0.0
    with open(args.tsv + ".tmp", "w", encoding="utf-8") as f:
        f.write("epoch\ttrain_loss\ttrain_cer\tvalid_loss\tvalid_cer\tvalid_wer\tseconds\thours\n")
        for epoch, train_loss, train_cer, valid_loss, valid_cer, valid_wer, seconds in rows:
            hours += seconds / 3600
            f.write(f"{epoch}\t{train_loss:.3f}\t{train_cer:.2f}\t{valid_loss:.3f}\t{valid_cer:.2f}\t{valid_wer:.2f}\t{seconds:.0f}\t{hours:.2f}\n")
    import os
    os.replace(args.tsv + ".tmp", args.tsv)
    print(f"{len(rows)} epochs -> {args.tsv}")
    if args.png and rows:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        epochs = [r[0] for r in rows]
        figure, (losses, rates) = plt.subplots(1, 2, figsize=(10, 4))
        losses.plot(epochs, [r[1] for r in rows], "o-", label="train loss (augmented)")
        losses.plot(epochs, [r[3] for r in rows], "o-", label="validation loss")
        losses.set_xlabel("epoch")
        losses.set_ylabel("CTC loss per utterance")
        losses.legend()
        rates.plot(epochs, [r[4] for r in rows], "o-", label="validation CER")
        rates.plot(epochs, [r[5] for r in rows], "o-", label="validation WER (greedy)")
        rates.plot(epochs, [r[2] for r in rows], "o--", label="training CER (clean sample)")
        rates.set_xlabel("epoch")
        rates.set_ylabel("%")
        rates.legend()
        figure.suptitle("Steno default model v2: training curve")
        figure.tight_layout()
        figure.savefig(args.png + ".tmp.png", dpi=80)
        os.replace(args.png + ".tmp.png", args.png)
        print(f"plot -> {args.png}")


if __name__ == "__main__":
    main()
