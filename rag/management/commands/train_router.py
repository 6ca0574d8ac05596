from __future__ import annotations

from django.core.management.base import BaseCommand

from rag.router.model import artifact_dir, router_train


class Command(BaseCommand):
    help = "Train the intent router on the exemplars and store the artifact."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-missing", action="store_true", help="only train when no artifact exists")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["if_missing"] and (artifact_dir() / "router.json").exists():
            self.stdout.write(f"router artifact present in {artifact_dir()}")
            return
        model = router_train()
        self.stdout.write(f"trained on {model.meta['exemplars']} exemplars, {len(model.intents)} intents, "
                          f"encoder {model.meta['encoder']}, in {model.meta['train_seconds']} s")
        self.stdout.write(f"thresholds: {model.thresholds}")
