#!/usr/bin/env python3
"""Synthetic training speech from Debian's TTS engines, with varied voices, rates, pitches, noise and reverberation.

    python3 tools/synthesize_speech.py --text work/manifests/train.tsv [--fortunes] [--count 2400] \
        [--out work/synthetic] [--seed 1] [--jobs 2] [--exclude samples/manifest.tsv]

Writes OUT/audio/NNNNN.wav (16 kHz mono 16-bit) and OUT/manifest.tsv (path<TAB>transcript), ready for
`steno train --train OUT/manifest.tsv`.

Engines (Debian packages espeak-ng, flite, festival, festvox-kallpc16k, festvox-us-slt-hts, sox):
  espeak-ng  the English voices below with their variants (m1-m7, f1-f5, klatt, ...), rate 120-210 wpm, pitch 25-75
  flite      kal16, awb, rms, slt, duration stretch 0.8-1.25 and a shifted mean pitch
  festival   kal_diphone and cmu_us_slt_arctic_hts (text2wave), duration stretch 0.85-1.2
Every utterance is then resampled to 16 kHz by sox, given reverberation half the time (random room size and
reverberance) and additive white, pink or brown noise at 5-30 dB SNR two times in three.

Text: sentences drawn (seeded) from the --text manifests' transcripts (use TRAINING manifests only: never
validation or test text), from Debian's `fortunes` with --fortunes, and random digit strings. Lines with
digits, abbreviations or characters the TTS would read differently from the transcript are skipped, and
text is lowercased before synthesis so engines never spell it out letter by letter. Sentences in
--exclude manifests (the bundled samples) are never synthesized.
"""
import argparse
import glob
import math
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import wave

import numpy as np

ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2",
                   "klatt3", "klatt4", "Andy", "Annie", "belinda", "benjamin", "david", "edward", "john", "linda",
                   "max", "michel", "paul", "robert", "steph", "travis", "victor", "zac", "aunty", "grandpa"]
FLITE_VOICES = ["kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["kal_diphone", "cmu_us_slt_arctic_hts"]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"]

ALLOWED = re.compile(r"^[A-Za-z' ,.;:!?\"()-]+$")
WORD = re.compile(r"[a-z']+")


def clean(line):
    """The sentence to synthesize and its transcript, or None when the TTS might read it differently."""
    line = " ".join(line.replace("\t", " ").split())
    if not line or not ALLOWED.match(line):
        return None
    # Abbreviations ("Mr.", "U.S.") and single capital letters are read unpredictably.
    if re.search(r"\b(Mr|Mrs|Dr|St|Jr|Sr|vs|etc|[A-Z])\.", line):
        return None
    # In mixed-case text, an all-capital word is an acronym the engines spell out ("MS-DOS").
    if re.search(r"[a-z]", line) and re.search(r"\b(?!I\b)[A-Z]{2,}\b", line):
        return None
    text = line.lower()
    words = WORD.findall(text.replace("-", " "))
    words = [w.strip("'") for w in words if w.strip("'")]
    if not 2 <= len(words) <= 24:
        return None
    return text, " ".join(words)


