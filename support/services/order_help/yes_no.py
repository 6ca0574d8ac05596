"""A yes or a no in the customer's words (English first; the shop's other languages too), with what follows it."""
from __future__ import annotations

import re

_YES_WORDS = (r"y|yes|yeah|yep|yup|yes please|sure|ok|okay|confirm|confirmed|please do|please|do it|go ahead|send it|"
              r"correct|ja|jawel|jawohl|graag|bitte|oui|ouais|d'accord|s[iíì]|vale|claro|sim|tak|certo|va bene")
YES = re.compile(rf"^\s*(?:(?:{_YES_WORDS})\b[\s,.!;:-]*)+", re.IGNORECASE)
NO = re.compile(r"^\s*(n|no|nope|nah|not now|don'?t|do not|cancel that|cancel it|stop|keep it|never ?mind|nee|nein|"
                r"non|n[ãa]o|nie|no gracias|no thanks)\b", re.IGNORECASE)
