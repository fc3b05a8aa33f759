#!/usr/bin/env python3
"""Run PocketSphinx over a Steno manifest and write what it recognized, for Steno to score.

    python3 tools/compare_pocketsphinx.py --manifest M.tsv --hypotheses OUT.tsv [--json REPORT.json]

Model: PocketSphinx 5 (`pip install pocketsphinx soundfile`; tried with pocketsphinx 5.1.1) with the
US English model bundled in the wheel: the `en-us` continuous HMM acoustic model, `cmudict-en-us.dict`
and the `en-us.lm.bin` trigram LM, i.e. `pocketsphinx.Decoder()` with its default configuration
(only the log level is lowered, which changes nothing in the search). Each file is decoded as one
utterance (`process_raw(full_utt=True)`), single-threaded. The version used is recorded in the
report as `pocketsphinx_version`.

Manifest: UTF-8 TSV, `path<TAB>transcript` per line (further columns ignored), blank and `#` lines
skipped; relative paths are relative to the manifest's folder. Audio is read with soundfile
(libsndfile 1.2 reads Ogg Opus) and, if it is not 16 kHz mono, mixed down and resampled by `sox`;
a file soundfile cannot read at all is converted by `sox` (or `ffmpeg`) instead.

Outputs (each written to a temporary file, then renamed into place):
  OUT.tsv      one line per manifest entry, `path<TAB>hypothesis`, the path as the manifest writes
               it, the hypothesis in lowercase words (empty when the file failed or nothing was heard).
  REPORT.json  utterances, failures, audio_seconds, processing_seconds (from reading the file to the
               text, time.perf_counter, model loading excluded and reported as load_seconds),
               real_time_factor, and wer_script: a WER of its own for a cross-check (lowercase,
               only a-z, apostrophes and spaces kept, other characters become spaces; word
               Levenshtein distance summed over all utterances / reference words; a failed file
               counts as an empty hypothesis).

Unreadable audio files are reported on stderr and skipped; an unreadable or malformed manifest
exits with status 2.
"""
import argparse
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import numpy as np  # noqa: E402  (after the thread settings)
import soundfile  # noqa: E402
from pocketsphinx import Decoder  # noqa: E402

RATE = 16000


def read_manifest(path):
    """[(path as written, resolved path, transcript)]; raises ValueError on a malformed manifest."""
    folder = os.path.dirname(path)
    entries = []
    with open(path, encoding="utf-8-sig") as file:
        for number, line in enumerate(file, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.strip().startswith("#"):
                continue
            columns = line.split("\t")
            if len(columns) < 2 or not columns[0].strip():
                raise ValueError(f"{path}:{number}: expected path<TAB>transcript")
            written = columns[0]
            entries.append((written, os.path.join(folder, written.strip()), columns[1]))
    if not entries:
        raise ValueError(f"{path}: no entries")
    return entries


def convert(path):
    """16 kHz mono int16 samples of any file sox or ffmpeg can read."""
    if shutil.which("sox"):
        command = ["sox", "-q", path, "-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-"]
    elif shutil.which("ffmpeg"):
        command = ["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"]
    else:
        raise RuntimeError("soundfile cannot read it and neither sox nor ffmpeg is installed")
    result = subprocess.run(command, capture_output=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode(errors="replace").strip() or f"{command[0]} failed")
    return np.frombuffer(result.stdout, dtype="<i2")


def load_audio(path):
    """16 kHz mono int16 samples."""
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError):
        return convert(path)
    mono = samples.mean(axis=1)
    if rate != RATE:  # resample with sox, raw float in, raw int16 out
        command = ["sox", "-q", "-t", "raw", "-r", str(rate), "-c", "1", "-b", "32", "-e", "floating-point", "-L", "-",
                   "-t", "raw", "-r", str(RATE), "-b", "16", "-e", "signed-integer", "-L", "-"]
        result = subprocess.run(command, input=mono.astype("<f4").tobytes(), capture_output=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode(errors="replace").strip() or "sox failed")
        return np.frombuffer(result.stdout, dtype="<i2")
    return (np.clip(mono, -1.0, 32767 / 32768) * 32768).astype(np.int16)


def words(text):
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def edit_distance(reference, hypothesis):
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        diagonal, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ref != hyp))
    return row[-1]


def write_atomically(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--hypotheses", required=True, help="TSV to write: path<TAB>hypothesis")
    parser.add_argument("--json", help="report to write")
    args = parser.parse_args()

    try:
        entries = read_manifest(args.manifest)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"error: cannot read manifest: {error}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    decoder = Decoder(loglevel="FATAL")
    load_seconds = time.perf_counter() - start

    lines, failures = [], []
    audio_seconds = processing_seconds = 0.0
    errors = reference_words = 0
    for written, path, transcript in entries:
        hypothesis = ""
        try:
            start = time.perf_counter()
            samples = load_audio(path)
            decoder.start_utt()
            decoder.process_raw(samples.tobytes(), full_utt=True)
            decoder.end_utt()
            best = decoder.hyp()
            hypothesis = " ".join(best.hypstr.lower().split()) if best else ""
            processing_seconds += time.perf_counter() - start
            audio_seconds += len(samples) / RATE
        except Exception as error:  # report and go on with the next file
            print(f"error: {written}: {error}", file=sys.stderr)
            failures.append(written)
        reference = words(transcript)
        errors += edit_distance(reference, words(hypothesis))
        reference_words += len(reference)
        lines.append(f"{written}\t{hypothesis}\n")

    write_atomically(args.hypotheses, "".join(lines))
    report = {
        "manifest": args.manifest,
        "pocketsphinx_version": importlib.metadata.version("pocketsphinx"),
        "model": "pocketsphinx default en-us (acoustic model en-us, cmudict-en-us.dict, en-us.lm.bin)",
        "utterances": len(entries),
        "failures": len(failures),
        "failed_paths": failures,
        "audio_seconds": round(audio_seconds, 3),
        "processing_seconds": round(processing_seconds, 3),
        "load_seconds": round(load_seconds, 3),
        "real_time_factor": round(processing_seconds / audio_seconds, 4) if audio_seconds else None,
        "reference_words": reference_words,
        "word_errors": errors,
        "wer_script": round(errors / reference_words, 4) if reference_words else None,
    }
    if args.json:
        write_atomically(args.json, json.dumps(report, indent=2) + "\n")
    print(f"{args.manifest}: {len(entries)} utterances, {len(failures)} failed, {audio_seconds:.1f} s audio, "
          f"RTF {report['real_time_factor']}, WER {report['wer_script']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
