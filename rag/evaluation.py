"""Measure the router on labelled messages (`python manage.py evaluate_router`)."""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rag.router.decide import IntentRouter, router_warm_up
from rag.router.serving import router_get
from rag.router.policy import INTENT_ROUTES
from shoppe.percentiles import percentile_cont  # the ops dashboard's percentiles (interpolated)

ROUTINE_ROUTES = {"local"}
COUNTED = {"refund demands answered by the bot", "LLM calls per 1,000 messages"}  # counts, not shares


@dataclass
class Evaluation:
    rows: list[dict[str, str]] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)
    per_language: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"messages: {len(self.rows)}"]
        for name, value in self.figures.items():
            lines.append(f"{name}: {'n/a' if value is None else (f'{value:.4f}' if isinstance(value, float) else value)}")
        if self.per_intent:
            lines.append("per-intent route accuracy:")
            for intent, (ok, total) in sorted(self.per_intent.items(), key=lambda kv: kv[1][0] / kv[1][1]):
                lines.append(f"  {intent:28s} {ok / total:.3f} ({ok}/{total})")
        if self.per_language:
            names = list(next(iter(self.per_language.values())))
            lines.append("per language: " + " | ".join(names))
            for language, figures in self.per_language.items():
                cells = ["n/a" if v is None else (f"{v:.0f}" if name in COUNTED else f"{v:.3f}")
                         for name, v in figures.items()]
                lines.append(f"  {language}: " + " | ".join(cells))
        return "\n".join(lines)


def _ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def router_evaluate(*, rows: list[dict[str, str]], router: IntentRouter | None = None) -> Evaluation:
    """Route every row and compute the figures ops care about, overall and per language.

    Each row has `text`, optionally `expected_route` (allowed routes joined by `|`), `intent`
    and `lang` (else the language the router detected counts). Rows come back with `route`,
    `intent_predicted`, `confidence`, `reason`, `latency_ms` and `language` added.
    """
    router = router or router_get()
    router_warm_up(router)
    result = Evaluation()
    latencies: list[float] = []
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
    measured = routes_measured(result.rows)
    lat = sorted(latencies) or [0.0]
    result.figures = {
        **measured.figures,
        "latency p50 ms": percentile_cont(lat, 0.50),
        "latency p95 ms": percentile_cont(lat, 0.95),
        "latency p99 ms": percentile_cont(lat, 0.99),
    }
    result.per_intent, result.per_language = measured.per_intent, measured.per_language
    return result


def routes_measured(rows: list[dict[str, str]]) -> Evaluation:
    """The figures of `rows` that carry the route a message got (`route`) beside the one expected, overall and per
    language (`lang`, else the detected `language`): the router's routes (`router_evaluate`), or the routes messages
    got through the whole answering path (support/answer_evaluation.py)."""
    result = Evaluation(rows=rows)
    counts, per_intent = _tally(rows)
    by_language: dict[str, list[dict[str, str]]] = defaultdict(list)
    for out in rows:
        by_language[out.get("lang") or out.get("language", "")].append(out)
    per_language = {lang: _figures(_tally(group)[0]) for lang, group in sorted(by_language.items())}
    result.figures = {
        **_figures(counts),
        **{f"route accuracy, {lang}": per_language[lang]["route accuracy"]
           for lang, group in sorted(by_language.items()) if any(r.get("lang") for r in group)},
    }
    result.per_intent = {k: (v[0], v[1]) for k, v in per_intent.items()}
    if len(by_language) > 1:
        result.per_language = per_language
    return result


def _tally(rows: list[dict[str, str]]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Counts behind the figures, over routed rows that carry an expected route."""
    counts: dict[str, int] = defaultdict(int)
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        expected = set(filter(None, (row.get("expected_route") or "").split("|")))
        if not expected:
            continue
        route, gold = row["route"], row.get("intent", "")
        ok = route in expected
        counts["labelled"] += 1
        counts["correct"] += ok
        counts["to_llm"] += route == "llm"
        if gold:
            per_intent[gold][0] += ok
            per_intent[gold][1] += 1
        if expected == {"human"} and gold == "get_refund":
            counts["refund"] += 1
            counts["refund_human"] += route == "human"
            counts["refund_answered"] += route == "local"
        if gold == "contact_human_agent":
            counts["person"] += 1
            counts["person_human"] += route == "human"
        if expected == {"llm"} or gold == "needs_reasoning":
            counts["reasoning"] += 1
            counts["reasoning_escalated"] += route in ("llm", "human")
        if "local" in expected and INTENT_ROUTES.get(gold) == "local":
            counts["routine"] += 1
            counts["routine_kept"] += route != "llm"
        # Off-topic messages (the LLM may be right too: "off_topic|llm"); a message that needs
        # reasoning is counted above, not here.
        if "off_topic" in expected and expected <= {"off_topic", "llm"}:
            counts["off_topic"] += 1
            counts["off_topic_as_routine"] += route == "local"
    return counts, per_intent


def _figures(counts: dict[str, int]) -> dict[str, float | None]:
    return {
        "route accuracy": _ratio(counts["correct"], counts["labelled"]),
        "refund-to-human recall": _ratio(counts["refund_human"], counts["refund"]),
        "refund demands answered by the bot": float(counts["refund_answered"]) if counts["refund"] else None,
        "request-for-a-person recall": _ratio(counts["person_human"], counts["person"]),
        "needs reasoning to the LLM or a person": _ratio(counts["reasoning_escalated"], counts["reasoning"]),
        "deflection (routine kept off the LLM)": _ratio(counts["routine_kept"], counts["routine"]),
        "off-topic answered as routine": _ratio(counts["off_topic_as_routine"], counts["off_topic"]),
        "LLM calls per 1,000 messages": 1000 * counts["to_llm"] / counts["labelled"] if counts["labelled"] else None,
    }


def rows_read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "text" not in rows[0]:
        raise ValueError(f"{path} needs a 'text' column")
    return rows


def rows_read_all(paths: list[Path]) -> list[dict[str, str]]:
    """The rows of several CSV files, in order; a missing file is an error that names it."""
    rows: list[dict[str, str]] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        rows += rows_read(path)
    return rows


def rows_write(path: Path, rows: list[dict[str, str]]) -> None:
    if not rows:
        return
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
