"""Help pages render staff-written Markdown: links and markup a visitor's browser could run are removed."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

HOSTILE_ARTICLE = """\
## How do I pay?

Click [pay now](javascript:alert(1)) or [this one](JaVaScRiPt:alert(2))
or [data](data:text/html,<script>alert(3)</script>).

<script>alert(4)</script>

<img src=x onerror="alert(5)">

![picture](javascript:alert(6))

Read [our terms](https://example.com/terms), [delivery](/help/shipping-and-delivery/)
or write to [us](mailto:help@example-shoppe.test).
"""


@pytest.fixture
def hostile_page(client):  # type: ignore[no-untyped-def]
    from rag.models import KnowledgeArticle

    KnowledgeArticle.objects.create(slug="paying", title="Paying", body=HOSTILE_ARTICLE)
    response = client.get("/help/paying/")
    assert response.status_code == 200
    return response.content.decode()


def _help_body(page: str) -> str:
    return page.split('<div class="help-body">', 1)[1].split("</div>", 1)[0]


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every element a browser would build from `html`, with its attributes."""
    found: list[tuple[str, dict[str, str]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, {name: value or "" for name, value in attrs}))

    Collector().feed(html)
    return found


def test_a_javascript_link_in_a_staff_article_is_not_a_link(hostile_page: str) -> None:
    body = _help_body(hostile_page)
    assert "javascript:" not in body.lower()
    assert "data:text/html" not in body
    # The words stay; only the dangerous address is dropped.
    assert "pay now" in body and "this one" in body


def test_raw_html_a_browser_would_run_is_never_markup(hostile_page: str) -> None:
    elements = _elements(_help_body(hostile_page))
    assert elements, "the article rendered nothing"
    assert not [tag for tag, _ in elements if tag in {"script", "style", "iframe", "object", "embed"}]
    assert not [(tag, name) for tag, attrs in elements for name in attrs if name.startswith("on")]
    addresses = [value for _, attrs in elements for name, value in attrs.items() if name in {"href", "src"}]
    assert not [a for a in addresses if not re.match(r"(https?:|mailto:|/|#)", a)], addresses


def test_safe_links_stay_and_external_ones_open_without_the_opener(hostile_page: str) -> None:
    body = _help_body(hostile_page)
    external = re.search(r'<a [^>]*href="https://example.com/terms"[^>]*>', body)
    assert external and 'rel="noopener noreferrer"' in external.group(0)
    assert 'href="/help/shipping-and-delivery/"' in body
    assert 'href="mailto:help@example-shoppe.test"' in body


def test_headings_keep_the_anchors_answers_link_to(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/help/shipping-and-delivery/").content.decode()
    assert re.search(r'<h2 id="[a-z0-9-]+">', page)
