from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rag.evaluation import rows_read_all
from support.services.costs import llm_cost_estimate


class Command(BaseCommand):
    help = "Route a mix of messages and estimate LLM calls, tokens and cost per 1,000 messages."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("csv", nargs="+", type=Path, help="CSV files with a text column")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            texts = [row["text"] for row in rows_read_all(options["csv"])]
        except FileNotFoundError as missing:
            raise CommandError(str(missing)) from None
        self.stdout.write(llm_cost_estimate(texts=texts).report())
