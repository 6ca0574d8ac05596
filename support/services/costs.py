"""What the LLM tier costs for a mix of messages, next to sending everything to the LLM.

Token counts are estimated from the request the escalation would build (system prompt,
the top help passages and the message, at about 4 characters a token) and an assumed
reply length, since the real API's token counter is not reachable offline. Priced by
`support.llm.pricing` like every real call; a self-hosted model's hourly price at a
typical call's length (`typical_call_cost`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rag.index import index_get
from rag.router.decide import IntentRouter
from rag.router.serving import router_get
from support.llm.pricing import typical_call_cost
from support.llm.prompt import system_prompt

CHARS_PER_TOKEN = 4
ASSUMED_REPLY_TOKENS = 150


@dataclass
class CostEstimate:
    messages: int
    escalations: int
    prompt_tokens_per_escalation: float
    completion_tokens_per_escalation: float
    cost_per_1000_eur: Decimal
    cost_per_1000_all_llm_eur: Decimal

    @property
    def llm_calls_per_1000(self) -> float:
        return 1000 * self.escalations / self.messages if self.messages else 0.0

    def report(self) -> str:
        return "\n".join([
            f"messages: {self.messages}",
            f"LLM calls per 1,000 messages: {self.llm_calls_per_1000:.1f}",
            f"prompt tokens per escalation (estimated): {self.prompt_tokens_per_escalation:.0f}",
            f"completion tokens per escalation (assumed): {self.completion_tokens_per_escalation:.0f}",
            f"LLM cost per 1,000 messages: EUR {self.cost_per_1000_eur:.4f}",
            f"if every message went to the LLM: EUR {self.cost_per_1000_all_llm_eur:.4f}",
        ])


def llm_cost_estimate(*, texts: list[str], router: IntentRouter | None = None) -> CostEstimate:
    router = router or router_get()
    index = index_get()
    base = len(system_prompt()[1]) + 300  # system prompt and the request's framing
    escalated_tokens: list[float] = []
    every_tokens = 0.0
    for text in texts:
        decision = router.decide(text)
        passages = sum(len(h.passage.text) + len(h.passage.heading) + 60 for h in index.search(decision.vector, k=4))
        tokens = (base + passages + len(text)) / CHARS_PER_TOKEN
        every_tokens += tokens
        if decision.route == "llm":
            escalated_tokens.append(tokens)
    n = len(texts)
    prompt_avg = sum(escalated_tokens) / len(escalated_tokens) if escalated_tokens else 0.0
    per_message_all = every_tokens / n if n else 0.0
    return CostEstimate(
        messages=n,
        escalations=len(escalated_tokens),
        prompt_tokens_per_escalation=prompt_avg,
        completion_tokens_per_escalation=ASSUMED_REPLY_TOKENS,
        cost_per_1000_eur=typical_call_cost(input_tokens=sum(escalated_tokens),
                                            output_tokens=ASSUMED_REPLY_TOKENS * len(escalated_tokens),
                                            calls=len(escalated_tokens)) * 1000 / max(n, 1),
        cost_per_1000_all_llm_eur=typical_call_cost(input_tokens=per_message_all,
                                                    output_tokens=ASSUMED_REPLY_TOKENS) * 1000,
    )
