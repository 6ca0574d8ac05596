from __future__ import annotations

from django.core.management.base import BaseCommand

from rag.router.decide import router_reset
from rag.router.model import artifact_dir, router_artifact_current, router_train


class Command(BaseCommand):
    help = ("Train the intent router on the exemplars and the ops' route labels, and store the artifact "
            "(see what a retrain changes first with `evaluate_router IN.csv --compare`).")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-stale", action="store_true",
                            help="only train when no artifact exists or the exemplars or encoder changed")
        parser.add_argument("--no-labels", action="store_true", help="train on the exemplars only")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from support.services.feedback import route_label_pairs

        if options["if_stale"] and router_artifact_current():
            self.stdout.write(f"router artifact in {artifact_dir()} is current")
            return
        labels = [] if options["no_labels"] else route_label_pairs()
        model = router_train(extra=labels)
        self.stdout.write(f"trained on {model.meta['exemplars'] - len(labels)} exemplars and {len(labels)} ops labels, "
                          f"{len(model.intents)} intents, encoder {model.meta['encoder']}, "
                          f"in {model.meta['train_seconds']} s")
        self.stdout.write(f"thresholds: {model.thresholds}")
        router_reset()  # this process's router reloads the new artifact on next use
        self.stdout.write(f"deployed to {artifact_dir()}; restart the site and workers to load it")
