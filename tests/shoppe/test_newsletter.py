"""Newsletter: the footer form on every page, the tick at checkout and on the account page, each confirmed by the
emailed link (double opt-in), and the unsubscribe link (#15 item 3)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.test import Client, override_settings

from shoppe.models import Customer, NewsletterSubscription, Product

pytestmark = pytest.mark.django_db


def link_in(body: str, kind: str) -> str:
    return re.search(rf"http://testserver(/newsletter/{kind}/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]


def footer_signup(client: Client, email: str, captured, **headers):  # type: ignore[no-untyped-def]
    with captured(execute=True):
        return client.post("/newsletter/", {"newsletter-email": email}, HTTP_REFERER="http://testserver/help/", **headers)


def test_a_visitor_subscribes_in_the_footer_confirms_by_the_link_and_unsubscribes(
        client: Client, django_capture_on_commit_callbacks) -> None:
    assert 'name="newsletter-email"' in client.get("/help/").content.decode()  # the footer, on any page
    response = footer_signup(client, "Nora@Example.test", django_capture_on_commit_callbacks)
    assert response["Location"] == "http://testserver/help/"  # back to the page it was sent from
    assert b"we&#x27;ve emailed a link to Nora@Example.test" in client.get("/help/").content
    assert not NewsletterSubscription.objects.exists()  # nothing stored until the address's owner confirms
    assert mail.outbox[0].to == ["nora@example.test"]
    assert "confirm" in mail.outbox[0].subject

    confirm = link_in(mail.outbox[0].body, "confirm")
    owner = Client()
    assert b"every Thursday?" in owner.get(confirm).content  # a GET only asks: mail scanners follow links
    assert not NewsletterSubscription.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert b"Thank you!" in owner.post(confirm).content
    subscription = NewsletterSubscription.objects.get()
    assert subscription.email == "nora@example.test" and subscription.subscribed and subscription.confirmed_at
    assert mail.outbox[1].subject == "Welcome to the Example Shoppe newsletter"

    unsubscribe = link_in(mail.outbox[1].body, "unsubscribe")
    assert b"Stop sending" in owner.get(unsubscribe).content
    assert NewsletterSubscription.objects.get().subscribed
    assert b"is unsubscribed" in owner.post(unsubscribe).content
    assert not NewsletterSubscription.objects.get().subscribed


def test_confirming_twice_sends_one_welcome(client: Client, django_capture_on_commit_callbacks) -> None:
    footer_signup(client, "nora@example.test", django_capture_on_commit_callbacks)
    confirm = link_in(mail.outbox[0].body, "confirm")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert Client().post(confirm).status_code == 200
    assert [m.subject for m in mail.outbox].count("Welcome to the Example Shoppe newsletter") == 1


def test_an_address_gets_at_most_two_confirmation_emails_a_day(client: Client,
                                                                django_capture_on_commit_callbacks) -> None:
    """Nobody can flood an address through the form: every sign-up gets the same answer, the address two emails."""
    for attempt in range(5):
        response = footer_signup(Client(REMOTE_ADDR=f"198.51.100.{attempt}"), "victim@example.test",
                                 django_capture_on_commit_callbacks)
        assert response.status_code == 302
    assert len(mail.outbox) == 2


@override_settings(NEWSLETTER_SIGNUPS_PER_CLIENT_PER_HOUR=3)
def test_one_connection_can_sign_up_only_so_many_addresses_an_hour(django_capture_on_commit_callbacks) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(3):
        assert footer_signup(client, f"person{n}@example.test", django_capture_on_commit_callbacks).status_code == 302
    refused = footer_signup(client, "person4@example.test", django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and b"Too many newsletter sign-ups" in refused.content
    assert len(mail.outbox) == 3
    assert footer_signup(Client(REMOTE_ADDR="203.0.113.10"), "person4@example.test",
                         django_capture_on_commit_callbacks).status_code == 302


def test_an_address_already_on_the_newsletter_gets_no_email_and_the_form_says_the_same(
        client: Client, django_capture_on_commit_callbacks) -> None:
    NewsletterSubscription.objects.create(email="nora@example.test", subscribed=True)
    response = footer_signup(client, "nora@example.test", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and b"we&#x27;ve emailed a link" in client.get("/help/").content
    assert mail.outbox == []


def test_a_made_up_or_expired_confirmation_link_subscribes_nobody(client: Client) -> None:
    made_up = client.get("/newsletter/confirm/bob@example.test/")
    assert made_up.status_code == 404 and b"has expired or is not complete" in made_up.content
    token = signing.dumps({"email": "bob@example.test", "customer": None}, salt="shoppe.newsletter.confirm")
    with override_settings(SECRET_KEY="another-key-" + "x" * 40):  # a link signed elsewhere
        assert client.post(f"/newsletter/confirm/{token}/").status_code == 404
    assert not NewsletterSubscription.objects.exists()


def test_a_confirmation_link_expires_after_a_week(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    token = signing.dumps({"email": "bob@example.test", "customer": None}, salt="shoppe.newsletter.confirm")
    assert client.get(f"/newsletter/confirm/{token}/").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 8 * 24 * 3600)
    assert client.post(f"/newsletter/confirm/{token}/").status_code == 404
    assert not NewsletterSubscription.objects.exists()


def test_the_account_tick_waits_for_the_confirmation_and_the_unsubscribe_link_clears_it(
        make_customer, django_capture_on_commit_callbacks) -> None:
    alice = make_customer("alice")
    client = Client()
    client.force_login(alice)
    details = {"first_name": "Alice", "last_name": "", "email": alice.email}
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/", {**details, "newsletter": "on"})
    alice.customer.refresh_from_db()
    assert not alice.customer.newsletter  # nobody has checked that the account's address is Alice's
    assert b"open the link we&#x27;ve emailed" in client.get("/account/").content
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link_in(mail.outbox[0].body, "confirm"))
    alice.customer.refresh_from_db()
    assert alice.customer.newsletter
    Client().post(link_in(mail.outbox[1].body, "unsubscribe"))
    alice.customer.refresh_from_db()
    assert not alice.customer.newsletter


def test_the_account_untick_unsubscribes_at_once(make_customer) -> None:
    alice = make_customer("alice")
    NewsletterSubscription.objects.create(email=alice.email, subscribed=True)
    Customer.objects.filter(user=alice).update(newsletter=True)
    client = Client()
    client.force_login(alice)
    client.post("/account/", {"first_name": "Alice", "last_name": "", "email": alice.email})
    assert not NewsletterSubscription.objects.get().subscribed


def test_an_account_pointed_at_someone_elses_address_learns_and_changes_nothing_of_their_subscription(
        make_customer, django_capture_on_commit_callbacks) -> None:
    NewsletterSubscription.objects.create(email="nora@example.test", subscribed=True)
    mallory = make_customer("mallory")
    client = Client()
    client.force_login(mallory)
    details = {"first_name": "M", "last_name": "", "email": "nora@example.test"}
    # ticking the newsletter for an address on it already: the same answer as for any address
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/", {**details, "newsletter": "on"})
    assert b"open the link we&#x27;ve emailed to nora@example.test" in client.get("/account/").content
    mallory.customer.refresh_from_db()
    assert not mallory.customer.newsletter  # the tick waits for Nora's confirmation, which only Nora can give
    assert [m.to for m in mail.outbox if "newsletter" in m.subject] == [["nora@example.test"]]
    # unticking does not take Nora off
    client.post("/account/", details)
    assert NewsletterSubscription.objects.get().subscribed


def test_a_signed_in_customer_confirming_from_the_footer_sees_the_tick_on_their_account(
        make_customer, django_capture_on_commit_callbacks) -> None:
    alice = make_customer("alice")
    client = Client()
    client.force_login(alice)
    footer_signup(client, alice.email, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link_in(mail.outbox[0].body, "confirm"))
    alice.customer.refresh_from_db()
    assert alice.customer.newsletter


def test_a_bad_address_is_refused(client: Client) -> None:
    refused = client.post("/newsletter/", {"newsletter-email": "not-an-address"})
    assert refused.status_code == 400 and not NewsletterSubscription.objects.exists() and mail.outbox == []


def test_the_checkout_tick_asks_the_guest_to_confirm(client: Client, django_capture_on_commit_callbacks) -> None:
    Product.objects.create(slug="lamp", name="Lamp", category="Lamps", description="A lamp.",
                           price=Decimal("64.00"), stock=5)
    client.post("/cart/add/lamp/")
    client.post("/checkout/", {"email": "gwen@example.test", "recipient": "Gwen Guest", "street": "Oudegracht 99",
                               "postcode": "3511 AB", "city": "Utrecht", "country": "Netherlands",
                               "delivery": "Standard", "newsletter": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/checkout/payment/", {"method": "paypal"})
    assert not NewsletterSubscription.objects.exists()
    confirmation = next(m for m in mail.outbox if "newsletter" in m.subject)
    assert confirmation.to == ["gwen@example.test"]
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link_in(confirmation.body, "confirm"))
    assert NewsletterSubscription.objects.get(email="gwen@example.test").subscribed
