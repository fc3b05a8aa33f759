#!/usr/bin/env python3
"""Prints the sentences of Debian's `fortunes` (package fortunes), one per line, for `steno lm build --text`.

    python3 tools/fortune_sentences.py > fortunes.txt

Quotes are split into sentences and their attributions ("-- Name") dropped, as
tools/synthesize_speech.py does; steno lm build normalizes the text itself.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synthesize_speech import fortune_texts  # noqa: E402

for sentence in fortune_texts():
    sentence = sentence.strip()
    if sentence:
        print(sentence)
