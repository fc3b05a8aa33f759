#!/usr/bin/env python3
"""PyTorch's twin of `steno-bench network`, run side by side with it, so ratios come from one run.

    python3 tools/pytorch_network_bench.py [--repeats 5] [--steno-bench .build/release/steno-bench] [--inference]

Same shapes as Steno's benchmark: 80 log-mel bins stacked by 3 (240 inputs at a third of the frame
rate), bidirectional LSTMs of 256 units per direction (3 and 4 layers), a linear layer to 29 classes,
CTC, Adam; a training step on a batch of 32 utterances of 600-1200 input frames (6-12 s), and
inference on one 60 s utterance with batch 1. PyTorch has no latency-controlled LSTM, so its twin of
every Steno row is the whole-utterance BiLSTM (cuDNN-style, the cheaper computation). Training is
measured with a padded batch (and with packed sequences, --packed), on 1 thread and on every core.
With --inference, only inference: `steno-bench inference` (the training code's forward pass, and
InferenceNetwork in float32 and int8) against PyTorch's forward pass, one thread each.

On a CPU with AVX512_BF16, steno-bench also times its steps with bfloat16 products (Steno's own
kernel: Debian 12's OpenBLAS 0.3.21 is built without BUILD_BFLOAT16, so cblas_sbgemm is missing);
those rows are compared with PyTorch's float32 step too. It also measures PyTorch's (oneDNN's)
bfloat16 against float32 matrix products at the LSTM's shapes (one thread), a peer's figure for
what bfloat16 products gain on this CPU.

Needs `pip install torch`. Run it on an otherwise idle machine; it prints its figures and ratios.
"""
import argparse
import os
import re
import subprocess
import sys
import time

import torch


def median_seconds(body, repeats):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


class Model(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.lstm = torch.nn.LSTM(240, 256, num_layers=layers, bidirectional=True)
        self.output = torch.nn.Linear(512, 29)

    def forward(self, x, lengths=None):
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
            y, _ = self.lstm(packed)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y)
        else:
            y, _ = self.lstm(x)
        return self.output(y)


