from __future__ import annotations

from django.core.management.base import BaseCommand

from rag.router.model import artifact_dir, router_artifact_current, router_train


class Command(BaseCommand):
    help = "Train the intent router on the exemplars and store the artifact."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-stale", action="store_true",
                            help="only train when no artifact exists or the exemplars or encoder changed")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["if_stale"] and router_artifact_current():
            self.stdout.write(f"router artifact in {artifact_dir()} is current")
            return
        model = router_train()
        self.stdout.write(f"trained on {model.meta['exemplars']} exemplars, {len(model.intents)} intents, "
                          f"encoder {model.meta['encoder']}, in {model.meta['train_seconds']} s")
        self.stdout.write(f"thresholds: {model.thresholds}")
