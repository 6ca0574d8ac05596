"""The server's first step, taken on the device: is the message about another company or public service?

The server's router sends "how do I contact Apple customer service", "delete my Twitter account" or
"how do I unsubscribe from my gym's newsletter" off-topic before any classifier reads them
(rag.router.safety.other_services): a public-service word, or a capitalised name that is not the shop's
after "on", "my", "with"... The student cannot learn that rule: its features are lowercased, and one
name weighs little against a help question's words. On held-out exemplars such look-alikes were most of
its confident disagreements with the server, so the device asks the same rule and leaves those messages
to the server. Matching is ASCII-only (the server's patterns read with re.ASCII), so that the browser
(static/chat/device/elsewhere.js) computes exactly the same; the rule travels in the model's file. The names of other
organisations the multilingual router declines in every language (rag/router/organisations.py: "mijn Zalando retour")
travel with it as one pattern, matched in `folded` text as the server matches them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.router.organisations import organisations_named
from rag.router.safety import product_kind

_TOKEN = re.compile(r"[A-Za-z0-9_&'’-]+")
_POSSESSIVE_ENDING = "'’s"


@dataclass(frozen=True)
class ElsewhereRule:
    services: str  # the server's OTHER_SERVICE pattern
    about_us: str  # the server's ABOUT_US pattern: a message that says "you" or "your" is about the shop
    name_context: frozenset[str]
    common_names: frozenset[str]  # countries, months, "ok"...: capitalised, yet not a company
    shop_names: frozenset[str]  # every word of the shop's own texts (the server router's shop_vocabulary)
    organisations: str = ""  # the pattern of other organisations' names (rag/router/organisations.py)
    product_kinds: frozenset[str] = frozenset()  # "lamp", "sofa"...: a name one or two words before one is a product's

    @classmethod
    def from_server(cls) -> ElsewhereRule:
        from rag.router import safety
        from rag.router.organisations import organisations_rule
        from rag.router.serving import router_get

        return cls(safety.OTHER_SERVICE.pattern, safety.ABOUT_US.pattern, frozenset(safety._NAME_CONTEXT),
                   safety.COMMON_PROPER_NAMES, frozenset(router_get().model.shop_vocabulary), organisations_rule(),
                   safety.PRODUCT_KINDS)

    def names_elsewhere(self, text: str) -> bool:
        """Whether the message names another company or public service, as the server's rules read it."""
        if organisations_named(text, self.organisations):
            return True
        if re.search(self.about_us, text, re.IGNORECASE | re.ASCII):
            return False
        if re.search(self.services, text, re.IGNORECASE | re.ASCII):
            return True
        previous = "<start>"
        tokens = _TOKEN.findall(text)
        for at, token in enumerate(tokens):
            if self._is_name(token, previous, tokens[at + 1:at + 3]):
                return True
            previous = token.lower()
        return False

    def _is_name(self, token: str, previous: str, following: list[str]) -> bool:
        word = token.rstrip(_POSSESSIVE_ENDING) if token.endswith(("'s", "’s")) else token
        if len(word) < 2 or not ("a" <= word[0].lower() <= "z") or any(c.isdigit() for c in word) \
                or word.lower() in self.shop_names or word.lower() in self.common_names \
                or any(product_kind(next_word, self.product_kinds) for next_word in following):
            return False
        capitalised = any("A" <= c <= "Z" for c in word)
        acronym = capitalised and not any("a" <= c <= "z" for c in word) and len(word) >= 3
        return capitalised and (previous in self.name_context or word != token or acronym)

    def to_json(self) -> dict:
        return {"services": self.services, "about_us": self.about_us, "name_context": sorted(self.name_context),
                "common_names": sorted(self.common_names), "shop_names": sorted(self.shop_names),
                "organisations": self.organisations, "product_kinds": sorted(self.product_kinds)}

    @classmethod
    def from_json(cls, data: dict) -> ElsewhereRule:
        return cls(data["services"], data["about_us"], frozenset(data["name_context"]),
                   frozenset(data["common_names"]), frozenset(data["shop_names"]), data.get("organisations", ""),
                   frozenset(data.get("product_kinds", [])))
