from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rag.evaluation import router_evaluate, rows_read, rows_write


class Command(BaseCommand):
    help = "Route labelled messages and print route accuracy, recalls, deflection and latency."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("csv", nargs="+", type=Path, help="CSV with a text column (expected_route, intent optional)")
        parser.add_argument("--out", type=Path, help="write every row with the router's decision here")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        rows = []
        for path in options["csv"]:
            if not path.exists():
                raise CommandError(f"{path} does not exist")
            rows += rows_read(path)
        evaluation = router_evaluate(rows=rows)
        self.stdout.write(evaluation.report())
        if options["out"]:
            rows_write(options["out"], evaluation.rows)
            self.stdout.write(f"wrote {len(evaluation.rows)} rows to {options['out']}")
