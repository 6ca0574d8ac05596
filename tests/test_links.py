"""Every link the help centre and the assistant give a customer leads somewhere (#15 item 3).

Crawls the help centre (each page's links, and the paths its text names in plain words, such as
"My orders (/orders/)") and reads every path in the assistant's answer texts
(support/services/*.py), then fetches each one through the real Django stack: as a visitor it must
answer 200 or send to the sign-in page, and as the signed-in customer who owns the order it names,
200 (after redirects). A passage's anchor (/help/<slug>/#<heading>) must be on its page.
"""
from __future__ import annotations

import ast
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from rag.documents import ENGLISH, HELP_LANGUAGES, document_list, document_passages
from shoppe.models import Address, Invoice, Order, OrderItem, Product

pytestmark = pytest.mark.django_db
SERVICES = Path(settings.BASE_DIR) / "support" / "services"
# A site path in running text: "/orders/", "/help/refund-policy/", "/account/password_reset/" (not "24/7" or a URL).
PATH_IN_TEXT = re.compile(r"(?<![\w/.:@-])(/(?:[a-z0-9][a-z0-9_-]*/)+)(#[\w-]+)?")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.hrefs.append(found["href"] or "")
        if found.get("id"):
            self.ids.add(found["id"] or "")


def parsed(html: str) -> _Links:
    links = _Links()
    links.feed(html)
    return links


def internal(href: str) -> str | None:
    """The path of a link into this site; None for mail, other sites and same-page anchors."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path


def help_links(client: Client, language: str = ENGLISH) -> dict[str, set[str]]:
    """Every internal path the help centre (in `language`) links to or names in its text, with the pages that do."""
    found: dict[str, set[str]] = {}
    index = "/help/" if language == ENGLISH else f"/{language}/help/"
    pages = [index] + [document.url for document in document_list(language)]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for href in parsed(html).hrefs:
            if (path := internal(href)) is not None:
                found.setdefault(path, set()).add(page)
    for document in document_list(language):
        for path, _ in PATH_IN_TEXT.findall(document.body):
            found.setdefault(path, set()).add(f"{document.url} (text)")
    return found


def _string_texts(node: ast.AST) -> list[str]:
    """The literal text of a string or f-string, with each {placeholder} written as {}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    return []


def answer_paths(order_number: int) -> dict[str, set[str]]:
    """Every site path in the assistant's answer texts (links and words), f-string numbers filled in."""
    found: dict[str, set[str]] = {}
    for module in sorted(SERVICES.rglob("*.py")):  # the packages too (order_help/)
        tree = ast.parse(module.read_text())
        # The pieces of an f-string are read with it, not alone ("/invoice/" of f"/orders/{n}/invoice/").
        pieces = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        for node in ast.walk(tree):
            if id(node) in pieces:
                continue
            for text in _string_texts(node):
                for path, _ in PATH_IN_TEXT.findall(text.replace("{}", str(order_number))):
                    found.setdefault(path, set()).add(module.name)
    return found


@pytest.fixture
def owner(make_customer):  # type: ignore[no-untyped-def]
    """A customer with a paid order (invoice) and a saved address: what the paths are filled in with."""
    alice = make_customer("alice")
    lamp = Product.objects.create(slug="lamp", name="Lamp", category="Lamps", description="A lamp.",
                                  price=Decimal("64.00"), stock=5)
    order = Order.objects.create(number=10023, customer=alice.customer, email=alice.email, status="delivered",
                                 shipping_address="Keizersgracht 12")
    OrderItem.objects.create(order=order, product=lamp, unit_price=lamp.price)
    Invoice.objects.create(order=order, number="INV-10023")
    Address.objects.create(customer=alice.customer, recipient="Alice", street="Keizersgracht 12", postcode="1015 CN",
                           city="Amsterdam")
    return alice, order


def _check(paths: dict[str, set[str]], owner, language: str = ENGLISH) -> list[str]:  # type: ignore[no-untyped-def]
    alice, _ = owner
    signed_in = Client()
    signed_in.force_login(alice)
    broken = []
    sign_in = ("/account/login/",) if language == ENGLISH else ("/account/login/", f"/{language}/account/login/")
    for path, where in sorted(paths.items()):
        visitor = Client().get(path)
        to_sign_in = visitor.status_code == 302 and visitor["Location"].startswith(sign_in)
        if visitor.status_code != 200 and not to_sign_in:
            broken.append(f"{path} ({', '.join(sorted(where))}): a visitor gets {visitor.status_code}")
        # A page for visitors may send a signed-in customer on (sign-up to the account): it must land.
        if (status := signed_in.get(path, follow=True).status_code) != 200:
            broken.append(f"{path} ({', '.join(sorted(where))}): the signed-in customer gets {status}")
    return broken


def test_every_help_centre_link_and_path_resolves(client: Client, owner) -> None:  # type: ignore[no-untyped-def]
    paths = help_links(client)
    assert {"/orders/", "/account/signup/", "/account/password_reset/", "/account/addresses/",
            "/gift-cards/balance/", "/cart/"} <= set(paths), sorted(paths)
    broken = _check(paths, owner)
    assert not broken, "help-centre links that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize("language", HELP_LANGUAGES)
def test_every_help_centre_link_and_path_resolves_in_every_language(  # type: ignore[no-untyped-def]
        client: Client, owner, language: str) -> None:
    """The translated pages name the same screens, each in the page's language ("/nl/orders/")."""
    paths = help_links(client, language)
    expected = {f"/{language}{p}" for p in ("/orders/", "/account/signup/", "/account/password_reset/",
                                            "/account/addresses/", "/gift-cards/balance/", "/cart/")}
    assert expected <= set(paths), sorted(paths)
    named = {path for document in document_list(language) for path, _ in PATH_IN_TEXT.findall(document.body)}
    assert named and not [p for p in named if not p.startswith(f"/{language}/")], "paths not in the page's language"
    broken = _check(paths, owner, language)
    assert not broken, f"help-centre links ({language}) that lead nowhere:\n" + "\n".join(broken)


def test_every_path_in_the_assistants_answers_resolves(owner) -> None:  # type: ignore[no-untyped-def]
    _, order = owner
    paths = answer_paths(order.number)
    assert {"/orders/", "/account/login/", f"/orders/{order.number}/", f"/orders/{order.number}/invoice/",
            "/help/refund-policy/"} <= set(paths), sorted(paths)
    broken = _check(paths, owner)
    assert not broken, "paths in the assistant's answers that lead nowhere:\n" + "\n".join(broken)


@pytest.mark.parametrize("language", [ENGLISH, *HELP_LANGUAGES])
def test_every_answer_anchor_is_on_its_help_page(client: Client, language: str) -> None:
    missing = []
    for document in document_list(language):
        ids = parsed(client.get(document.url).content.decode()).ids
        for passage in document_passages(document):
            anchor = passage.url.partition("#")[2]
            if anchor and anchor not in ids:
                missing.append(passage.url)
    assert not missing, "answer sources whose anchor is not on the page:\n" + "\n".join(missing)
