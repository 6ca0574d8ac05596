"""Screening what goes into the LLM and what comes out of it."""
from __future__ import annotations

import re

from support.llm.guard_phrases import IGNORE_INSTRUCTIONS, MONEY_PROMISE
from support.llm.pii import EMAIL

# Attempts to rewrite the model's instructions; "ignore / forget ... instructions" in every language is data
# (support/llm/guard_phrases.py IGNORE_INSTRUCTIONS), the rest English.
INJECTION = re.compile(
    r"\b(system|hidden|initial|original)\s+(prompt|instructions?|message)\b|"
    r"\byou are now\b|\bact as\b|\bpretend (to be|you are)\b|\bdeveloper mode\b|\bjailbreak\b|\bDAN\b|"
    r"\b(new|updated) instructions?\b|\bfrom now on\b|</?(system|instructions?|customer_message|help_passage)>|"
    r"\b(approve|issue|authori[sz]e)\b.{0,30}\brefunds?\b|\bchange (the|your) route\b|"
    r"\b(reveal|print|show|repeat|output)\b.{0,30}\b(prompt|instructions|configuration|tools)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://(?![\w.-]*example-shoppe\.test)[^\s)\]]+", re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    return bool(INJECTION.search(text) or IGNORE_INSTRUCTIONS.search(text))


def _shingles(text: str, size: int = 7) -> set[str]:
    words = re.findall(r"[a-z']+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(max(0, len(words) - size + 1))}


class OutputGuard:
    """Checks a reply as it streams: each complete sentence before the customer sees it."""

    def __init__(self, *, system_prompt: str, allowed_order_numbers: set[str], allowed_emails: set[str]) -> None:
        self._prompt_shingles = _shingles(system_prompt)
        self._orders = allowed_order_numbers
        self._emails = {e.lower() for e in allowed_emails}

    def violation(self, text: str) -> str | None:
        """Why `text` must not reach the customer, or None."""
        if MONEY_PROMISE.search(text):
            return "promised_money"
        if self._prompt_shingles & _shingles(text):
            return "system_prompt_leak"
        for number in re.findall(r"\b\d{5}\b", text):
            if number not in self._orders:
                return "other_customer_order"
        for email in EMAIL.findall(text):
            if email.lower() not in self._emails and not email.lower().endswith("@example-shoppe.test"):
                return "other_customer_data"
        if _LINK.search(text):
            return "external_link"
        return None
