"""Measure the router on labelled messages (`python manage.py evaluate_router`)."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.router.decide import IntentRouter, router_get
from rag.router.policy import INTENT_ROUTES

ROUTINE_ROUTES = {"local"}


@dataclass
class Evaluation:
    rows: list[dict[str, str]] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"messages: {len(self.rows)}"]
        for name, value in self.figures.items():
            lines.append(f"{name}: {'n/a' if value is None else (f'{value:.4f}' if isinstance(value, float) else value)}")
        if self.per_intent:
            lines.append("per-intent route accuracy:")
            for intent, (ok, total) in sorted(self.per_intent.items(), key=lambda kv: kv[1][0] / kv[1][1]):
                lines.append(f"  {intent:28s} {ok / total:.3f} ({ok}/{total})")
        return "\n".join(lines)


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def router_evaluate(*, rows: list[dict[str, str]], router: IntentRouter | None = None) -> Evaluation:
    """Route every row and compute the figures ops care about.

    Each row has `text`, optionally `expected_route` (allowed routes joined by `|`) and
    `intent`. Rows come back with `route`, `intent_predicted`, `confidence`, `reason`
    and `latency_ms` added.
    """
    router = router or router_get()
    router.decide("warm up")
    router.decide("Wo ist meine Bestellung?")  # the other languages' router, loaded on first use
    result = Evaluation()
    latencies: list[float] = []
    counts: dict[str, int] = defaultdict(int)
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        decision = router.decide(row["text"])
        latencies.append(decision.latency_ms)
        out = dict(row)
        out.update(
            route=decision.route,
            intent_predicted=decision.intent,
            confidence=f"{decision.confidence:.4f}",
            reason=decision.reason,
            latency_ms=f"{decision.latency_ms:.3f}",
            language=decision.language,
        )
        result.rows.append(out)
        expected = set(filter(None, (row.get("expected_route") or "").split("|")))
        if not expected:
            continue
        ok = decision.route in expected
        counts["labelled"] += 1
        counts["correct"] += ok
        gold = row.get("intent", "")
        if row.get("lang"):
            per_language[row["lang"]][0] += ok
            per_language[row["lang"]][1] += 1
        if gold:
            per_intent[gold][0] += ok
            per_intent[gold][1] += 1
        if expected == {"human"} and gold == "get_refund":
            counts["refund"] += 1
            counts["refund_human"] += decision.route == "human"
        if gold == "contact_human_agent":
            counts["person"] += 1
            counts["person_human"] += decision.route == "human"
        if "local" in expected and INTENT_ROUTES.get(gold) == "local":
            counts["routine"] += 1
            counts["routine_kept"] += decision.route != "llm"
        if expected <= {"off_topic", "llm"}:
            counts["off_topic"] += 1
            counts["off_topic_as_routine"] += decision.route == "local"
    lat = np.array(latencies) if latencies else np.zeros(1)
    result.figures = {
        "route accuracy": _ratio(counts["correct"], counts["labelled"]),
        "refund-to-human recall": _ratio(counts["refund_human"], counts["refund"]),
        "request-for-a-person recall": _ratio(counts["person_human"], counts["person"]),
        "deflection (routine kept off the LLM)": _ratio(counts["routine_kept"], counts["routine"]),
        "off-topic answered as routine": _ratio(counts["off_topic_as_routine"], counts["off_topic"]),
        **{f"route accuracy, {lang}": ok / total for lang, (ok, total) in sorted(per_language.items())},
        "latency p50 ms": float(np.percentile(lat, 50)),
        "latency p95 ms": float(np.percentile(lat, 95)),
        "latency p99 ms": float(np.percentile(lat, 99)),
    }
    result.per_intent = {k: (v[0], v[1]) for k, v in per_intent.items()}
    return result


def rows_read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "text" not in rows[0]:
        raise ValueError(f"{path} needs a 'text' column")
    return rows


def rows_write(path: Path, rows: list[dict[str, str]]) -> None:
    if not rows:
        return
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
