"""`/healthz` (is every part this process needs up?) and `/metrics` (Prometheus)."""
from __future__ import annotations

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _channel_layer() -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)("healthz.")
    probe = uuid.uuid4().hex
    async_to_sync(layer.send)(channel, {"type": "health.probe", "probe": probe})
    received = async_to_sync(layer.receive)(channel)
    if received.get("probe") != probe:
        raise RuntimeError("the channel layer returned another message")
    return "ok"


def _broker() -> str:
    from shoppe.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _local_models() -> str:
    from rag.encoder import _encoders
    from rag.index import live_index

    index = live_index._index
    if index is None or not _encoders:
        raise RuntimeError("the encoder or the knowledge index is not loaded yet")
    return f"ok (index {index.version}, {len(index.passages)} passages, encoder {next(iter(_encoders.values())).variant})"


CHECKS = {"database": _database, "channel_layer": _channel_layer, "broker": _broker, "local_models": _local_models}


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 naming the ones that failed."""
    results, healthy = {}, True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            status = check()
        except Exception as error:  # a health check reports, it never raises
            status, healthy = f"fail: {type(error).__name__}: {error}"[:300], False
        results[name] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 2)}
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": results}, status=200 if healthy else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    from django.conf import settings

    from support.metrics import metrics_exposition

    if settings.METRICS_TOKEN and request.headers.get("Authorization") != f"Bearer {settings.METRICS_TOKEN}":
        return HttpResponse("metrics need a token", status=401)
    body, content_type = metrics_exposition()
    return HttpResponse(body, content_type=content_type)
