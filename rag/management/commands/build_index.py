from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from rag.index import index_build


class Command(BaseCommand):
    help = "Embed the knowledge base and make the FAISS index live."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        folder = index_build()
        manifest = json.loads((folder / "manifest.json").read_text())
        self.stdout.write(f"index {manifest['version']}: {manifest['passages']} passages, "
                          f"{manifest['vectors']} vectors, {manifest['encoder']}, built in {manifest['build_seconds']} s")
