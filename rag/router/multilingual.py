"""The route of a message that is not in English, decided by learned steps only.

The classifier's probabilities summed per route, thresholds set on held-out exemplars
(rag/router/multilingual_model.py), and the nearest exemplars for "not about the shop":
no keyword lists, so the same decision holds in every language the exemplars cover.
English messages keep the English router (rag/router/decide.py) and its measured floors, with
this model's second opinion on what that router would answer itself (`second_opinion`).
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from rag.router.decide import IntentRouter, RouteDecision
from rag.router.multilingual_model import MultilingualModel
from rag.router.policy import INTENT_ROUTES, OFF_TOPIC, Route


# Routine answers about money the English router would give (a payment problem): the multilingual
# model's refund demand at its recall threshold overrules them, since a charge to be put right is
# a refund a person decides.
MONEY_MATTERS = frozenset({"payment_issue"})


class MultilingualRouter(IntentRouter):
    """The route of a message in any of the shop's languages, every step learned (see the module doc).

    It embeds and times a message as the English router does (`IntentRouter.decide`); only the decision differs.
    """

    model: MultilingualModel

    def _decide(self, text: str, vector: np.ndarray) -> tuple[Route, str, float, str, dict[str, float]]:
        proba, top = self._classify(vector, text)
        routes = self.model.route_probabilities(proba)
        (intent, p1), (second, p2) = top[0], top[1]
        sims, neighbours = self.model.nearest(vector)
        shop = neighbours != self.model.off_topic
        in_domain_sim = float(sims[shop].max()) if shop.any() else 0.0
        scores: dict[str, float] = {
            "top": round(p1, 4),
            "margin": round(p1 - p2, 4),
            "second_intent": second,  # type: ignore[dict-item]
            "in_domain_similarity": round(in_domain_sim, 4),
            **{f"p_{name}": round(p, 4) for name, p in top},
            **{f"route_{name}": round(p, 4) for name, p in routes.items()},
        }

        # 1. Money back, however it is worded: a person decides.
        p_refund = self._p(proba, "get_refund")
        if p_refund >= self.t["refund_probability"]:
            return "human", "get_refund", p_refund, f"refund request ({p_refund:.2f}): a person decides", scores

        # 2. Asking for a person.
        p_person = self._p(proba, "contact_human_agent")
        if p_person >= self.t["person_probability"]:
            return "human", "contact_human_agent", p_person, f"asked for a person ({p_person:.2f})", scores

        # 3. Not about the shop: nothing the shop is asked looks like it, or off-topic is the likeliest route.
        best = max(routes, key=routes.__getitem__)
        if in_domain_sim < self.t["ood_similarity"]:
            return "off_topic", OFF_TOPIC, routes["off_topic"], "unlike anything the shop is asked", scores
        if best == "off_topic":
            return "off_topic", OFF_TOPIC, routes["off_topic"], f"off-topic ({routes['off_topic']:.2f})", scores

        # 4. A situation, an exception, advice or several things at once: a strong model.
        if best == "llm":
            return "llm", intent, routes["llm"], f"needs reasoning ({routes['llm']:.2f})", scores
        if best == "human":
            return "human", self._best_of("human", proba), routes["human"], f"for a person ({routes['human']:.2f})", scores

        # 5. Routine, when sure enough; unsure goes to the strong model, not a canned guess.
        local_intent = self._best_of("local", proba)
        if routes["local"] < self.t["local_confidence"]:
            return "llm", local_intent, routes["local"], f"unsure: {local_intent} only {routes['local']:.2f}", scores
        return "local", local_intent, routes["local"], f"{local_intent} ({self._p(proba, local_intent):.2f})", scores

    def second_opinion(self, text: str, decision: RouteDecision) -> RouteDecision:
        """The English router's `decision`, overruled where this model is sure of what it missed.

        The English router reads short, template-like questions very well and indirect
        requests less so ("it's €40 cheaper since I bought it last week"). This model, trained
        on chat-style messages, hands a message to a person when it reads a refund demand, and
        to the strong model when it reads a question that needs reasoning, at probabilities
        where SECOND_OPINION_PRECISION of its held-out exemplars are right; never the other
        way round, so a refund demand the English router caught stays with a person.
        """
        if decision.route == "human":
            return decision
        started = time.perf_counter()
        proba = self.model.probabilities(self.encoder.encode_one(text), text)
        p_refund = self._p(proba, "get_refund")
        p_llm = self.model.route_probabilities(proba)["llm"]
        scores = {**decision.scores, "second_opinion_refund": round(p_refund, 4), "second_opinion_llm": round(p_llm, 4)}
        spent = decision.latency_ms + (time.perf_counter() - started) * 1000
        money_matter = decision.route == "local" and decision.intent in MONEY_MATTERS
        if p_refund >= self.t["second_opinion_refund"]:
            route, intent, confidence = "human", "get_refund", p_refund
            reason = f"refund request ({p_refund:.2f}, second opinion): a person decides"
        elif money_matter and p_refund >= self.t["refund_probability"]:
            route, intent, confidence = "human", "get_refund", p_refund
            reason = f"refund request about a {decision.intent} ({p_refund:.2f}, second opinion): a person decides"
        elif decision.route == "local" and p_llm >= self.t["second_opinion_llm"]:
            route, intent, confidence = "llm", decision.intent, p_llm
            reason = f"needs reasoning ({p_llm:.2f}, second opinion; {decision.reason})"
        else:
            return replace(decision, scores=scores, latency_ms=round(spent, 3))
        return replace(decision, route=route, intent=intent, confidence=round(confidence, 4), reason=reason[:200],
                       scores=scores, latency_ms=round(spent, 3))

    def _best_of(self, route: Route, proba: np.ndarray) -> str:
        """The likeliest intent that the policy sends to `route`."""
        candidates = [i for i, name in enumerate(self.model.intents) if INTENT_ROUTES[name] == route]
        return self.model.intents[max(candidates, key=lambda i: proba[i])]
