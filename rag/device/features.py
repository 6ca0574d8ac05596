"""What the on-device student reads of a message: hashed words, word pairs and character n-grams.

The browser computes exactly the same features (static/chat/device/features.js), so every
step here is one JavaScript has too: NFKC, lowercase, runs of letters and digits (Unicode
categories L* and N*), UTF-8 bytes hashed with 32-bit FNV-1a. No vocabulary is shipped: a
feature's bucket is its hash modulo BUCKETS.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from functools import lru_cache

# 2^16 buckets: measured against 2^14..2^17 on held-out exemplars (tools/bench_device.py reports the size).
BUCKETS = 1 << 16
CHAR_NGRAMS = (2, 3, 4)
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


@lru_cache(maxsize=1 << 18)  # a build reads a million n-grams, most of them many times
def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes (JavaScript: Math.imul over TextEncoder bytes)."""
    value = _FNV_OFFSET
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return value


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] in "LN"


def message_words(text: str) -> list[str]:
    """The message's words: NFKC, lowercased, runs of letters and digits."""
    words: list[str] = []
    current: list[str] = []
    for character in unicodedata.normalize("NFKC", text).lower():
        if _is_word_character(character):
            current.append(character)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def message_features(text: str) -> dict[int, float]:
    """{bucket: weight}: counts of words, word pairs and n-grams inside " word ", square-rooted, unit length."""
    words = message_words(text)
    names: list[str] = [f"w {w}" for w in words]
    names += [f"p {a} {b}" for a, b in zip(words, words[1:])]
    for word in words:
        padded = f" {word} "
        for n in CHAR_NGRAMS:
            names += [f"c {padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    counts = Counter(fnv1a(name) % BUCKETS for name in names)
    values = {bucket: math.sqrt(count) for bucket, count in counts.items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {bucket: v / norm for bucket, v in values.items()}
