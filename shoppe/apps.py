from django.apps import AppConfig
from django.conf import settings


class ShoppeConfig(AppConfig):
    name = "shoppe"
    verbose_name = "Storefront"

    def ready(self) -> None:
        # The data dir (SQLite, the index, the routers, photos) exists from start-up on; reading
        # the settings alone creates nothing.
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        # A standalone Celery worker gets the assistant ready through worker signals (shoppe.startup).
        from shoppe import startup  # noqa: F401
