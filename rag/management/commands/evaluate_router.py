from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rag.evaluation import Evaluation, router_evaluate, rows_read_all, rows_write


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def comparison_report(before: Evaluation, after: Evaluation) -> str:
    """The live router's figures next to the candidate's, and the messages routed differently."""
    width = max(len(name) for name in before.figures) + 2
    lines = [f"messages: {len(before.rows)}", f"{'figure':{width}s} {'before':>9s} {'after':>9s} {'change':>9s}"]
    for name, old in before.figures.items():
        new = after.figures.get(name)
        change = f"{new - old:+.4f}" if old is not None and new is not None else ""
        lines.append(f"{name:{width}s} {_figure(old):>9s} {_figure(new):>9s} {change:>9s}")
    changed = [(b, a) for b, a in zip(before.rows, after.rows) if b["route"] != a["route"]]
    lines.append(f"routed differently: {len(changed)}")
    for b, a in changed[:20]:
        expected = b.get("expected_route") or "?"
        lines.append(f"  {b['route']:>9s} -> {a['route']:<9s} (expected {expected}) {b['text'][:70]}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Route labelled messages and print route accuracy, recalls, deflection and latency. With --compare, "
            "also train a candidate router on the exemplars plus the ops' labels (without replacing the live one) "
            "and print both side by side.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("csv", nargs="+", type=Path,
                            help="CSV with a text column (expected_route, intent optional)")
        parser.add_argument("--out", type=Path, help="write every row with the router's decision here")
        parser.add_argument("--compare", action="store_true",
                            help="compare the live router (before) with a retrain on exemplars + labels (after)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            rows = rows_read_all(options["csv"])
        except FileNotFoundError as missing:
            raise CommandError(str(missing)) from None
        evaluation = router_evaluate(rows=rows)
        if options["compare"]:
            evaluation = self._compare(rows, evaluation)
        else:
            self.stdout.write(evaluation.report())
        if options["out"]:
            rows_write(options["out"], evaluation.rows)
            self.stdout.write(f"wrote {len(evaluation.rows)} rows to {options['out']}")

    def _compare(self, rows: list[dict[str, str]], before: Evaluation) -> Evaluation:
        """Train a candidate in a temporary folder, evaluate it on the same rows, print both."""
        from rag.encoder import encoder_get
        from rag.router.decide import IntentRouter
        from rag.router.model import router_train
        from support.services.feedback import route_label_pairs

        labels = route_label_pairs()
        self.stdout.write(f"training a candidate router on the exemplars and {len(labels)} ops labels "
                          "(the live router is not replaced)…")
        with tempfile.TemporaryDirectory(prefix="router-candidate-") as folder:
            candidate = router_train(extra=labels, folder=Path(folder))
        after = router_evaluate(rows=rows, router=IntentRouter(candidate, encoder_get()))
        self.stdout.write("before = live router, after = candidate with labels")
        self.stdout.write(comparison_report(before, after))
        self.stdout.write("deploy the candidate with `python manage.py train_router`")
        for b, a in zip(before.rows, after.rows):  # --out: the live decision and the candidate's on each row
            b.update(route_candidate=a["route"], intent_candidate=a["intent_predicted"],
                     confidence_candidate=a["confidence"], reason_candidate=a["reason"])
        return before
