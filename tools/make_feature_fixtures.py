#!/usr/bin/env python3
"""Reference fixtures for StenoFeatures (run by hand; the library never calls this).

    python3 tools/make_feature_fixtures.py

Writes two JSON files to Tests/StenoFeaturesTests/Fixtures/:

- signals.json: a few short deterministic test signals. Each is made at 16-bit scale, rounded to
  integers (as a 16-bit WAV file would hold them), then divided by 32768; the samples stored are those
  [-1, 1] floats, written in the shortest form that reads back as the same float32, so Swift receives
  exactly the values the reference saw divided by 32768 (StenoFeatures multiplies by inputScale 32768).
- features.json: cases, each naming a signal, the StenoFeatures `FeatureOptions` (JSON in the Swift
  Codable layout, all fields present), and the reference frames, row-major [frameCount, dimension],
  rounded to 7 significant digits.

References:
- fbank and mfcc: kaldi-native-fbank (pip package `kaldi_native_fbank`, tested with 1.23.0), a C++ port
  of Kaldi's feature code, fed int16-valued floats with dither 0 and its mel options at Kaldi's
  behaviour (is_librosa False, htk_mode False).
- spectrogram: kaldi-native-fbank has none, so it is computed here with numpy in float64, a separate
  implementation of Kaldi's `compute-spectrogram-feats` definition (framing and edge reflection,
  DC removal, raw log energy, pre-emphasis, window, |rfft|^2, log floored at FLT_EPSILON, element 0
  replaced by the log energy). To check that implementation, the script also computes fbank from
  the same numpy power spectra and asserts it matches kaldi-native-fbank before writing anything.
"""

import json
import math
import pathlib

import kaldi_native_fbank as knf
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "StenoFeaturesTests" / "Fixtures"
EPS = float(np.finfo(np.float32).eps)


# ---------------------------------------------------------------- signals

def quantize(x):
    """[-1, 1] floats to 16-bit integer values (as floats), clipped."""
    return np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767)


def make_signals():
    def t(seconds, rate):
        return np.arange(int(round(seconds * rate))) / rate

    signals = {}
    tt = t(0.3, 16000)
    signals["tones"] = (16000, quantize(0.3 * np.sin(2 * np.pi * 440 * tt) + 0.2 * np.sin(2 * np.pi * 1300 * tt)))
    tt = t(0.3, 16000)
    f0, f1 = 100.0, 7000.0
    phase = 2 * np.pi * (f0 * tt + 0.5 * (f1 - f0) / 0.3 * tt ** 2)
    signals["chirp"] = (16000, quantize(0.5 * np.sin(phase)))
    rng = np.random.default_rng(1234)
    signals["noise"] = (16000, quantize(0.1 * rng.standard_normal(4000)))
    tt = t(0.18, 16000)
    signals["silence_tone"] = (16000, np.concatenate([np.zeros(1920), quantize(0.4 * np.sin(2 * np.pi * 700 * tt))]))
    signals["short"] = (16000, signals["chirp"][1][2000:2480].copy())
    tt = t(0.3, 8000)
    signals["tones8k"] = (8000, quantize(0.3 * np.sin(2 * np.pi * 300 * tt) + 0.25 * np.sin(2 * np.pi * 1100 * tt)))
    return signals


# ---------------------------------------------------------------- options

def default_options(kind):
    """StenoFeatures' FeatureOptions defaults (FeatureOptions.fbank() / .mfcc() / .spectrogram())."""
    return {
        "kind": kind,
        "frame": {
            "sampleRate": 16000.0, "frameLengthMs": 25.0, "frameShiftMs": 10.0, "dither": 0.0,
            "ditherSeed": 0, "removeDCOffset": True, "preemphasis": 0.97, "window": "povey",
            "blackmanCoefficient": 0.42, "roundToPowerOfTwo": True, "snipEdges": True, "inputScale": 32768.0,
        },
        "mel": {"bins": 23, "lowFrequency": 20.0, "highFrequency": 0.0},
        "cepstra": 13, "cepstralLifter": 22.0, "useEnergy": kind == "mfcc", "energyFloor": 0.0,
        "rawEnergy": True, "htkCompat": False, "usePower": True, "useLogFbank": True,
    }


def options(kind, frame=None, mel=None, **rest):
    o = default_options(kind)
    o["frame"].update(frame or {})
    o["mel"].update(mel or {})
    o.update(rest)
    return o


KNF_WINDOW = {"povey": "povey", "hamming": "hamming", "hann": "hanning", "rectangular": "rectangular", "blackman": "blackman"}


