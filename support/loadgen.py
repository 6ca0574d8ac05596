"""Synthetic traffic in PostgreSQL for measuring the ops views at scale.

`python manage.py ops_scale --messages 1000000 --escalations 100000` writes customer
messages with routing decisions, their replies, escalation logs and handoffs, spread
over 90 days, with set-based SQL (a million rows in seconds), then times the ops pages.
Generated conversations are marked `session_key = 'loadgen'`; `--clear` removes them.
"""
from __future__ import annotations

import time

from django.db import connection, transaction

MARK = "loadgen"


def loadgen_clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM support_escalationlog WHERE conversation_id IN (SELECT id FROM support_conversation WHERE session_key = %s)", [MARK])
        cursor.execute("DELETE FROM support_handoff WHERE conversation_id IN (SELECT id FROM support_conversation WHERE session_key = %s)", [MARK])
        cursor.execute("DELETE FROM support_message WHERE conversation_id IN (SELECT id FROM support_conversation WHERE session_key = %s)", [MARK])
        cursor.execute("DELETE FROM support_conversation WHERE session_key = %s", [MARK])


@transaction.atomic
def loadgen_write(*, messages: int, escalations: int, days: int = 90) -> dict[str, float]:
    """Write `messages` messages (half from customers, half replies) and about `escalations` escalation logs."""
    if connection.vendor != "postgresql":
        raise RuntimeError("ops_scale needs PostgreSQL (set DATABASE_URL)")
    customer_messages = messages // 2
    conversations = max(1, customer_messages // 5)
    llm_share = min(1.0, escalations / customer_messages)
    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO support_conversation (id, session_key, status, state, notify_email, created_at, updated_at)
               SELECT gen_random_uuid(), %s, 'bot', '{}'::jsonb, '', t, t
               FROM (SELECT now() - random() * make_interval(days => %s) AS t FROM generate_series(1, %s)) s""",
            [MARK, days, conversations])
        cursor.execute(
            """CREATE TEMP TABLE loadgen_conversations ON COMMIT DROP AS
               SELECT id, created_at, row_number() OVER () AS n FROM support_conversation WHERE session_key = %s""", [MARK])
        timings["conversations s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO support_message (conversation_id, author, text, status, route, intent, confidence, reason,
                                            scores, route_latency_ms, sources, answering_by, language, created_at)
               SELECT c.id, 'customer', 'generated question ' || g, 'answered', r.route, r.intent, 0.5 + random() / 2,
                      r.intent || ' (generated)', '{}'::jsonb, 1 + random() * 4, '[]'::jsonb, '', 'en',
                      c.created_at + (g %% 5) * interval '1 minute'
               FROM generate_series(1, %s) g
               JOIN loadgen_conversations c ON c.n = 1 + (g %% %s)
               CROSS JOIN LATERAL (SELECT CASE WHEN x < %s THEN 'llm' WHEN x < %s + 0.05 THEN 'human'
                                               WHEN x < %s + 0.08 THEN 'off_topic' ELSE 'local' END AS route,
                                          (ARRAY['track_order','delivery_period','check_payment_methods','get_refund',
                                                 'cancel_order','complaint','recover_password'])[1 + (g %% 7)] AS intent
                                   FROM (SELECT mod(g::bigint * 7919, 1000) / 1000.0 AS x) rnd) r""",
            [customer_messages, conversations, llm_share, llm_share, llm_share])
        cursor.execute(
            """INSERT INTO support_message (conversation_id, author, text, status, in_reply_to_id, route, intent, reason,
                                            scores, sources, reply_latency_ms, answering_by, language, created_at)
               SELECT m.conversation_id, 'bot', 'generated reply', 'complete', m.id, m.route, m.intent, '', '{}'::jsonb,
                      '[]'::jsonb, CASE m.route WHEN 'llm' THEN 800 + random() * 2500 ELSE 2 + random() * 20 END, '', '',
                      m.created_at + interval '1 second'
               FROM support_message m JOIN loadgen_conversations c ON c.id = m.conversation_id
               WHERE m.author = 'customer'""")
        timings["messages s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO support_escalationlog (conversation_id, message_id, router_reason, router_scores, provider,
                   model, prompt_version, input_tokens, output_tokens, cost_eur, enqueued_at, started_at, queue_ms,
                   first_token_ms, first_chunk_sent_ms, latency_ms, retries, tool_calls, outcome, handoff_reason,
                   error_class, error, photos_sent)
               SELECT m.conversation_id, m.id, m.reason, '{}'::jsonb, 'gemini', 'gemini-2.5-flash', '2026-11-21.1',
                      t.input, t.output, (t.input * 0.30 + t.output * 2.50) / 1000000, m.created_at, m.created_at, 5,
                      300 + random() * 700, 320 + random() * 700, 800 + random() * 2500, (random() < 0.05)::int, '[]'::jsonb,
                      CASE WHEN random() < 0.93 THEN 'answered' ELSE 'handed_off' END, '', '', '', 0
               FROM support_message m JOIN loadgen_conversations c ON c.id = m.conversation_id
               CROSS JOIN LATERAL (SELECT (700 + random() * 900)::int AS input, (60 + random() * 200)::int AS output) t
               WHERE m.author = 'customer' AND m.route = 'llm'""")
        cursor.execute(
            """INSERT INTO support_handoff (conversation_id, message_id, reason, intent, summary, bot_answers, priority,
                                            status, created_at)
               SELECT m.conversation_id, m.id, CASE m.intent WHEN 'get_refund' THEN 'refund' ELSE 'person' END, m.intent,
                      m.text, '[]'::jsonb, 2, 'resolved', m.created_at
               FROM support_message m JOIN loadgen_conversations c ON c.id = m.conversation_id
               WHERE m.author = 'customer' AND m.route = 'human'""")
        timings["escalations and handoffs s"] = time.perf_counter() - started
        cursor.execute("ANALYZE support_message; ANALYZE support_escalationlog; ANALYZE support_handoff; ANALYZE support_conversation")
    return timings
