"""Personal data out before a request leaves the server, back in for the customer's eyes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d(?:[\s().-]?\d){7,14}(?![\w/])")
_STREET = re.compile(
    r"\b\d{1,5}[a-z]?\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*\s+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|"
    r"Court|Ct|Place|Pl|Square|Sq|Boulevard|Blvd)\b|"
    r"\b[A-Z][\w'-]*(?:straat|gracht|laan|weg|plein|kade|straße|strasse|gasse|weg)\s+\d{1,5}[a-z]?\b|"
    r"\b\d{4}\s?[A-Z]{2}\b",
)


def _luhn_ok(digits: str) -> bool:
    total, double = 0, False
    for ch in reversed(digits):
        d = int(ch) * 2 if double else int(ch)
        total += d - 9 if d > 9 else d
        double = not double
    return total % 10 == 0


@dataclass
class Redactor:
    """Replaces personal data with numbered placeholders, remembering each original.

    One redactor per LLM request, so the same email is the same placeholder in every
    turn, and `restore` can put the customer's own data back into the reply.
    """

    names: list[str] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.strip().lower())
        if key not in self._by_value:
            count = sum(1 for k, _ in self._by_value if k == kind) + 1
            token = f"[{kind}_{count}]"
            self._by_value[key] = token
            self.originals[token] = value.strip()
        return self._by_value[key]

    def redact(self, text: str) -> str:
        text = EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)

        def card(match: re.Match[str]) -> str:
            digits = re.sub(r"\D", "", match.group(0))
            return self._placeholder("CARD", match.group(0)) if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)

        text = CARD.sub(card, text)
        text = _PHONE.sub(lambda m: m.group(0) if len(re.sub(r"\D", "", m.group(0))) < 9 else self._placeholder("PHONE", m.group(0)), text)
        text = _STREET.sub(lambda m: self._placeholder("ADDRESS", m.group(0)), text)
        for name in self.names:
            if len(name) >= 2:
                text = re.sub(rf"\b{re.escape(name)}\b", lambda m: self._placeholder("NAME", m.group(0)), text, flags=re.IGNORECASE)
        return text

    def restore(self, text: str) -> str:
        for token, value in self.originals.items():
            text = text.replace(token, value)
        return text
