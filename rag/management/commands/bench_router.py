from __future__ import annotations

from django.core.management.base import BaseCommand

from rag.bench import bench_run


class Command(BaseCommand):
    help = "Measure the local tier: latency, throughput, memory, index build and start-up time."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--rounds", type=int, default=300)
        parser.add_argument("--messages", type=int, default=2000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        figures = bench_run(rounds=options["rounds"], concurrent_messages=options["messages"], threads=options["threads"])
        for name, value in figures.items():
            self.stdout.write(f"{name}: {value:.2f}")