def training_rate(layers, threads, packed, repeats, bfloat16=False):
    """Input frames per second of a training step; with `bfloat16`, under CPU autocast to bfloat16
    (PyTorch's mixed precision: bfloat16 products, float32 weights and optimizer), the peer of
    Steno's --matrix-precision bfloat16."""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Model(layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    ctc = torch.nn.CTCLoss(zero_infinity=True)
    generator = torch.Generator().manual_seed(7)
    lengths = torch.randint(600, 1201, (32,), generator=generator)
    steps = (lengths + 2) // 3
    x = torch.randn(int(steps.max()), 32, 240, generator=generator)
    targets = [torch.randint(1, 29, (int(n) // 8,), generator=generator) for n in lengths]
    target_lengths = torch.tensor([len(t) for t in targets])
    flat_targets = torch.cat(targets)

    def step():
        optimizer.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits = model(x, steps if packed else None)
        loss = ctc(logits.float().log_softmax(-1), flat_targets, steps, target_lengths)
        loss.backward()
        optimizer.step()

    wall = median_seconds(step, repeats)
    return float(lengths.sum()) / wall


def inference_seconds(layers, repeats):
    torch.set_num_threads(1)
    model = Model(layers).eval()
    x = torch.randn(2000, 1, 240)
    with torch.no_grad():
        return median_seconds(lambda: model(x), repeats)


def matmul_gflops(m, n, k, dtype, repeats):
    torch.set_num_threads(1)
    a = torch.randn(m, k).to(dtype)
    b = torch.randn(k, n).to(dtype)
    reps = max(1, int(2e9 / (2 * m * n * k)))

    def body():
        for _ in range(reps):
            torch.matmul(a, b)

    return 2 * m * n * k * reps / median_seconds(body, repeats) / 1e9


def steno_figures(bench, workers, repeats):
    """{(model name, workers, precision): training frames/s} and {model name: inference seconds} from steno-bench."""
    output = subprocess.run([bench, "network", str(workers), str(repeats)], check=True, capture_output=True, text=True).stdout
    print(output, end="")
    training, inference = {}, {}
    for line in output.splitlines():
        found = re.match(r"(.+), (\d+) worker\(s\), (\w+) products: training (\d+) input frames/s", line)
        if found:
            training[(found.group(1), int(found.group(2)), found.group(3))] = float(found.group(4))
        found = re.match(r"(.+): inference on 60 s, batch 1: ([\d.]+) s", line)
        if found:
            inference[found.group(1)] = float(found.group(2))
    return training, inference


def inference_comparison(bench, repeats):
    """`steno-bench inference` against PyTorch's batch-1 forward pass, one thread each, in one run."""
    output = subprocess.run([bench, "inference", str(repeats)], check=True, capture_output=True, text=True).stdout
    print(output, end="")
    torch_seconds = {layers: inference_seconds(layers, repeats) for layers in (3, 4)}
    for layers, seconds in torch_seconds.items():
        print(f"PyTorch BiLSTM {layers}x256: inference on 60 s, batch 1, 1 thread: {seconds:.3f} s")
    print("\nRatios (PyTorch's time over Steno's; above 1 means Steno is faster):")
    for line in output.splitlines():
        found = re.match(r"(.+), (\w+): inference on 60 s, batch 1: ([\d.]+) s", line) or re.match(r"(.+), (reference) \(training code\): ([\d.]+) s", line)
        if found:
            layers = int(re.search(r"(\d)×256", found.group(1)).group(1))
            print(f"{found.group(1)}, {found.group(2)}: {torch_seconds[layers] / float(found.group(3)):.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--steno-bench", default=os.path.join(here, "..", ".build", "release", "steno-bench"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--packed", action="store_true", help="also time packed sequences (about 10x slower here)")
    parser.add_argument("--inference", action="store_true", help="only batch-1 inference (steno-bench inference), float32 and int8")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"PyTorch {torch.__version__}, {cores} cores")
    if args.inference:
        inference_comparison(args.steno_bench, args.repeats)
        return 0
    training, inference = steno_figures(args.steno_bench, cores, args.repeats)

    print("\nPyTorch twin (whole-utterance BiLSTM):")
    torch_rates = {}
    for layers in (3, 4):
        for threads in sorted({1, cores}):
            padded = training_rate(layers, threads, False, args.repeats)
            packed = training_rate(layers, threads, True, args.repeats) if args.packed else 0
            torch_rates[(layers, threads)] = max(padded, packed)
            print(f"BiLSTM {layers}x256, {threads} thread(s): training {padded:.0f} input frames/s padded" + (f", {packed:.0f} packed" if args.packed else ""))
        if any(p == "bfloat16" for _, _, p in training):
            for threads in sorted({1, cores}):
                half = training_rate(layers, threads, False, args.repeats, bfloat16=True)
                torch_rates[(layers, threads, "bfloat16")] = half
                print(f"BiLSTM {layers}x256, {threads} thread(s), autocast bfloat16: training {half:.0f} input frames/s padded")
        seconds = inference_seconds(layers, args.repeats)
        torch_rates[(layers, "inference")] = seconds
        print(f"BiLSTM {layers}x256: inference on 60 s, batch 1, 1 thread: {seconds:.3f} s")

    print("\nRatios (Steno over PyTorch's best; above 1 means Steno is faster):")
    for (name, workers, precision), rate in sorted(training.items()):
        layers = int(re.search(r"(\d)×256", name).group(1))
        threads = 1 if workers == 1 else cores
        print(f"{name}, {workers} worker(s), {precision} products vs PyTorch (float32) on {threads} thread(s): training {rate / torch_rates[(layers, threads)]:.2f}x")
        if precision == "bfloat16" and (layers, threads, "bfloat16") in torch_rates:
            print(f"{name}, {workers} worker(s), bfloat16 products vs PyTorch (autocast bfloat16) on {threads} thread(s): training {rate / torch_rates[(layers, threads, 'bfloat16')]:.2f}x")
    for name, seconds in inference.items():
        layers = int(re.search(r"(\d)×256", name).group(1))
        print(f"{name}: inference {torch_rates[(layers, 'inference')] / seconds:.2f}x")
    for name, precision in sorted({(n, p) for n, _, p in training}):
        if (name, 1, precision) in training and (name, cores, precision) in training:
            print(f"{name}, {precision}: {cores} workers {training[(name, cores, precision)] / training[(name, 1, precision)]:.2f}x one worker")

    print("\nbfloat16 against float32 matrix products, PyTorch, 1 thread (GFLOP/s):")
    for m, n, k, what in [(32, 1024, 256, "recurrent product, batch 32"), (3200, 1024, 512, "input projection of 100 steps x 32"),
                          (1, 1024, 256, "recurrent product, batch 1")]:
        single = matmul_gflops(m, n, k, torch.float32, args.repeats)
        half = matmul_gflops(m, n, k, torch.bfloat16, args.repeats)
        print(f"[{m}x{k}]·[{k}x{n}] ({what}): float32 {single:.1f}, bfloat16 {half:.1f}, {half / single:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
