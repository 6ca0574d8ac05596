"""Screening what goes into the LLM and what comes out of it."""
from __future__ import annotations

import re

from support.llm.pii import EMAIL

INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|guidelines|above|previous)\b|"
    r"\b(system|hidden|initial|original)\s+(prompt|instructions?|message)\b|"
    r"\byou are now\b|\bact as\b|\bpretend (to be|you are)\b|\bdeveloper mode\b|\bjailbreak\b|\bDAN\b|"
    r"\b(new|updated) instructions?\b|\bfrom now on\b|</?(system|instructions?|customer_message|help_passage)>|"
    r"\b(approve|issue|authori[sz]e)\b.{0,30}\brefunds?\b|\bchange (the|your) route\b|"
    r"\b(reveal|print|show|repeat|output)\b.{0,30}\b(prompt|instructions|configuration|tools)\b",
    re.IGNORECASE,
)
MONEY_PROMISE = re.compile(
    r"\b(refund|reimburse|compensat|credit|discount|voucher|pay you|money back)\w*\b.{0,40}\b(approved|issued|processed|"
    r"granted|on (its|the) way|guaranteed)\b|"
    r"\b(i|we)('ve| have|'ll| will| can| shall)\b.{0,30}\b(refund|reimburse|compensate|credit|pay)\w*\b|"
    r"\byou('ll| will)\b.{0,20}\b(get|receive|be given)\b.{0,25}\b(refund|money back|reimbursement|compensation|"
    r"discount|voucher)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"https?://(?![\w.-]*example-shoppe\.test)[^\s)\]]+", re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    return bool(INJECTION.search(text))


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
