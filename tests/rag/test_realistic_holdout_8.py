"""The router on the eighth own realistic held-out set, every language.

tests/data/realistic_holdout_8/ was written in session 31 by a helper who read no project file (its README): 64 messages
per language, 18 of them off-topic, half of those near misses that sound like a home-goods shop. Measured once before
anyone read a row (the router of session 30, AMD EPYC with AVX-512 VNNI): 91.2% routed right (en 93.8, others
85.9-93.8), refund demands to a person 96.9%, requests for a person 96.9%, needs reasoning to the LLM or a person 95.8%,
off-topic answered as routine 4.2%, and ONE REFUND DEMAND ANSWERED BY THE BOT (a welcome discount code that did not
apply, "can you sort out the amount", read as a payment problem). The issue's target is none: not met on this set.
Session 31 measured a batch of exemplars that fixed it (README, "measured, not kept"), but it handed refund-status
questions to people beyond another set's floor. These floors (a message or two below each figure) keep the set from
getting worse; the refund floor is the one demand measured, and any other answered fails.
"""
from __future__ import annotations

import pytest

from tests.rag.held_out import held_out_routed


@pytest.mark.django_db
def test_the_eighth_held_out_set_is_routed_as_first_measured(local_models):
    result = held_out_routed("realistic_holdout_8", size=512, router=local_models)
    figures = result.figures
    assert figures["refund demands answered by the bot"] <= 1  # the target is 0: see the module's doc
    assert figures["route accuracy"] >= 0.90
    assert figures["refund-to-human recall"] >= 0.95
    assert figures["request-for-a-person recall"] >= 0.93
    assert figures["needs reasoning to the LLM or a person"] >= 0.94
    assert figures["off-topic answered as routine"] <= 0.056  # 6 of 144 measured; 9 would fail
    assert figures["route accuracy, en"] >= 0.92
    for language, numbers in result.per_language.items():
        assert numbers["route accuracy"] >= 0.83, language
