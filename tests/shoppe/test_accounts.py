"""Signing up, resetting a forgotten password by email, and the account page (#15 item 3)."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from shoppe.models import Customer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-new-passphrase-77"


def test_the_sign_in_page_links_to_password_reset_and_sign_up(client: Client) -> None:
    page = client.get("/account/login/").content.decode()
    assert 'href="/account/password_reset/"' in page and 'href="/account/signup/' in page
    assert client.get("/account/password_reset/").status_code == 200
    assert client.get("/account/signup/").status_code == 200


def test_a_visitor_signs_up_and_is_signed_in_with_a_customer_profile(client: Client) -> None:
    response = client.post("/account/signup/", {
        "username": "erin", "email": "erin@example.test", "first_name": "Erin", "last_name": "Visser",
        "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/"
    user = User.objects.get(username="erin")
    assert Customer.objects.filter(user=user).exists() and user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert b"Erin" in client.get("/account/").content
    assert client.get("/orders/").status_code == 200


def test_a_signed_in_customer_following_a_sign_in_link_goes_on_to_the_page_it_led_to(client: Client,
                                                                                       make_customer) -> None:
    """A "Sign in" link on an earlier chat reply, followed after signing in: no sign-in form again."""
    client.force_login(make_customer("alice"))
    assert client.get("/account/login/?next=/orders/")["Location"] == "/orders/"
    assert client.get("/account/login/")["Location"] == "/orders/"  # without `next`: My orders, as after signing in
    assert client.get("/nl/account/login/?next=https://evil.example/")["Location"] == "/nl/orders/"  # never off site
    # led back to the sign-in page itself (a link anyone can post): My orders, not a server error
    assert client.get("/account/login/?next=/account/login/")["Location"] == "/orders/"
    assert client.get("/nl/account/login/?next=/nl/account/login/%3Fnext%3D/")["Location"] == "/nl/orders/"


def test_one_account_per_email_address_and_passwords_are_checked(client: Client, make_customer) -> None:
    make_customer("alice")
    taken = client.post("/account/signup/", {"username": "alice2", "email": "ALICE@example.test", "first_name": "A",
                                             "password1": PASSWORD, "password2": PASSWORD})
    assert taken.status_code == 200 and b"already exists" in taken.content
    weak = client.post("/account/signup/", {"username": "zed", "email": "zed@example.test", "first_name": "Zed",
                                            "password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and not User.objects.filter(username="zed").exists()


def test_sign_up_goes_back_to_the_page_asked_for_but_never_off_site(client: Client) -> None:
    data = {"email": "f@example.test", "first_name": "F", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/account/signup/", {**data, "username": "f1", "next": "/checkout/"})["Location"] == "/checkout/"
    client.logout()
    evil = client.post("/account/signup/", {**data, "username": "f2", "email": "g@example.test",
                                            "next": "https://evil.example/"})
    assert evil["Location"] == "/account/"


def test_a_forgotten_password_is_reset_through_the_emailed_link(client: Client, make_customer, smtp_server) -> None:
    alice = make_customer("alice")
    response = client.post("/account/password_reset/", {"email": "alice@example.test"})
    assert response.status_code == 302 and response["Location"] == "/account/password_reset/done/"
    [mail] = smtp_server.wait_for(1)
    assert mail.to == ["alice@example.test"] and "password" in mail.subject.lower()
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+/)", mail.body).group(1)  # type: ignore[union-attr]

    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/account/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert Client().post("/account/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_password_resets_cannot_flood_an_inbox(make_customer, smtp_server, settings) -> None:  # type: ignore[no-untyped-def]
    """An account's address is not verified, so the reset form is limited: an address gets at most
    PASSWORD_RESETS_PER_ADDRESS_PER_DAY emails (then the same page, and nothing sent), a connection may ask
    PASSWORD_RESETS_PER_CLIENT_PER_HOUR times an hour (then 429)."""
    make_customer("alice")
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_DAY, settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR = 2, 5
    answers = [Client(REMOTE_ADDR=f"198.51.100.{n}").post("/account/password_reset/", {"email": "alice@example.test"})
               for n in range(4)]
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, "/account/password_reset/done/")] * 4
    assert len(smtp_server.wait_for(2)) == 2
    one_client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [one_client.post("/account/password_reset/", {"email": f"n{n}@example.test"}).status_code for n in range(6)]
    assert codes == [302] * 5 + [429]
    assert b"Too many password resets" in one_client.post("/account/password_reset/", {"email": "x@example.test"}).content
    assert len(smtp_server.received) == 2


def test_sign_ups_from_one_connection_are_limited(settings) -> None:  # type: ignore[no-untyped-def]
    """Session 27's security probe: each sign-up emails the address given with the name given, so twelve sign-ups sent
    twelve emails of the attacker's words to strangers. ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR a connection, then 429."""
    settings.ACCOUNT_SIGNUPS_PER_CLIENT_PER_HOUR = 3

    def sign_up(n: int, address: str) -> int:
        return Client(REMOTE_ADDR=address).post("/account/signup/", {
            "username": f"user{n}", "email": f"user{n}@example.test", "first_name": "Win a prize", "last_name": "X",
            "password1": PASSWORD, "password2": PASSWORD}).status_code

    assert [sign_up(n, "203.0.113.9") for n in range(4)] == [302, 302, 302, 429]
    assert User.objects.filter(username__startswith="user").count() == 3  # the refused one created nothing
    assert sign_up(9, "198.51.100.20") == 302  # another connection is not held back


