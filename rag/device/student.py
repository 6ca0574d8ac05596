"""The on-device student: a linear classifier over hashed features, with int8 weights.

Two heads share the features: the intent the server would answer the message with locally
(one of the device's scope) or "server", and the language the server would read it in. The
device answers only when both are confident: their product reaches a threshold learned on
held-out exemplars (rag/device/training.py), and the message names no other company or public service
(rag/device/elsewhere.py: the server's own first step). This module computes exactly what the browser
computes (static/chat/device/student.js), from the same quantised weights.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np

from rag.device.distil import SERVER
from rag.device.elsewhere import ElsewhereRule
from rag.device.features import BUCKETS, CHAR_NGRAMS, message_features

FORMAT = 3  # 2: the server's rule for other companies' names travels with the weights; 3: and the longest message
# An everyday help question is short ("I forgot my password", "how long does delivery take to Lyon?"); longer messages
# are left to the server. Chosen before measuring, as the scope of "routine help", not fitted to any set.
MAX_WORDS = 12


@dataclass(frozen=True)
class DeviceDecision:
    """The device's answer to a message: an intent in its scope, in a language, and how sure."""

    intent: str
    language: str
    confidence: float


def int8_columns(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, float64 scale per column): each column scaled to its largest weight, on its own (so a
    head's columns quantise the same with or without the other head's beside them)."""
    largest = np.abs(weights).max(axis=0)
    scales = np.where(largest > 0, largest / 127.0, 1.0)
    return np.clip(np.rint(weights / scales), -127, 127).astype(np.int8), scales.astype(np.float64)


@dataclass
class DeviceStudent:
    classes: list[str]  # the scope's intents, then SERVER
    languages: list[str]
    quantised: np.ndarray  # (BUCKETS, classes + languages) int8, bucket-major as the browser reads it
    scales: np.ndarray  # (classes + languages,): a column's weight is quantised * scale
    bias: np.ndarray  # (classes + languages,)
    threshold: float
    meta: dict = field(default_factory=dict)
    elsewhere: ElsewhereRule | None = None  # None: no message is taken for another company's
    max_words: int = MAX_WORDS

    @classmethod
    def quantise(cls, *, classes: list[str], languages: list[str], weights: np.ndarray, bias: np.ndarray,
                 threshold: float = 1.0, meta: dict | None = None, elsewhere: ElsewhereRule | None = None
                 ) -> DeviceStudent:
        """From float weights (BUCKETS, columns): int8 per column, scaled to its largest weight."""
        quantised, scales = int8_columns(weights)
        return cls(classes, languages, quantised, scales, bias.astype(np.float64), threshold,
                   meta or {}, elsewhere)

    def probabilities(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(intent probabilities over `classes`, language probabilities over `languages`)."""
        features = message_features(text)
        buckets = np.fromiter(features.keys(), dtype=np.int64, count=len(features))
        values = np.fromiter(features.values(), dtype=np.float64, count=len(features))
        logits = self.bias + self.scales * (values @ self.quantised[buckets].astype(np.float64))
        return _softmax(logits[: len(self.classes)]), _softmax(logits[len(self.classes):])

    def decide(self, text: str) -> DeviceDecision | None:
        """The device's answer, or None when the server decides (not confident, not in scope, or about
        another company)."""
        intent_p, language_p = self.probabilities(text)
        intent, language = int(intent_p.argmax()), int(language_p.argmax())
        confidence = float(intent_p[intent] * language_p[language])
        if self.classes[intent] == SERVER or confidence < self.threshold or self.names_elsewhere(text) \
                or too_long(text, self.max_words):
            return None
        return DeviceDecision(self.classes[intent], self.languages[language], confidence)

    def names_elsewhere(self, text: str) -> bool:
        return self.elsewhere is not None and self.elsewhere.names_elsewhere(text)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "buckets": BUCKETS,
            "char_ngrams": list(CHAR_NGRAMS),
            "classes": self.classes,
            "languages": self.languages,
            "server": SERVER,
            "threshold": self.threshold,
            "scales": self.scales.tolist(),
            "bias": self.bias.tolist(),
            "weights": base64.b64encode(np.ascontiguousarray(self.quantised).tobytes()).decode("ascii"),
            "elsewhere": self.elsewhere.to_json() if self.elsewhere else None,
            "max_words": self.max_words,
            "meta": self.meta,
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> DeviceStudent:
        data = json.loads(text)
        if data["format"] != FORMAT or data["buckets"] != BUCKETS or data["char_ngrams"] != list(CHAR_NGRAMS):
            raise ValueError("a device model of another format")
        columns = len(data["classes"]) + len(data["languages"])
        quantised = np.frombuffer(base64.b64decode(data["weights"]), dtype=np.int8).reshape(BUCKETS, columns)
        return cls(data["classes"], data["languages"], quantised, np.array(data["scales"]), np.array(data["bias"]),
                   float(data["threshold"]), data.get("meta", {}),
                   ElsewhereRule.from_json(data["elsewhere"]) if data.get("elsewhere") else None, data["max_words"])


def too_long(text: str, max_words: int) -> bool:
    """More words than an everyday help question has: left to the server, whose router reads long messages with
    rules the student cannot see (several questions at once, advice, a second opinion on the whole story)."""
    return len(text.split()) > max_words


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()
