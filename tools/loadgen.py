"""Synthetic traffic in PostgreSQL for measuring the ops views at scale (`python -m tools.ops_scale`).

Writes customer messages with routing decisions, their replies, escalation logs and handoffs,
spread over 90 days, with set-based SQL (a million rows in seconds; the ORM would take an hour).
Tables and columns are the models' own (`_meta`), and the escalations are the configured
provider's: its name and model, the current prompt version, and their cost at the configured
prices (`support/llm/pricing.py`: tokens at LLM_PRICE_*_PER_MTOK, plus the machine's hourly price
for the call's time). Generated conversations are marked `link_owner = 'loadgen'` (an owner no browser holds); `--clear`
removes them.
"""
from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

MARK = "loadgen"


def _names(model: type[models.Model]) -> dict[str, Any]:
    """The model's table and its fields' columns, for format(): {"table": ..., "conversation": "conversation_id", ...}."""
    names: dict[str, Any] = {"table": connection.ops.quote_name(model._meta.db_table)}
    for field in model._meta.concrete_fields:
        names[field.name] = connection.ops.quote_name(field.column)
    return names


def _tables() -> dict[str, dict[str, Any]]:
    from support.models import Conversation, EscalationLog, Handoff, Message

    return {"c": _names(Conversation), "m": _names(Message), "e": _names(EscalationLog), "h": _names(Handoff)}


def loadgen_clear() -> None:
    t = _tables()
    generated = "SELECT {c[id]} FROM {c[table]} WHERE {c[link_owner]} = %s".format(**t)
    with connection.cursor() as cursor:
        for name in ("e", "h", "m"):
            cursor.execute(f"DELETE FROM {t[name]['table']} WHERE {t[name]['conversation']} IN ({generated})", [MARK])
        cursor.execute("DELETE FROM {c[table]} WHERE {c[link_owner]} = %s".format(**t), [MARK])


def _escalation_values() -> dict[str, Any]:
    """What the generated escalation logs say about the LLM: the provider's, at the configured prices."""
    from support.llm.prompt import system_prompt
    from support.llm.provider import provider_get

    provider = provider_get()
    return {"provider": provider.name, "model": provider.model[:120], "prompt_version": system_prompt()[0],
            "price_in": settings.LLM_PRICE_INPUT_PER_MTOK, "price_out": settings.LLM_PRICE_OUTPUT_PER_MTOK,
            "price_hour": settings.LLM_PRICE_PER_HOUR_EUR, "streams": settings.LLM_CONCURRENT_STREAMS}


