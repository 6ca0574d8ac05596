from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "rag"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from rag import signals  # noqa: F401
