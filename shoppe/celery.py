"""The Celery app. Production: `celery -A shoppe worker`; embedded: a thread in the server.

What a process does once at start, the embedded worker included, is in `shoppe.startup`.
"""
from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoppe.settings")

app = Celery("shoppe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _database_connection_checked(**kwargs: object) -> None:
    """Before each task, on its thread: drop a connection that is broken or past CONN_MAX_AGE.

    Celery's own handling would close it after every task (CELERY_DB_REUSE_MAX), and a new
    PostgreSQL connection costs more than the rest of the hop to the LLM.
    """
    from django.db import close_old_connections

    close_old_connections()
