from __future__ import annotations

from django.core.management.base import BaseCommand

from rag.router.serving import router_reset
from rag.router.model import artifact_dir, router_artifact_current, router_train


class Command(BaseCommand):
    help = ("Train the intent router on the exemplars and the ops' route labels, and store the artifact "
            "(see what a retrain changes first with `evaluate_router IN.csv --compare`).")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-stale", action="store_true",
                            help="only train when no artifact exists or the exemplars or encoder changed")
        parser.add_argument("--no-labels", action="store_true", help="train on the exemplars only")
        parser.add_argument("--no-device", action="store_true",
                            help="leave the device assistant (rag/device/) as it is: the server's routers only")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from django.conf import settings

        from shoppe.startup import side_by_side
        from support.services.feedback import route_label_pairs

        labels = [] if options["no_labels"] else route_label_pairs()
        jobs = []  # each returns the lines it reports
        if settings.RAG_MULTILINGUAL:
            jobs.append(lambda: self._multilingual(labels, if_stale=options["if_stale"]))
        if options["if_stale"] and router_artifact_current():
            jobs.append(lambda: [f"router artifact in {artifact_dir()} is current"])
        else:
            jobs.append(lambda: self._english(labels))
        # The two routers side by side, as a fresh start trains them (each embeds its exemplars on one core for
        # long stretches): the real retrain test 54 -> 44 s here.
        reports = side_by_side(jobs)
        router_reset()  # this process's router reloads the new artifacts on next use
        for lines in reports:
            for line in lines:
                self.stdout.write(line)
        if not options["no_device"]:
            self._device(labels, if_stale=options["if_stale"])

    def _english(self, labels: list[tuple[str, str]]) -> list[str]:
        """The English router (rag/router/model.py), trained; what to report."""
        model = router_train(extra=labels)
        return [f"trained on {model.meta['exemplars'] - len(labels)} exemplars and {len(labels)} ops labels, "
                f"{len(model.intents)} intents, encoder {model.meta['encoder']}, in {model.meta['train_seconds']} s",
                f"thresholds: {model.thresholds}",
                f"deployed to {artifact_dir()}; restart the site and workers to load it"]

    def _multilingual(self, labels: list[tuple[str, str]], *, if_stale: bool) -> list[str]:
        """The router of every language (rag/router/multilingual.py), trained unless current; what to report."""
        from rag.router.multilingual_model import multilingual_artifact_current, multilingual_train

        if if_stale and multilingual_artifact_current():
            return ["multilingual router artifact is current"]
        model = multilingual_train(extra=labels)
        return [f"multilingual router: {model.meta['exemplars']} exemplars, encoder {model.meta['encoder']}, "
                f"in {model.meta['train_seconds']} s; thresholds: {model.thresholds}"]

    def _device(self, labels: list[tuple[str, str]], *, if_stale: bool) -> None:
        """The student the customer's device runs (rag/device/), distilled from the routers just trained."""
        from rag.device.build import device_build

        manifest = device_build(if_stale=if_stale, extra=labels)
        if manifest is None:
            self.stdout.write("device assistant is current")
            return
        report = manifest["report"]
        self.stdout.write(f"device assistant {manifest['version']}: model {manifest['model']['gzip_bytes']} bytes "
                          f"gzipped; held out: {report['held_out_answered']} answered, agreement "
                          f"{report['held_out_agreement']}, coverage {report['held_out_coverage']}, "
                          f"threshold {report['threshold']}; in {report['train_seconds']} s")