@transaction.atomic
def loadgen_write(*, messages: int, escalations: int, days: int = 90) -> dict[str, float]:
    """Write `messages` messages (half from customers, half replies) and about `escalations` escalation logs."""
    if connection.vendor != "postgresql":
        raise RuntimeError("ops_scale needs PostgreSQL (set DATABASE_URL)")
    t = _tables()
    customer_messages = messages // 2
    conversations = max(1, customer_messages // 5)
    llm_share = min(1.0, escalations / customer_messages)
    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO {c[table]} ({c[id]}, {c[link_owner]}, {c[status]}, {c[state]}, {c[notify_email]},
                                       {c[created_at]}, {c[updated_at]})
               SELECT gen_random_uuid(), %s, 'bot', '{{}}'::jsonb, '', t, t
               FROM (SELECT now() - random() * make_interval(days => %s) AS t FROM generate_series(1, %s)) s"""
            .format(**t), [MARK, days, conversations])
        cursor.execute(
            """CREATE TEMP TABLE loadgen_conversations ON COMMIT DROP AS
               SELECT {c[id]} AS id, {c[created_at]} AS created_at, row_number() OVER () AS n
               FROM {c[table]} WHERE {c[link_owner]} = %s""".format(**t), [MARK])
        timings["conversations s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO {m[table]} ({m[conversation]}, {m[author]}, {m[text]}, {m[status]}, {m[route]}, {m[intent]},
                   {m[confidence]}, {m[reason]}, {m[scores]}, {m[route_latency_ms]}, {m[sources]}, {m[answering_by]},
                   {m[language]}, {m[answered_on_device]}, {m[text_kept_on_device]}, {m[device_refused]}, {m[device_version]},
                   {m[created_at]})
               SELECT c.id, 'customer', 'generated question ' || g, 'answered', r.route, r.intent, 0.5 + random() / 2,
                      r.intent || ' (generated)', '{{}}'::jsonb, 1 + random() * 4, '[]'::jsonb, '', 'en', false, false, '', '',
                      c.created_at + (g %% 5) * interval '1 minute'
               FROM generate_series(1, %s) g
               JOIN loadgen_conversations c ON c.n = 1 + (g %% %s)
               CROSS JOIN LATERAL (SELECT CASE WHEN x < %s THEN 'llm' WHEN x < %s + 0.05 THEN 'human'
                                               WHEN x < %s + 0.08 THEN 'off_topic' ELSE 'local' END AS route,
                                          (ARRAY['track_order','delivery_period','check_payment_methods','get_refund',
                                                 'cancel_order','complaint','recover_password'])[1 + (g %% 7)] AS intent
                                   FROM (SELECT mod(g::bigint * 7919, 1000) / 1000.0 AS x) rnd) r""".format(**t),
            [customer_messages, conversations, llm_share, llm_share, llm_share])
        cursor.execute(
            """INSERT INTO {m[table]} ({m[conversation]}, {m[author]}, {m[text]}, {m[status]}, {m[in_reply_to]},
                   {m[route]}, {m[intent]}, {m[reason]}, {m[scores]}, {m[sources]}, {m[reply_latency_ms]},
                   {m[answering_by]}, {m[language]}, {m[answered_on_device]}, {m[text_kept_on_device]}, {m[device_refused]},
                   {m[device_version]}, {m[created_at]})
               SELECT m.{m[conversation]}, 'bot', 'generated reply', 'complete', m.{m[id]}, m.{m[route]}, m.{m[intent]},
                      '', '{{}}'::jsonb, '[]'::jsonb,
                      CASE m.{m[route]} WHEN 'llm' THEN 800 + random() * 2500 ELSE 2 + random() * 20 END, '', '',
                      false, false, '', '',
                      m.{m[created_at]} + interval '1 second'
               FROM {m[table]} m JOIN loadgen_conversations c ON c.id = m.{m[conversation]}
               WHERE m.{m[author]} = 'customer'""".format(**t))
        timings["messages s"] = time.perf_counter() - started
        started = time.perf_counter()
        # Each log draws its own tokens and time: the LATERAL names the message (`m.id IS NOT NULL`), as an
        # uncorrelated one is evaluated once and gave every log the same tokens.
        cursor.execute(
            """INSERT INTO {e[table]} ({e[conversation]}, {e[message]}, {e[router_reason]}, {e[router_scores]},
                   {e[provider]}, {e[model]}, {e[prompt_version]}, {e[input_tokens]}, {e[output_tokens]}, {e[cost_eur]},
                   {e[enqueued_at]}, {e[started_at]}, {e[queue_ms]}, {e[first_token_ms]}, {e[first_chunk_sent_ms]},
                   {e[latency_ms]}, {e[retries]}, {e[tool_calls]}, {e[outcome]}, {e[handoff_reason]},
                   {e[error_class]}, {e[error]}, {e[photos_sent]})
               SELECT m.{m[conversation]}, m.{m[id]}, m.{m[reason]}, '{{}}'::jsonb, %(provider)s, %(model)s,
                      %(prompt_version)s, t.input, t.output,
                      round(((t.input * %(price_in)s + t.output * %(price_out)s) / 1000000
                             + %(price_hour)s * t.latency_ms / 1000 / 3600 / %(streams)s)::numeric, 6),
                      m.{m[created_at]}, m.{m[created_at]}, 5,
                      300 + random() * 700, 320 + random() * 700, t.latency_ms, (random() < 0.05)::int, '[]'::jsonb,
                      CASE WHEN random() < 0.93 THEN 'answered' ELSE 'handed_off' END, '', '', '', 0
               FROM {m[table]} m JOIN loadgen_conversations c ON c.id = m.{m[conversation]}
               CROSS JOIN LATERAL (SELECT (700 + random() * 900)::int AS input, (60 + random() * 200)::int AS output,
                                          800 + random() * 2500 AS latency_ms
                                   WHERE m.{m[id]} IS NOT NULL) t
               WHERE m.{m[author]} = 'customer' AND m.{m[route]} = 'llm'""".format(**t),
            _escalation_values())
        cursor.execute(
            """INSERT INTO {h[table]} ({h[conversation]}, {h[message]}, {h[reason]}, {h[intent]}, {h[summary]},
                   {h[bot_answers]}, {h[priority]}, {h[status]}, {h[created_at]})
               SELECT m.{m[conversation]}, m.{m[id]}, CASE m.{m[intent]} WHEN 'get_refund' THEN 'refund' ELSE 'person' END,
                      m.{m[intent]}, m.{m[text]}, '[]'::jsonb, 2, 'resolved', m.{m[created_at]}
               FROM {m[table]} m JOIN loadgen_conversations c ON c.id = m.{m[conversation]}
               WHERE m.{m[author]} = 'customer' AND m.{m[route]} = 'human'""".format(**t))
        timings["escalations and handoffs s"] = time.perf_counter() - started
        for name in ("m", "e", "h", "c"):
            cursor.execute(f"ANALYZE {t[name]['table']}")
    return timings
