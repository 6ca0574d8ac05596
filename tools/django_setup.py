"""Django for a tool run as `python -m tools.<name>`: the shop's settings, as `manage.py` uses them."""
from __future__ import annotations

import os


def django_start() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shoppe.settings")
    import django

    django.setup()
