"""Content-Security-Policy: every page says that only the site's own files may run.

Escaping and sanitising (rag/views.py: help_html) keep markup out of pages; the policy
is the second line: were some HTML to slip through, a browser still runs no inline
script, no event-handler attribute and no `javascript:` URL, and loads nothing from
elsewhere. The browser side (pages work under it, an injected script does not run) is
in tests/test_csp_browser.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PUBLIC = ["/", "/products/", "/help/", "/help/shipping-and-delivery/", "/account/login/", "/account/password_reset/",
          "/account/signup/", "/cart/", "/gift-cards/balance/",
          "/admin/login/", "/no-such-page/", "/healthz", "/metrics"]
STAFF_ONLY = ["/console/", "/ops/", "/ops/escalations/", "/admin/", "/admin/support/conversation/"]


def policy_of(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"{response.request['PATH_INFO']} ({response.status_code}) sent no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy.get("default-src") == ["'self'"]
    for directive in ("script-src", "style-src"):
        sources = policy.get(directive, policy["default-src"])
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "*" not in sources, directive
        assert "'unsafe-hashes'" not in sources, directive
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("base-uri") == ["'none'"]
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("form-action") == ["'self'"]
    assert not [d for d, sources in policy.items() if "*" in sources or "https:" in sources or "http:" in sources]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC)
def test_every_public_page_sends_a_strict_policy(path: str) -> None:
    assert_strict(policy_of(Client().get(path)))


@pytest.mark.django_db
@pytest.mark.parametrize("path", STAFF_ONLY)
def test_every_staff_page_sends_a_strict_policy(path: str) -> None:
    supervisor = User.objects.create_user("sofia", "sofia@example-shoppe.test", "pw", is_staff=True)
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    client = Client()
    client.force_login(supervisor)
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(policy_of(response))


INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_template_needs_inline_script_or_style() -> None:
    """What the policy would block: the site's own templates use none of it."""
    found = [f"{path.relative_to(TEMPLATES)}: {what}"
             for path in sorted(TEMPLATES.rglob("*.html")) for what, pattern in INLINE.items()
             if pattern.search(path.read_text())]
    assert not found, "\n".join(found)