def knf_options(o):
    kind = o["kind"]
    k = knf.FbankOptions() if kind == "fbank" else knf.MfccOptions()
    f, m = o["frame"], o["mel"]
    fo = k.frame_opts
    fo.samp_freq = f["sampleRate"]
    fo.frame_length_ms = f["frameLengthMs"]
    fo.frame_shift_ms = f["frameShiftMs"]
    fo.dither = 0.0
    fo.remove_dc_offset = f["removeDCOffset"]
    fo.preemph_coeff = f["preemphasis"]
    fo.window_type = KNF_WINDOW[f["window"]]
    fo.blackman_coeff = f["blackmanCoefficient"]
    fo.round_to_power_of_two = f["roundToPowerOfTwo"]
    fo.snip_edges = f["snipEdges"]
    mo = k.mel_opts
    mo.num_bins = m["bins"]
    mo.low_freq = m["lowFrequency"]
    mo.high_freq = m["highFrequency"]
    mo.is_librosa = False
    mo.htk_mode = False
    k.use_energy = o["useEnergy"]
    k.energy_floor = o["energyFloor"]
    k.raw_energy = o["rawEnergy"]
    k.htk_compat = o["htkCompat"]
    if kind == "fbank":
        k.use_power = o["usePower"]
        k.use_log_fbank = o["useLogFbank"]
    else:
        k.num_ceps = o["cepstra"]
        k.cepstral_lifter = o["cepstralLifter"]
    return k


def knf_frames(o, rate, samples):
    assert o["frame"]["sampleRate"] == rate
    k = knf_options(o)
    computer = knf.OnlineFbank(k) if o["kind"] == "fbank" else knf.OnlineMfcc(k)
    computer.accept_waveform(float(rate), samples.tolist())  # int16-valued floats, as Kaldi reads PCM
    computer.input_finished()
    return np.array([computer.get_frame(i) for i in range(computer.num_frames_ready)], dtype=np.float64)


# ---------------------------------------------------------------- numpy reference (Kaldi's definitions)

def window_function(kind, n, blackman=0.42):
    a = 2 * np.pi / (n - 1)
    i = np.arange(n)
    return {
        "povey": (0.5 - 0.5 * np.cos(a * i)) ** 0.85,
        "hamming": 0.54 - 0.46 * np.cos(a * i),
        "hann": 0.5 - 0.5 * np.cos(a * i),
        "rectangular": np.ones(n),
        "blackman": blackman - 0.5 * np.cos(a * i) + (0.5 - blackman) * np.cos(2 * a * i),
    }[kind]


