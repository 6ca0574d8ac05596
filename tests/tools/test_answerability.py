"""The answerability measurement (tools/answerability.py) ranks the intent's own page first for a plain question."""
from __future__ import annotations

import pytest

from tools.answerability import page_rank


@pytest.mark.django_db
@pytest.mark.parametrize("text, intent", [
    ("how do I return an item?", "return_item"),
    ("welche Zahlungsarten akzeptiert ihr?", "check_payment_methods"),
])
def test_a_plain_question_finds_its_intents_page_first(local_models, text, intent):
    decision = local_models.decide(text)
    assert (decision.route, decision.intent) == ("local", intent)
    assert page_rank(decision, text) == 0