def test_a_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client: Client, smtp_server) -> None:
    response = client.post("/account/password_reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302 and response["Location"] == "/account/password_reset/done/"
    assert smtp_server.received == []


def test_the_account_page_changes_name_email_and_newsletter(client: Client, make_customer) -> None:
    alice = make_customer("alice")
    make_customer("bob", "Bob")
    client.force_login(alice)
    taken = client.post("/account/", {"first_name": "Alice", "last_name": "J", "email": "bob@example.test"})
    assert taken.status_code == 200 and b"another account" in taken.content
    saved = client.post("/account/", {"first_name": "Alicia", "last_name": "Jansen", "email": "alicia@example.test",
                                      "newsletter": "on"})
    assert saved.status_code == 302
    alice.refresh_from_db()
    # The newsletter waits for the new address's owner to confirm it (tests/shoppe/test_newsletter.py).
    assert (alice.first_name, alice.email, alice.customer.newsletter) == ("Alicia", "alicia@example.test", False)


def test_the_previous_address_is_told_when_the_accounts_email_changes(make_customer, smtp_server,
                                                                       django_capture_on_commit_callbacks) -> None:
    """A session left open (or stolen) could change the address and then reset the password there: the old
    address hears of it at once, while its owner can still act."""
    alice = make_customer("alice")
    client = Client()
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/", {"first_name": "Alice", "last_name": "", "email": "mallory@evil.example"})
    smtp_server.wait_for(2)  # the notice, and the new address's confirmation link
    [notice] = [mail for mail in smtp_server.received if mail.to == ["alice@example.test"]]
    assert "changed" in notice.subject
    assert "ma…@evil.example" in notice.body and "reset your password" in notice.body
    with django_capture_on_commit_callbacks(execute=True):  # saving other details sends nothing
        client.post("/account/", {"first_name": "Al", "last_name": "", "email": "mallory@evil.example"})
    assert len(smtp_server.received) == 2


def test_the_account_page_needs_sign_in(client: Client) -> None:
    assert client.get("/account/")["Location"].startswith("/account/login/?next=/account/")


def confirm_link(body: str) -> str:
    return re.search(r"http://testserver(/account/email/confirm/[^/\s]+/)", body).group(1)  # type: ignore[union-attr]


def test_a_new_accounts_address_is_confirmed_by_the_emailed_link(client: Client, django_capture_on_commit_callbacks) -> None:
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/signup/", {"username": "nina", "email": "nina@example.test", "first_name": "Nina",
                                         "password1": PASSWORD, "password2": PASSWORD})
    nina = User.objects.get(username="nina")
    assert nina.customer.email_confirmed_at is None
    assert "isn't confirmed yet" in client.get("/account/").content.decode()
    [sent] = mail.outbox
    assert sent.to == ["nina@example.test"] and "confirm" in sent.subject
    link = confirm_link(sent.body)
    assert b"Yes, confirm it" in Client().get(link).content  # a GET only asks: mail scanners follow links
    nina.customer.refresh_from_db()
    assert nina.customer.email_confirmed_at is None
    assert b"is confirmed" in Client().post(link).content
    nina.customer.refresh_from_db()
    assert nina.customer.email_confirmed_at is not None
    assert "isn't confirmed yet" not in client.get("/account/").content.decode()


def test_a_changed_address_must_be_confirmed_again_and_an_old_link_no_longer_confirms(
        client: Client, make_customer, django_capture_on_commit_callbacks) -> None:
    from django.core import mail

    alice = make_customer("alice")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/", {"first_name": "Alice", "last_name": "", "email": "alice@new.example"})
    alice.customer.refresh_from_db()
    assert alice.customer.email_confirmed_at is None
    confirmation = next(m for m in mail.outbox if m.to == ["alice@new.example"])
    link = confirm_link(confirmation.body)
    with django_capture_on_commit_callbacks(execute=True):  # the address changes again before the link is used
        client.post("/account/", {"first_name": "Alice", "last_name": "", "email": "alice@other.example"})
    assert Client().post(link).status_code == 404
    alice.customer.refresh_from_db()
    assert alice.customer.email_confirmed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/account/email/send-link/").status_code == 302
    assert Client().post(confirm_link(mail.outbox[-1].body)).status_code == 200
    alice.customer.refresh_from_db()
    assert alice.customer.email_confirmed_at is not None


def test_the_support_team_signing_in_at_the_shop_lands_on_their_console_and_customers_on_their_orders(
        client: Client, make_customer) -> None:
    # Session 26's walkthrough: staff signing in at /account/login/ landed on an empty My orders with no way on
    from django.contrib.auth.models import Group, User

    agent = User.objects.create_user("sam", "sam@example-shoppe.test", "pw", is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agent"))
    signed_in = client.post("/account/login/", {"username": "sam", "password": "pw"})
    assert signed_in["Location"] == "/console/"
    assert 'href="/console/">Support console</a>' in client.get("/").content.decode()
    customer = Client()
    make_customer("alice")
    assert customer.post("/account/login/", {"username": "alice", "password": "pw-alice"})["Location"] == "/orders/"
    assert "Support console" not in customer.get("/").content.decode()
