"""Translation catalogues: every `.po` file of the project compiled to the `.mo` Django reads.

Django's own `compilemessages` needs GNU gettext's `msgfmt`, which a fresh machine with only
Python and make does not have; polib compiles the same files in pure Python. `make setup`
runs this, so the compiled catalogues are never committed and never stale.
"""
from __future__ import annotations

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings


def catalogue_dirs() -> list[Path]:
    """The project's locale folders: LOCALE_PATHS and each of the project's own apps' `locale/`."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    for app in apps.get_app_configs():
        folder = Path(app.path) / "locale"
        if Path(app.path).parent == base and folder.is_dir():  # ours, not an installed package's
            dirs.append(folder)
    return dirs


def catalogues_compile() -> list[Path]:
    """Compile every `.po` whose `.mo` is missing or older; returns the `.mo` files written."""
    written = []
    for folder in catalogue_dirs():
        for po_path in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written
