"""Estimating what the LLM tier costs for a mix of messages."""
from __future__ import annotations

import pytest

from support.services.costs import llm_cost_estimate

pytestmark = pytest.mark.django_db


def test_only_escalated_messages_cost_money(local_models):
    texts = ["where is my order?", "which payment methods do you accept?",
             "I ordered two lamps in different orders, one arrived broken and the other never came, and I moved "
             "last week. What should I do about each?"]
    estimate = llm_cost_estimate(texts=texts, router=local_models)
    assert estimate.escalations == 1 and round(estimate.llm_calls_per_1000) == 333
    assert estimate.prompt_tokens_per_escalation > 300
    assert 0 < estimate.cost_per_1000_eur < estimate.cost_per_1000_all_llm_eur
