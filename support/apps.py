from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_migrate


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Customer support"

    def ready(self) -> None:
        from support.roles import roles_ensure

        post_migrate.connect(roles_ensure, sender=self)
        user_logged_out.connect(_close_sockets_of_session, dispatch_uid="support.close_sockets_of_session")
        post_delete.connect(_photo_file_delete, sender="support.Photo", dispatch_uid="support.photo_file_delete")


def _photo_file_delete(sender, instance, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """A deleted photo (or its conversation, or the customer's account) leaves no file behind."""
    instance.image.delete(save=False)


def _close_sockets_of_session(sender, request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    from support import realtime

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        realtime.session_end(session_key)