def manifest_texts(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and "\t" in line:
                yield line.split("\t", 1)[1]


def fortune_texts():
    for path in sorted(glob.glob("/usr/share/games/fortunes/*")):
        if "." in os.path.basename(path) or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for quote in f.read().split("\n%\n"):
                # Split quotes into sentences; keep the prose, drop attributions ("-- Name").
                quote = re.sub(r"\s+--\s.*$", "", quote.strip(), flags=re.S)
                for sentence in re.split(r"(?<=[.!?])\s+", " ".join(quote.split())):
                    yield sentence


def digit_string(rng):
    return " ".join(rng.choice(DIGITS[:10]) for _ in range(rng.randint(1, 6)))


def synthesize(job):
    index, spoken, transcript, seed, out = job
    rng = random.Random(seed)
    engine = rng.choices(["espeak", "flite", "festival"], weights=[5, 3, 2])[0]
    with tempfile.TemporaryDirectory() as tmp:
        raw, text_file = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "text.txt")
        with open(text_file, "w", encoding="utf-8") as f:
            f.write(spoken + "\n")
        if engine == "espeak":
            variant = rng.choice(ESPEAK_VARIANTS)
            voice = rng.choice(ESPEAK_VOICES) + (f"+{variant}" if variant else "")
            command = ["espeak-ng", "-v", voice, "-s", str(rng.randint(120, 210)), "-p", str(rng.randint(25, 75)),
                       "-g", str(rng.randint(0, 6)), "-w", raw, "-f", text_file]
            description = f"espeak-ng {voice}"
        elif engine == "flite":
            voice = rng.choice(FLITE_VOICES)
            command = ["flite", "-voice", voice, "--setf", f"duration_stretch={rng.uniform(0.8, 1.25):.2f}",
                       "--setf", f"int_f0_target_mean={rng.uniform(85, 200):.0f}", "-f", text_file, "-o", raw]
            description = f"flite {voice}"
        else:
            voice = rng.choice(FESTIVAL_VOICES)
            stretch = rng.uniform(0.85, 1.2)
            command = ["text2wave", "-eval", f"(voice_{voice})", "-eval",
                       f"(Parameter.set 'Duration_Stretch {stretch:.2f})", "-o", raw, text_file]
            description = f"festival {voice}"
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=120)
            effects = ["rate", "-v", "16000", "channels", "1"]
            if rng.random() < 0.5:
                effects += ["reverb", str(rng.randint(10, 70)), "50", str(rng.randint(10, 100))]
            effects += ["norm", f"-{rng.uniform(1, 12):.1f}"]
            resampled = os.path.join(tmp, "16k.wav")
            subprocess.run(["sox", "-q", raw, "-b", "16", resampled] + effects, check=True, capture_output=True, timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            return index, None, f"{description}: {error}"
        with wave.open(resampled, "rb") as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        if samples.size < 1600:
            return index, None, f"{description}: no audio"
        if rng.random() < 2 / 3:
            samples = samples + noise(rng, samples, rng.uniform(5, 30))
        path = os.path.join(out, "audio", f"{index:05d}.wav")
        with wave.open(path + ".part", "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes())
        os.replace(path + ".part", path)
        return index, f"audio/{index:05d}.wav\t{transcript}", description


def noise(rng, samples, snr_db):
    """White, pink or brown noise scaled to `snr_db` below the signal's power."""
    generator = np.random.default_rng(rng.getrandbits(63))
    white = generator.standard_normal(samples.size)
    colour = rng.choice(["white", "pink", "brown"])
    if colour != "white":
        spectrum = np.fft.rfft(white)
        f = np.arange(spectrum.size, dtype=np.float64)
        f[0] = 1
        spectrum /= f ** (0.5 if colour == "pink" else 1.0)
        white = np.fft.irfft(spectrum, n=samples.size)
    signal_power = np.mean(samples ** 2) + 1e-9
    noise_power = np.mean(white ** 2) + 1e-12
    return white * math.sqrt(signal_power / noise_power / 10 ** (snr_db / 10))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", action="append", default=[], help="training manifest whose transcripts are read (repeatable)")
    parser.add_argument("--fortunes", action="store_true", help="also read Debian's fortunes (package fortunes)")
    parser.add_argument("--exclude", action="append", default=[], help="manifest whose sentences are never synthesized")
    parser.add_argument("--count", type=int, default=2400)
    parser.add_argument("--digit-share", type=float, default=0.1, help="share of random digit strings")
    parser.add_argument("--out", default="work/synthetic")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    excluded = set()
    for path in args.exclude:
        excluded |= {cleaned[1] for cleaned in map(clean, manifest_texts(path)) if cleaned}
    pool, seen = [], set()
    sources = [t for path in args.text for t in manifest_texts(path)] + (list(fortune_texts()) if args.fortunes else [])
    for line in sources:
        cleaned = clean(line)
        if cleaned and cleaned[1] not in seen and cleaned[1] not in excluded:
            seen.add(cleaned[1])
            pool.append(cleaned)
    if not pool:
        sys.exit("synthesize_speech.py: no usable sentences in the given text")
    rng = random.Random(args.seed)
    jobs = []
    for index in range(args.count):
        if rng.random() < args.digit_share:
            spoken = digit_string(rng)
            chosen = (spoken, spoken)
        else:
            chosen = rng.choice(pool)
        jobs.append((index, chosen[0], chosen[1], rng.getrandbits(63), args.out))
    os.makedirs(os.path.join(args.out, "audio"), exist_ok=True)
    print(f"{len(pool)} usable sentences; synthesizing {args.count} utterances into {args.out}", file=sys.stderr)
    rows, failures, engines = {}, 0, {}
    with multiprocessing.Pool(args.jobs) as workers:
        for done, (index, row, description) in enumerate(workers.imap_unordered(synthesize, jobs), 1):
            if row is None:
                failures += 1
                print(f"utterance {index}: {description}", file=sys.stderr)
            else:
                rows[index] = row
                engine = description.split()[0]
                engines[engine] = engines.get(engine, 0) + 1
            if done % 200 == 0:
                print(f"{done}/{args.count}", file=sys.stderr)
    manifest = os.path.join(args.out, "manifest.tsv")
    with open(manifest + ".part", "w", encoding="utf-8") as f:
        f.write(f"# synthetic speech: tools/synthesize_speech.py --count {args.count} --seed {args.seed}\n")
        f.write("".join(rows[i] + "\n" for i in sorted(rows)))
    os.replace(manifest + ".part", manifest)
    print(f"wrote {len(rows)} utterances ({engines}), {failures} failed; manifest {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
