"""What one LLM call costs, the one place prices are applied.

Two parts, either or both: tokens at LLM_PRICE_INPUT_PER_MTOK / LLM_PRICE_OUTPUT_PER_MTOK
(a managed service such as Gemini, or a gateway that bills per token), and the serving
machine's time (a model the shop hosts itself): LLM_PRICE_PER_HOUR_EUR for as long as the
call took, shared by the LLM_CONCURRENT_STREAMS streams the machine serves at once,

    cost = tokens_in × price_in / 1e6 + tokens_out × price_out / 1e6
           + price_per_hour × call seconds / 3600 / concurrent streams.

The machine part is the capacity a call used; hours the machine stands idle are not
attributed to any message.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings

# How long an average call takes, for estimates that have no measured call to go by
# (the ops dashboard with no escalation in its period, `estimate_llm_cost`).
TYPICAL_CALL_S = 4.0
_MILLION = Decimal(1_000_000)
_HOUR = Decimal(3600)


def call_cost(*, input_tokens: float, output_tokens: float, seconds: float) -> Decimal:
    """EUR for one call (or, with totals, for many) at the configured prices."""
    tokens = (Decimal(str(input_tokens)) * Decimal(str(settings.LLM_PRICE_INPUT_PER_MTOK))
              + Decimal(str(output_tokens)) * Decimal(str(settings.LLM_PRICE_OUTPUT_PER_MTOK))) / _MILLION
    if not settings.LLM_PRICE_PER_HOUR_EUR:
        return tokens
    machine = (Decimal(str(settings.LLM_PRICE_PER_HOUR_EUR)) * Decimal(str(max(seconds, 0.0)))
               / _HOUR / Decimal(settings.LLM_CONCURRENT_STREAMS))
    return tokens + machine


def typical_call_cost(*, input_tokens: float, output_tokens: float, calls: int = 1) -> Decimal:
    """EUR for `calls` estimated calls (tokens in total) of TYPICAL_CALL_S each: for estimates with no measured time."""
    return call_cost(input_tokens=input_tokens, output_tokens=output_tokens, seconds=TYPICAL_CALL_S * calls)
