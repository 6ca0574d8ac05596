"""`make ops-scale` (`python -m tools.ops_scale`): fill PostgreSQL with synthetic traffic and time the ops pages.

Writes 1,000,000 messages and 100,000 escalations by default (tools.loadgen), then opens the
dashboard and the filtered escalation log `--repeat` times each as an Ops user.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

from tools.django_setup import django_start

PAGES = [
    ("dashboard, last 90 days", "/ops/?from={from_}&to={to}"),
    ("dashboard, last 7 days by hour", "/ops/?from={week}&to={to}&bucket=hour"),
    ("escalation log, first page", "/ops/escalations/"),
    ("escalation log, llm handed off in 30 days", "/ops/escalations/?route=llm&outcome=handed_off&from={month}&to={to}"),
    ("escalation log, cost range and intent", "/ops/escalations/?min_cost=0.0005&max_cost=0.001&intent=complaint"),
    ("escalation log, text search", "/ops/escalations/?q=question+12345"),
]


def ops_pages_time(*, repeat: int) -> None:
    """Open each page `repeat` times as an Ops user and print the median and the slowest."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

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
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                print(f"{name}: HTTP {response.status_code}")
                break
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms ({url})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.ops_scale", description=(
        "Fill PostgreSQL with synthetic traffic and time the ops pages (dashboard, filtered log)."))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--escalations", type=int, default=100_000)
    parser.add_argument("--clear", action="store_true", help="remove the generated rows first")
    parser.add_argument("--skip-write", action="store_true", help="only time the pages")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    django_start()
    from support.models import EscalationLog, Message
    from tools.loadgen import loadgen_clear, loadgen_write

    if options.clear:
        loadgen_clear()
    if not options.skip_write:
        for name, seconds in loadgen_write(messages=options.messages, escalations=options.escalations).items():
            print(f"wrote {name}: {seconds:.1f}")
    print(f"rows: {Message.objects.count()} messages, {EscalationLog.objects.count()} escalation logs")
    ops_pages_time(repeat=options.repeat)


if __name__ == "__main__":
    main()
