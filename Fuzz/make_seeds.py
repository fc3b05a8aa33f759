#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Seeds/<target>/: small valid inputs for each fuzzer.

Run from anywhere: python3 Fuzz/make_seeds.py. Deterministic; the output is committed."""
import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "Seeds")


def write(target, name, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# Model files, as ModelContainer writes them (see its layout table).
def model(tensors, metadata, dtype="f32"):
    table, data, offset = [], b"", 0
    for name, shape, values in tensors:
        if dtype == "f32":
            payload = struct.pack("<%df" % len(values), *values)
        else:
            payload = struct.pack("<%de" % len(values), *values)
        table.append({"dtype": dtype, "length": len(payload), "name": name, "offset": offset, "shape": shape})
        data += payload
        offset += len(payload)
    body = json.dumps(table, sort_keys=True, separators=(",", ":"))
    header = ('{"metadata":%s,"tensors":%s}' % (json.dumps(metadata, separators=(",", ":")), body)).encode()
    out = b"STENOMDL" + struct.pack("<IQ", 1, len(header)) + header + data
    return out + struct.pack("<I", zlib.crc32(out) & 0xFFFFFFFF)


weights = [("linear.weight", [2, 3], [0.5, -1.0, 2.0, 0.0, 1.5, -0.25]), ("linear.bias", [2], [0.1, -0.1])]
write("FuzzModel", "f32.steno", model(weights, {"alphabet": "ab", "layers": 1}))
write("FuzzModel", "f16.steno", model(weights, {"alphabet": "ab"}, dtype="f16"))
write("FuzzModel", "scalar.steno", model([("scale", [], [3.0]), ("empty", [0, 4], [])], {}))
write("FuzzModel", "no-tensors.steno", model([], {"note": "nothing"}))

# ARPA files: the tests' tiny trigram, plus a unigram and a bigram model.
with open(os.path.join(HERE, "..", "Tests", "StenoLMTests", "Fixtures", "tiny_trigram.arpa"), "rb") as f:
    write("FuzzARPA", "tiny_trigram.arpa", f.read())
write("FuzzARPA", "unigram.arpa", b"\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\n-0.5\thello\n-0.7\t</s>\n\n\\end\\\n")
write("FuzzARPA", "bigram.arpa",
      b"\\data\\\nngram 1=4\nngram 2=3\n\n\\1-grams:\n-1.0 <unk>\n-99 <s> -0.3\n-0.5 yes -0.2\n-0.6 </s>\n\n"
      b"\\2-grams:\n-0.1 <s> yes\n-0.2 yes </s>\n-1e-05 yes yes\n\n\\end\\\n")

# Binary language models: the ARPA seeds compiled by `steno lm compile` (a built steno is needed:
# .build/release/steno or .build/debug/steno; without one these seeds are left as they are).
def compile_binary_seeds():
    root = os.path.join(HERE, "..")
    steno = next((p for p in (os.path.join(root, ".build", c, "steno") for c in ("release", "debug")) if os.path.exists(p)), None)
    if steno is None:
        print("no built steno: FuzzBinaryLM seeds not rewritten")
        return
    os.makedirs(os.path.join(SEEDS, "FuzzBinaryLM"), exist_ok=True)
    for name in ("tiny_trigram", "unigram", "bigram"):
        subprocess.run([steno, "lm", "compile", os.path.join(SEEDS, "FuzzARPA", name + ".arpa"),
                        "--output", os.path.join(SEEDS, "FuzzBinaryLM", name + ".bin")], check=True)


compile_binary_seeds()

# Manifests: the first byte picks the name (odd: .jsonl, even: .tsv), then the file's bytes.
write("FuzzManifest", "tsv", b"\x00# audio<TAB>text\na.wav\thello world\n\nsub/b.wav\tgood morning\t2.5\n/abs/c.flac\t\n")
write("FuzzManifest", "tsv-crlf-bom", b"\x00\xef\xbb\xbfa.wav\thello\r\nb.wav\tcaf\xc3\xa9\r\n")
write("FuzzManifest", "jsonl", b'\x01{"audio_filepath": "a.wav", "text": "hello", "duration": 1.5}\n'
      b'{"audio_filepath": "/x/b.wav", "text": "", "duration": null}\n')
write("FuzzManifest", "json-sniffed", b'\x00# comment\n{"audio_filepath": "a.wav", "text": "hi there", "extra": [1, 2]}\n')


# PCM streams: byte 0 = encoding (bits 0-1: s16le, s32le, f32le, wav) | (channels - 1) << 2,
# byte 1 = seed for the piece sizes; then the stream.
def wav(samples_bytes, tag=1, channels=1, rate=16000, bits=16, size=None, extra=b"", extensible=False):
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block, block, bits)
    if extensible:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    data_size = len(samples_bytes) if size is None else size
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data" + struct.pack("<I", data_size) + samples_bytes
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


tone = [math.sin(2 * math.pi * 440 * i / 16000) * 0.5 for i in range(24)]
s16 = struct.pack("<24h", *[int(x * 32767) for x in tone])
f32 = struct.pack("<24f", *tone)
write("FuzzPCM", "wav-s16-mono", b"\x03\x07" + wav(s16))
write("FuzzPCM", "wav-s16-stereo-list", b"\x03\x2a" + wav(s16, channels=2, extra=b"LIST\x05\x00\x00\x00INFOx\x00"))
write("FuzzPCM", "wav-f32-stream", b"\x03\x11" + wav(f32, tag=3, bits=32, size=0xFFFFFFFF))
write("FuzzPCM", "wav-s24-extensible", b"\x03\x05" + wav(s16[:45], bits=24, extensible=True) + b"trailing")
write("FuzzPCM", "wav-u8", b"\x03\x09" + wav(bytes(range(100, 140)), bits=8, size=0))
write("FuzzPCM", "raw-s16-mono", b"\x00\x03" + s16)
write("FuzzPCM", "raw-s32-stereo", b"\x05\x21" + struct.pack("<12i", *[int(x * 2**31 * 0.9) for x in tone[:12]]))
write("FuzzPCM", "raw-f32-mono", b"\x02\x13" + f32 + b"\x00\x01")


# Audio files, decoded through libsndfile: WAV written here, other containers by sox when it is
# installed (50 ms of a 440 Hz tone at 8 kHz, so the files stay small).
tone8k = [math.sin(2 * math.pi * 440 * i / 8000) * 0.5 for i in range(400)]
s16_8k = struct.pack("<400h", *[int(x * 32767) for x in tone8k])
write("FuzzAudioFile", "wav-s16-8k.wav", wav(s16_8k, rate=8000))
write("FuzzAudioFile", "wav-f32-stereo.wav", wav(struct.pack("<48f", *tone[:24] * 2), tag=3, bits=32, channels=2))
write("FuzzAudioFile", "wav-s24-extensible.wav", wav(s16[:45], bits=24, extensible=True))
write("FuzzAudioFile", "wav-u8-list.wav", wav(bytes(range(100, 140)), bits=8, extra=b"LIST\x05\x00\x00\x00INFOx\x00"))
if shutil.which("sox"):
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "tone.wav")
        with open(source, "wb") as f:
            f.write(wav(s16_8k, rate=8000))
        for name, options in [("tone.flac", []), ("tone.ogg", ["-C", "-1"]), ("tone.aiff", []), ("tone.au", []),
                              ("tone.caf", []), ("tone.w64", []), ("tone-ima.wav", ["-e", "ima-adpcm"]),
                              ("tone-alaw.wav", ["-e", "a-law"])]:
            target = os.path.join(scratch, name)
            subprocess.run(["sox", "-R", "-D", source] + options + [target], check=True)  # -R -D: the same bytes each run
            with open(target, "rb") as f:
                write("FuzzAudioFile", name, f.read())
else:
    print("sox not found: FuzzAudioFile gets only the WAV seeds")
