"""The route of a message in any of the shop's languages, decided by learned steps and one list of names.

The classifier's probabilities summed per route, thresholds set on held-out exemplars
(rag/router/multilingual_model.py), and the nearest exemplars for "not about the shop":
no keyword lists, so the same decision holds in every language the exemplars cover. One rule is data: the
names of other organisations (rag/router/organisations.py), which no classifier can know are not the shop's.
It decides English messages too, audited by the English router (rag/router/decide.py `english_audited`).
"""
from __future__ import annotations

import numpy as np

from rag.router.decide import IntentRouter
from rag.router.multilingual_model import OFF_TOPIC_NEARER, SURE_ROUTINE, MultilingualModel
from rag.router.organisations import about_another_organisation
from rag.router.policy import INTENT_ROUTES, OFF_TOPIC, Route


class MultilingualRouter(IntentRouter):
    """The route of a message in any of the shop's languages, every step learned (see the module doc).

    It embeds and times a message as the English router does (`IntentRouter.decide`); only the decision differs.
    """

    model: MultilingualModel

    def _decide(self, text: str, vector: np.ndarray) -> tuple[Route, str, float, str, dict[str, float]]:
        proba, top = self._classify(vector, text)
        routes = self.model.route_probabilities(proba)
        (intent, p1), (second, p2) = top[0], top[1]
        in_domain_sim = self._nearest_shop(vector)
        off_topic_sim = self.model.nearest_off_topic(vector)
        if off_topic_sim > in_domain_sim + OFF_TOPIC_NEARER:  # step 5 may decline it for that: make sure of it
            in_domain_sim = max(in_domain_sim, self._nearest_shop(vector, thorough=True))
        scores: dict[str, float] = {
            "top": round(p1, 4),
            "margin": round(p1 - p2, 4),
            "second_intent": second,  # type: ignore[dict-item]
            "in_domain_similarity": round(in_domain_sim, 4),
            "off_topic_similarity": round(off_topic_sim, 4),  # a near copy of "asdf", "lol", "👍": a message of its own
            **{f"p_{name}": round(p, 4) for name, p in top},
            **{f"route_{name}": round(p, 4) for name, p in routes.items()},
        }

        # 1. Money back, however it is worded: a person decides. Where a refund is only possible and the message
        #    most likely needs reasoning (a story, an exception), the strong model, which hands any request for
        #    money to staff itself: never a canned answer.
        p_refund = self._p(proba, "get_refund")
        best = max(routes, key=routes.__getitem__)
        if p_refund >= self.t["refund_probability"]:
            if best == "llm" and p_refund < self.t["refund_sure"]:
                return ("llm", intent, routes["llm"],
                        f"needs reasoning ({routes['llm']:.2f}); money back possible ({p_refund:.2f}): the strong model hands it on", scores)
            return "human", "get_refund", p_refund, f"refund request ({p_refund:.2f}): a person decides", scores

        # 2. Asking for a person.
        p_person = self._p(proba, "contact_human_agent")
        if p_person >= self.t["person_probability"]:
            return "human", "contact_human_agent", p_person, f"asked for a person ({p_person:.2f})", scores

        # 3. Not about the shop: nothing the shop is asked looks like it, or off-topic is the likeliest route. A
        #    message the classifier reads as needing reasoning is not declined for being unlike the exemplars: a
        #    specific situation is unusual by nature (a bookcase on underfloor heating, a sofa for a houseboat).
        #    Nor is one it is as sure is a routine question as almost no unusual off-topic exemplar is.
        sure_routine = best == "local" and routes["local"] >= self.t["unusual_but_routine"]
        if in_domain_sim < self.t["ood_similarity"] and best != "llm" and not sure_routine:
            return "off_topic", OFF_TOPIC, routes["off_topic"], "unlike anything the shop is asked", scores
        if best == "off_topic":
            return "off_topic", OFF_TOPIC, routes["off_topic"], f"off-topic ({routes['off_topic']:.2f})", scores

        # 4. A situation, an exception, advice or several things at once: a strong model.
        if best == "llm":
            return "llm", intent, routes["llm"], f"needs reasoning ({routes['llm']:.2f})", scores
        if best == "human":
            return "human", self._best_of("human", proba), routes["human"], f"for a person ({routes['human']:.2f})", scores

        # 5. Routine, when sure enough; unsure goes to the strong model, not a canned guess. The shop's help page
        #    does not answer a routine question about another organisation ("my Zalando return", "my DigiD password").
        local_intent = self._best_of("local", proba)
        if elsewhere := about_another_organisation(text):
            return ("off_topic", OFF_TOPIC, routes["off_topic"],
                    f"about {', '.join(elsewhere[:3])}, not this shop ({local_intent} {routes['local']:.2f})", scores)
        nearer_off_topic = off_topic_sim - in_domain_sim
        if nearer_off_topic > OFF_TOPIC_NEARER and (
                routes["local"] < SURE_ROUTINE or nearer_off_topic > self.t.get("off_topic_nearer_sure", 1.0)):
            return ("off_topic", OFF_TOPIC, routes["off_topic"],
                    f"closer to off-topic questions than to shop ones ({local_intent} {routes['local']:.2f})", scores)
        if routes["local"] < self.t["local_confidence"]:
            return "llm", local_intent, routes["local"], f"unsure: {local_intent} only {routes['local']:.2f}", scores
        return "local", local_intent, routes["local"], f"{local_intent} ({self._p(proba, local_intent):.2f})", scores

    def _nearest_shop(self, vector: np.ndarray, *, thorough: bool = False) -> float:
        """How similar the nearest shop exemplar the graph finds is (0 where none is among the ten)."""
        sims, neighbours = self.model.nearest(vector, thorough=thorough) if thorough else self.model.nearest(vector)
        shop = neighbours != self.model.off_topic
        return float(sims[shop].max()) if shop.any() else 0.0

    def _best_of(self, route: Route, proba: np.ndarray) -> str:
        """The likeliest intent that the policy sends to `route`."""
        candidates = [i for i, name in enumerate(self.model.intents) if INTENT_ROUTES[name] == route]
        return self.model.intents[max(candidates, key=lambda i: proba[i])]
