"""`make run`'s defaults under a real daphne: friendly error pages, never Django's internals.

Embedded mode is what `make run` serves, and a demo can be reachable from other
machines: a 404 must not list the site's URL patterns, a 500 must not show a traceback
or settings. The server runs with no DEBUG, SECRET_KEY or ALLOWED_HOSTS in its
environment, so it gets exactly the embedded defaults; the one addition is a page that
crashes (tests/shoppe/crashing_site.py).
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tools.processes import daphne_start, free_port, stop_process

REPO = Path(settings.BASE_DIR)
TECHNICAL = ("urlpatterns", "Using the URLconf", "Traceback", "SECRET-INTERNAL-DETAIL", "DEBUG = True",
             "django.core", "Request Method")


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"}}
    env.update(SHOPPE_DATA_DIR=str(data_dir), SHOPPE_MODEL_DIR=str(settings.MODEL_DIR), RAG_WARM_UP="0",
               PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="tests.shoppe.crashing_site")
    return env


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("embedded-site")
    env = _embedded_env(data_dir)
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=180)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    port, log_path = free_port(), data_dir / "daphne.log"
    with open(log_path, "wb") as log:
        server = daphne_start(port=port, env=env, stdout=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while fetch(base + "/")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"daphne did not serve {base}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, data_dir
    finally:
        stop_process(server)


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)
    except OSError:
        return 0, "", {}


def test_pages_and_static_files_are_served(embedded_site: tuple[str, Path]) -> None:
    base, _ = embedded_site
    status, page, _ = fetch(base + "/")
    assert status == 200 and "Example Shoppe" in page
    status, css, headers = fetch(base + "/static/shoppe/site.css")
    assert status == 200 and headers.get("Content-Type", "").startswith("text/css") and css.strip()
    assert fetch(base + "/static/chat/widget.js")[0] == 200


def test_a_missing_page_is_the_sites_friendly_404(embedded_site: tuple[str, Path]) -> None:
    base, _ = embedded_site
    status, page, _ = fetch(base + "/no-such-page/")
    assert status == 404
    assert "Example Shoppe" in page and 'class="site-header"' in page  # the site's own page, with its header
    assert not [word for word in TECHNICAL if word in page], page[:2000]


def test_a_crash_is_a_plain_500_without_a_traceback(embedded_site: tuple[str, Path]) -> None:
    base, _ = embedded_site
    status, page, _ = fetch(base + "/crash/")
    assert status == 500
    assert "Example Shoppe" in page
    assert not [word for word in TECHNICAL if word in page], page[:2000]


def test_the_generated_secret_key_is_kept_private_in_the_data_dir(embedded_site: tuple[str, Path]) -> None:
    _, data_dir = embedded_site
    key_file = data_dir / "secret_key"
    assert key_file.exists() and len(key_file.read_text().strip()) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
