"""The links in the emails a request sends point at SITE_URL when it is set: the address customers know.

The request may have reached the site under another name: a proxy's internal host, or a Host header an attacker
chose among ALLOWED_HOSTS, which would put a password reset link to their host in the victim's inbox. The order
emails did this already (session 29's walkthrough found the account and newsletter emails did not). Every email
goes to a real SMTP server on loopback (tests/smtp.py).
"""
from __future__ import annotations

import re

import pytest
from django.test import Client

from shoppe.models import Customer
from tests.support.test_past_conversations import conversation_with

pytestmark = pytest.mark.django_db

SITE = "https://shop.example.com"
INTERNAL = "shoppe-web.internal"  # the name the request came in on
PASSWORD = "a-Long-passphrase-42"


@pytest.fixture
def behind_a_proxy(settings, smtp_server):  # type: ignore[no-untyped-def]
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, INTERNAL]
    return smtp_server


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://[^/\s]+/\S*", body)


def only_the_site_in(body: str) -> list[str]:
    links = links_in(body)
    assert links, body
    assert all(link.startswith(SITE + "/") for link in links), links
    return links


def test_a_password_reset_links_to_the_site_not_the_host_it_was_asked_on(behind_a_proxy, make_customer) -> None:
    make_customer("alice")
    Client(HTTP_HOST=INTERNAL).post("/account/password_reset/", {"email": "alice@example.test"})
    [mail] = behind_a_proxy.wait_for(1)
    assert any("/account/reset/" in link for link in only_the_site_in(mail.body))


def test_a_new_accounts_confirmation_links_to_the_site(behind_a_proxy, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_HOST=INTERNAL).post("/account/signup/", {
            "username": "nina", "email": "nina@example.test", "first_name": "Nina",
            "password1": PASSWORD, "password2": PASSWORD})
    [mail] = behind_a_proxy.wait_for(1)
    assert any("/account/email/confirm/" in link for link in only_the_site_in(mail.body))


def test_the_newsletters_confirmation_and_welcome_link_to_the_site(behind_a_proxy,
                                                                    django_capture_on_commit_callbacks) -> None:
    visitor = Client(HTTP_HOST=INTERNAL)
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/newsletter/", {"newsletter-email": "nora@example.test"})
    [confirmation] = behind_a_proxy.wait_for(1)
    [confirm] = [link for link in only_the_site_in(confirmation.body) if "/newsletter/confirm/" in link]
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(confirm.removeprefix(SITE))
    welcome = behind_a_proxy.wait_for(2)[1]
    assert any("/newsletter/unsubscribe/" in link for link in only_the_site_in(welcome.body))


def test_the_account_pages_emails_link_to_the_site(behind_a_proxy, make_customer,
                                                   django_capture_on_commit_callbacks) -> None:
    alice = make_customer("alice")
    customer = Customer.objects.get(user=alice)
    customer.email_confirmed_at = None
    customer.save()
    client = Client(HTTP_HOST=INTERNAL)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/email/send-link/")
    [mail] = behind_a_proxy.wait_for(1)
    assert any("/account/email/confirm/" in link for link in only_the_site_in(mail.body))


def test_a_transcript_links_to_the_site(behind_a_proxy, make_customer) -> None:
    alice = make_customer("alice")
    old = conversation_with(alice, ("customer", "Where is my order 10023?"), ("bot", "On its way."), status="closed")
    client = Client(HTTP_HOST=INTERNAL)
    client.force_login(alice)
    client.post(f"/account/conversations/{old.id}/email/")
    [mail] = behind_a_proxy.wait_for(1)
    assert f"{SITE}/account/conversations/{old.id}/" in only_the_site_in(mail.body)
