from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Customer support"

    def ready(self) -> None:
        from support.roles import roles_ensure

        post_migrate.connect(roles_ensure, sender=self)
