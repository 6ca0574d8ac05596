from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rag.evaluation import rows_read_all, rows_write
from support.answer_evaluation import answers_evaluate, answers_report, routes_answered


class Command(BaseCommand):
    help = ("Answer labelled messages (columns text, lang) through the real answering path, in a transaction that "
            "is rolled back, and print per language how many replies are in the customer's language and how many "
            "help links point at the help centre in it.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("csv", nargs="+", type=Path, help="CSV with text and lang columns")
        parser.add_argument("--out", type=Path, help="write every message with its reply and the reply's language")
        parser.add_argument("--on-their-page", action="store_true",
                            help="each customer chats from the storefront in their language, as the widget tells "
                                 "the server; without it, from no page at all")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            rows = rows_read_all(options["csv"])
        except FileNotFoundError as missing:
            raise CommandError(str(missing)) from None
        figures, answered = answers_evaluate(rows, on_their_page=options["on_their_page"])
        self.stdout.write(answers_report(figures))
        if any(row.labels.get("expected_route") for row in answered):
            self.stdout.write("routes as answered (the router, then the answer check and the order questions):")
            self.stdout.write(routes_answered(answered).report())
        if options["out"]:
            rows_write(options["out"], [{"text": r.text, "lang": r.language, "route": r.route, "intent": r.intent,
                                         "expected_route": r.labels.get("expected_route", ""), "reason": r.reason,
                                         "reply_language": r.reply_language, "links": " ".join(r.links),
                                         "reply": r.reply} for r in answered])
            self.stdout.write(f"wrote {len(answered)} rows to {options['out']}")
