from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from support.loadgen import loadgen_clear, loadgen_write

PAGES = [
    ("dashboard, last 90 days", "/ops/?from={from_}&to={to}"),
    ("dashboard, last 7 days by hour", "/ops/?from={week}&to={to}&bucket=hour"),
    ("escalation log, first page", "/ops/escalations/"),
    ("escalation log, llm handed off in 30 days", "/ops/escalations/?route=llm&outcome=handed_off&from={month}&to={to}"),
    ("escalation log, cost range and intent", "/ops/escalations/?min_cost=0.0005&max_cost=0.001&intent=complaint"),
    ("escalation log, text search", "/ops/escalations/?q=question+12345"),
]


class Command(BaseCommand):
    help = "Fill PostgreSQL with synthetic traffic and time the ops pages (dashboard, filtered log)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument("--escalations", type=int, default=100_000)
        parser.add_argument("--clear", action="store_true", help="remove the generated rows first")
        parser.add_argument("--skip-write", action="store_true", help="only time the pages")
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from datetime import date, timedelta

        if options["clear"]:
            loadgen_clear()
        if not options["skip_write"]:
            for name, seconds in loadgen_write(messages=options["messages"], escalations=options["escalations"]).items():
                self.stdout.write(f"wrote {name}: {seconds:.1f}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM support_message")
            messages = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM support_escalationlog")
            escalations = cursor.fetchone()[0]
        self.stdout.write(f"rows: {messages} messages, {escalations} escalation logs")
        viewer, _ = User.objects.get_or_create(username="ops-scale", defaults={"is_staff": True})
        viewer.groups.add(Group.objects.get(name="Ops"))
        client = Client()
        client.force_login(viewer)
        today = date.today()
        values = {"from_": today - timedelta(days=90), "to": today, "week": today - timedelta(days=7),
                  "month": today - timedelta(days=30)}
        for name, url in PAGES:
            url = url.format(**values)
            times = []
            for _ in range(options["repeat"]):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    self.stdout.write(f"{name}: HTTP {response.status_code}")
                    break
            self.stdout.write(f"{name}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms ({url})")
