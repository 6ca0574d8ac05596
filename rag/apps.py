import os

from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "rag"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from rag import signals  # noqa: F401

        # The models come from installed packages and the data dir: never from the network
        # (Hugging Face's libraries read these when they are first imported, which is later).
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
