"""ASGI entry point: HTTP through Django, `/ws/` through Channels."""
from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoppe.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402

from shoppe.startup import server_start  # noqa: E402
from shoppe.websocket_origin import SameOriginValidator  # noqa: E402
from support.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A page of another origin (even another port or scheme of this host) gets no socket.
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

server_start(embedded_worker=settings.CELERY_EMBEDDED_WORKER)
