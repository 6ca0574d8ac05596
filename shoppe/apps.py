from django.apps import AppConfig


class ShoppeConfig(AppConfig):
    name = "shoppe"
    verbose_name = "Storefront"

    def ready(self) -> None:
        # A standalone Celery worker gets the assistant ready through worker signals (shoppe.startup).
        from shoppe import startup  # noqa: F401
