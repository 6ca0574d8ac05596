from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from rag.index import index_build_all


class Command(BaseCommand):
    help = "Embed the knowledge base, in every language it is written in, and make the FAISS indexes live."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--force", action="store_true", help="embed again even when nothing changed")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        for language, folder in index_build_all(force=options["force"]).items():
            manifest = json.loads((folder / "manifest.json").read_text())
            self.stdout.write(f"index {language} {manifest['version']}: {manifest['passages']} passages, "
                              f"{manifest['vectors']} vectors, {manifest['encoder']}, "
                              f"built in {manifest['build_seconds']} s")
