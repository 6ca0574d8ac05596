"""A yes or a no in the customer's words (English first; the shop's other languages too), with what follows it."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:  # answers reads the yes and no words from here
    from support.services.answers import Answer

_YES_WORDS = (r"y|yes|yeah|yep|yup|yes please|sure|ok|okay|confirm|confirmed|please do|please|do it|go ahead|send it|"
              r"correct|ja|jawel|jawohl|graag|bitte|oui|ouais|d'accord|s[iíì]|vale|claro|sim|tak|certo|va bene")
YES = re.compile(rf"^\s*(?:(?:{_YES_WORDS})\b[\s,.!;:-]*)+", re.IGNORECASE)
NO = re.compile(r"^\s*(n|no|nope|nah|not now|don'?t|do not|cancel that|cancel it|stop|keep it|never ?mind|nee|nein|"
                r"non|n[ãa]o|nie|no gracias|no thanks)\b", re.IGNORECASE)
# A reply with no word in it and no order number: "1" (as if choosing from a list), "?", "...", an emoji.
_WORDLESS = re.compile(r"^\W*\d{0,2}\W*$")


def wordless(text: str) -> bool:
    """`text` says neither yes nor no nor anything else: a yes/no question gets asked again rather than dropped
    ("1" to "Shall I send it to our team? (yes / no)" was routed afresh and reopened the item list)."""
    return bool(_WORDLESS.match(text.strip()))


def asked_again(question: Answer) -> Answer:
    """The yes/no `question` asked again, saying what kind of reply it needs."""
    return replace(question, text=_("Please answer yes or no.") + " " + question.text)