def frames_and_energy(f, samples):
    """Kaldi's framing (ExtractWindow) and ProcessWindow: returns windowed padded frames and raw log energies."""
    rate = f["sampleRate"]
    length = int(np.float32(rate) * np.float32(0.001) * np.float32(f["frameLengthMs"]))
    shift = int(np.float32(rate) * np.float32(0.001) * np.float32(f["frameShiftMs"]))
    padded = 1 << (length - 1).bit_length() if f["roundToPowerOfTwo"] else length
    n = len(samples)
    if f["snipEdges"]:
        count = 0 if n < length else 1 + (n - length) // shift
        starts = [i * shift for i in range(count)]
    else:
        count = (n + shift // 2) // shift
        starts = [i * shift + shift // 2 - length // 2 for i in range(count)]
    window = window_function(f["window"], length, f["blackmanCoefficient"])
    frames, energies = [], []
    for start in starts:
        index = np.arange(start, start + length)
        while np.any((index < 0) | (index >= n)):
            index = np.where(index < 0, -index - 1, index)
            index = np.where(index >= n, 2 * n - 1 - index, index)
        x = samples[index].astype(np.float64)
        if f["removeDCOffset"]:
            x = x - x.mean()
        energies.append(math.log(max(float(np.dot(x, x)), EPS)))
        c = f["preemphasis"]
        if c != 0:
            x = np.concatenate([[x[0] - c * x[0]], x[1:] - c * x[:-1]])
        x = x * window
        frames.append(np.concatenate([x, np.zeros(padded - length)]))
    return np.array(frames).reshape(len(frames), padded), np.array(energies), padded


def numpy_spectrogram(o, samples):
    frames, energies, padded = frames_and_energy(o["frame"], samples)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    spectrum = np.log(np.maximum(power, EPS))
    spectrum[:, 0] = energies
    return spectrum


def numpy_mel_banks(o, padded):
    rate, m = o["frame"]["sampleRate"], o["mel"]
    nyquist = 0.5 * rate
    high = m["highFrequency"] if m["highFrequency"] > 0 else nyquist + m["highFrequency"]
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f) / 700.0)
    lo, hi = mel(m["lowFrequency"]), mel(high)
    delta = (hi - lo) / (m["bins"] + 1)
    fft_mel = mel(np.arange(padded // 2) * rate / padded)
    banks = np.zeros((m["bins"], padded // 2 + 1))
    for b in range(m["bins"]):
        left, center, right = lo + b * delta, lo + (b + 1) * delta, lo + (b + 2) * delta
        up = (fft_mel - left) / (center - left)
        down = (right - fft_mel) / (right - center)
        inside = (fft_mel > left) & (fft_mel < right)
        banks[b, : padded // 2] = np.where(inside, np.where(fft_mel <= center, up, down), 0.0)
    return banks


def numpy_fbank(o, samples):
    """Only to check the numpy framing and spectra against kaldi-native-fbank (plain log fbank)."""
    frames, _, padded = frames_and_energy(o["frame"], samples)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log(np.maximum(power @ numpy_mel_banks(o, padded).T, EPS))


# ---------------------------------------------------------------- cases

CASES = [
    # name, signals, options, reference
    ("fbank80_povey", ["tones", "chirp", "noise", "silence_tone", "short"], options("fbank", mel={"bins": 80})),
    ("fbank23_hamming_nodc_nopreemph", ["tones", "noise"],
     options("fbank", frame={"window": "hamming", "removeDCOffset": False, "preemphasis": 0.0})),
    ("fbank40_energy", ["chirp", "silence_tone"], options("fbank", mel={"bins": 40}, useEnergy=True)),
    ("fbank80_nosnip", ["tones", "silence_tone", "short"], options("fbank", frame={"snipEdges": False}, mel={"bins": 80})),
    ("mfcc13", ["tones", "chirp", "noise"], options("mfcc")),
    ("mfcc13_nolifter_noenergy", ["tones", "noise"], options("mfcc", cepstralLifter=0.0, useEnergy=False)),
    ("fbank23_8k", ["tones8k"], options("fbank", frame={"sampleRate": 8000.0})),
    ("mfcc13_8k", ["tones8k"], options("mfcc", frame={"sampleRate": 8000.0})),
    ("fbank40_hann", ["chirp"], options("fbank", frame={"window": "hann"}, mel={"bins": 40})),
    ("fbank40_blackman", ["chirp"], options("fbank", frame={"window": "blackman"}, mel={"bins": 40})),
    ("fbank40_rectangular_nopow2", ["chirp"],
     options("fbank", frame={"window": "rectangular", "roundToPowerOfTwo": False}, mel={"bins": 40})),
    ("fbank40_band_magnitude", ["noise"],
     options("fbank", mel={"bins": 40, "lowFrequency": 64.0, "highFrequency": -400.0}, usePower=False)),
    ("fbank23_energy_htk_floor", ["silence_tone"],
     options("fbank", useEnergy=True, htkCompat=True, rawEnergy=False, energyFloor=1.0)),
    ("mfcc20_htk_noenergy", ["tones"], options("mfcc", mel={"bins": 40}, cepstra=20, useEnergy=False, htkCompat=True)),
    ("spectrogram", ["chirp"], options("spectrogram")),
    ("spectrogram_nosnip_hamming", ["short"], options("spectrogram", frame={"snipEdges": False, "window": "hamming"})),
]


def rounded(values, digits=7):
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def main():
    signals = make_signals()
    signal_json = {}
    for name, (rate, ints) in signals.items():
        floats = (ints / 32768.0).astype(np.float32)
        assert np.all(floats.astype(np.float64) * 32768.0 == ints)
        signal_json[name] = {"sampleRate": rate, "samples": [float(str(v)) for v in floats]}

    cases = []
    for name, signal_names, o in CASES:
        for signal in signal_names:
            rate, ints = signals[signal]
            o = json.loads(json.dumps(o))
            o["frame"]["sampleRate"] = float(rate)
            if o["kind"] == "spectrogram":
                frames = numpy_spectrogram(o, ints)
                reference = "numpy float64, Kaldi's spectrogram definition (tools/make_feature_fixtures.py)"
                # Check the numpy framing/spectra against kaldi-native-fbank through a plain fbank.
                check = options("fbank", frame=o["frame"])
                ours, theirs = numpy_fbank(check, ints), knf_frames(check, rate, ints)
                assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
                error = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
                assert error < 0.05, f"numpy reference disagrees with kaldi-native-fbank: {error}"
            else:
                frames = knf_frames(o, rate, ints)
                reference = f"kaldi-native-fbank {getattr(knf, '__version__', '1.23.0')}"
            dimension = frames.shape[1] if frames.ndim == 2 and frames.shape[0] else None
            cases.append({
                "name": f"{name}/{signal}", "signal": signal, "reference": reference, "options": o,
                "frameCount": int(frames.shape[0]), "dimension": dimension, "frames": rounded(frames),
            })
            print(f"{name}/{signal}: {frames.shape[0]} frames x {dimension}")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "signals.json").write_text(json.dumps(signal_json, separators=(",", ":")) + "\n")
    (OUT / "features.json").write_text(json.dumps({"cases": cases}, separators=(",", ":")) + "\n")
    for path in ("signals.json", "features.json"):
        print(f"{path}: {(OUT / path).stat().st_size} bytes")


if __name__ == "__main__":
    main()
