"""What an LLM call costs (support/llm/pricing.py), and the estimate for a mix of messages."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from support.llm.pricing import TYPICAL_CALL_S, call_cost
from support.services.costs import llm_cost_estimate
from tests.production_stack import LLM_QUESTION  # advice on the shop's rugs for one customer's room

pytestmark = pytest.mark.django_db


def test_only_escalated_messages_cost_money(local_models):
    texts = ["where is my order?", "which payment methods do you accept?",
             LLM_QUESTION]
    estimate = llm_cost_estimate(texts=texts, router=local_models)
    assert estimate.escalations == 1 and round(estimate.llm_calls_per_1000) == 333
    assert estimate.prompt_tokens_per_escalation > 300
    assert 0 < estimate.cost_per_1000_eur < estimate.cost_per_1000_all_llm_eur


@override_settings(LLM_PRICE_INPUT_PER_MTOK=0.30, LLM_PRICE_OUTPUT_PER_MTOK=2.50, LLM_PRICE_PER_HOUR_EUR=0.0)
def test_a_managed_model_costs_its_tokens_whatever_the_time():
    assert call_cost(input_tokens=900, output_tokens=40, seconds=99) == Decimal("0.00037")


@override_settings(LLM_PRICE_INPUT_PER_MTOK=0.0, LLM_PRICE_OUTPUT_PER_MTOK=0.0, LLM_PRICE_PER_HOUR_EUR=1.80,
                   LLM_CONCURRENT_STREAMS=4)
def test_a_self_hosted_model_costs_its_share_of_the_machine_for_as_long_as_the_call_took():
    # 1.80 EUR an hour is 0.0005 EUR a second, shared by 4 streams at once: 8 s of one stream cost 0.001 EUR
    assert call_cost(input_tokens=5000, output_tokens=500, seconds=8) == Decimal("0.001")
    assert call_cost(input_tokens=5000, output_tokens=500, seconds=16) == Decimal("0.002")


def test_the_estimate_prices_a_self_hosted_model_by_the_hour_too(local_models, settings):
    settings.LLM_PRICE_INPUT_PER_MTOK = settings.LLM_PRICE_OUTPUT_PER_MTOK = 0.0
    settings.LLM_PRICE_PER_HOUR_EUR, settings.LLM_CONCURRENT_STREAMS = 3.60, 1  # 0.001 EUR a second
    estimate = llm_cost_estimate(texts=["where is my order?", LLM_QUESTION], router=local_models)
    assert estimate.escalations == 1
    # one escalation of a typical call's length, per 2 messages; every message to the LLM: twice that
    per_call = Decimal("0.001") * Decimal(str(TYPICAL_CALL_S))
    assert estimate.cost_per_1000_eur == per_call * 500 and estimate.cost_per_1000_all_llm_eur == per_call * 1000
