"""Prometheus metrics: the only place they are defined.

Each server or worker process counts what it does; with several processes, set
PROMETHEUS_MULTIPROC_DIR (a shared, empty directory) and /metrics aggregates them.
Queue depths are read at scrape time.
"""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

MESSAGES_ROUTED = Counter("shoppe_messages_routed_total", "Customer messages by the tier that took them",
                          ["route"])
HELP_ANSWERS_ESCALATED = Counter("shoppe_help_answers_escalated_total",
                                 "Routine questions sent to the strong model because the help section does not answer them")
REPLY_LATENCY = Histogram("shoppe_reply_seconds", "From a customer message being saved to its reply ending, per tier",
                          ["route"], buckets=LATENCY_BUCKETS)
ROUTE_LATENCY = Histogram("shoppe_route_seconds", "Time the local router takes to decide", buckets=LATENCY_BUCKETS)
LLM_TOKENS = Counter("shoppe_llm_tokens_total", "Tokens sent to and received from the LLM", ["kind"])
LLM_COST = Counter("shoppe_llm_cost_eur_total", "Estimated LLM spend in EUR")
LLM_FIRST_TOKEN = Histogram("shoppe_llm_first_token_seconds", "The LLM's time to first token", buckets=LATENCY_BUCKETS)
DEVICE_ANSWERS = Counter("shoppe_device_answers_total", "Help answers chosen on customers' devices: taken "
                         "('answered') or refused, by why", ["outcome"])
ESCALATIONS = Counter("shoppe_escalations_total", "LLM escalations by outcome", ["outcome"])


class QueueCollector:
    """Handoffs waiting for staff and tasks waiting for a worker, read when scraped."""

    def describe(self):  # type: ignore[no-untyped-def]
        # Names only, so registering never queries the database.
        yield GaugeMetricFamily("shoppe_handoffs_queued", "Conversations waiting for staff")
        yield GaugeMetricFamily("shoppe_celery_queue_depth", "Tasks waiting in the Celery queue")

    def collect(self):  # type: ignore[no-untyped-def]
        from django.conf import settings

        from support.models import Handoff

        waiting = GaugeMetricFamily("shoppe_handoffs_queued", "Conversations waiting for staff")
        waiting.add_metric([], Handoff.objects.filter(status=Handoff.Status.QUEUED).count())
        yield waiting
        if settings.REDIS_URL:
            import redis

            depth = GaugeMetricFamily("shoppe_celery_queue_depth", "Tasks waiting in the Celery queue")
            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
            try:
                depth.add_metric([], client.llen("celery"))
            finally:
                client.close()
            yield depth


_queues = QueueCollector()
REGISTRY.register(_queues)


def metrics_exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_queues)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
