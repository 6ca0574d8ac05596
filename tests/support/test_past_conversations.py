"""The customer's past conversations under their account, and a transcript by email (#15 item 13).

Only their own: another customer and a visitor get a 404 or the sign-in page. The transcript
email goes through Django's SMTP backend to a real SMTP server on loopback (tests/smtp.py).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from support.models import Conversation, Handoff, InternalNote, Message


def conversation_with(user: User | None, *lines: tuple[str, str], days_ago: float = 0, status: str = "bot",
                      agent: User | None = None) -> Conversation:
    """A conversation of `user` (None: a visitor's) holding `lines` of (author, text)."""
    at = timezone.now() - timedelta(days=days_ago)
    conversation = Conversation.objects.create(customer=user, status=status, created_at=at, updated_at=at)
    for n, (author, text) in enumerate(lines):
        Message.objects.create(conversation=conversation, author=author, text=text, agent=agent if author == "agent" else None,
                               status="answered" if author == "customer" else "complete",
                               created_at=at + timedelta(seconds=n))
    return conversation


@pytest.fixture
def alices(make_customer):  # type: ignore[no-untyped-def]
    alice = make_customer("alice", "Alice")
    sam = User.objects.create_user("sam", "sam@example-shoppe.test", "pw", first_name="Sam", is_staff=True)
    sam.groups.add(Group.objects.get(name="Support agent"))
    old = conversation_with(alice, ("customer", "Where is my order 10023?"), ("bot", "Order 10023 is on its way."),
                            ("customer", "I want to talk to a person"), ("agent", "Hi Alice, Sam here. It arrives Friday."),
                            days_ago=9, status="closed", agent=sam)
    Handoff.objects.create(conversation=old, reason="person", status="resolved", claimed_by=sam)
    InternalNote.objects.create(conversation=old, author=sam, text="VIP, be kind")
    new = conversation_with(alice, ("customer", "Which payment methods do you accept?"),
                            ("bot", "We accept iDEAL, cards and PayPal."))
    conversation_with(alice)  # the chat opened, nothing asked: not listed
    return alice, old, new


def test_the_account_lists_the_customers_conversations_with_date_first_question_and_status(client, alices):
    alice, old, new = alices
    client.force_login(alice)
    account = client.get("/account/").content.decode()
    assert 'href="/account/conversations/"' in account
    page = client.get("/account/conversations/")
    assert page.status_code == 200
    rows = page.content.decode().split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 2  # newest first; the empty one is not there
    assert "Which payment methods do you accept?" in rows[0] and "Open" in rows[0]
    assert "Where is my order 10023?" in rows[1] and "Resolved by our team" in rows[1]
    assert timezone.localtime(old.created_at).strftime("%-d %b %Y") in rows[1]
    assert f'href="/account/conversations/{old.id}/"' in rows[1]


def test_a_transcript_page_shows_what_the_customer_saw_and_no_staff_notes(client, alices):
    alice, old, _ = alices
    client.force_login(alice)
    page = client.get(f"/account/conversations/{old.id}/")
    assert page.status_code == 200
    text = page.content.decode()
    for said in ("Where is my order 10023?", "Order 10023 is on its way.", "Hi Alice, Sam here. It arrives Friday."):
        assert said in text
    assert "Sam (Example Shoppe)" in text and "VIP" not in text
    assert "Email me this transcript" in text


def test_the_assistants_bold_shows_bold_and_nothing_anyone_wrote_becomes_markup(client, alices):
    alice, _, _ = alices
    asked = conversation_with(alice, ("customer", "is **this** <b>bold</b>?"),
                              ("bot", "- **Standard:** 3-5 days <i>x</i> **<b>y</b>** 2 * 3 ** 4"))
    client.force_login(alice)
    text = client.get(f"/account/conversations/{asked.id}/").content.decode()
    assert "- <strong>Standard:</strong> 3-5 days &lt;i&gt;x&lt;/i&gt; <strong>&lt;b&gt;y&lt;/b&gt;</strong> 2 * 3 ** 4" in text
    assert "is **this** &lt;b&gt;bold&lt;/b&gt;?" in text  # the customer's words exactly as typed


def test_nobody_else_sees_a_customers_conversations(client, alices, make_customer):
    _, old, new = alices
    pages = [f"/account/conversations/{old.id}/", f"/account/conversations/{new.id}/"]
    # a visitor is sent to sign in
    for url in pages + ["/account/conversations/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), url
    assert client.post(f"/account/conversations/{old.id}/email/").status_code == 302
    # another customer gets a 404, as for a conversation that does not exist, and an empty list
    client.force_login(make_customer("bob", "Bob"))
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/account/conversations/{old.id}/email/").status_code == 404
    assert "Where is my order" not in client.get("/account/conversations/").content.decode()
    # and a visitor's conversation is nobody's page
    visitors = conversation_with(None, ("customer", "Do you ship to Belgium?"))
    assert client.get(f"/account/conversations/{visitors.id}/").status_code == 404


def test_a_transcript_is_emailed_to_the_account_over_smtp(client, alices, smtp_server):
    alice, old, _ = alices
    client.force_login(alice)
    response = client.post(f"/account/conversations/{old.id}/email/", follow=True)
    assert response.status_code == 200
    assert "emailed this conversation to alice@example.test" in response.content.decode()
    mail = smtp_server.wait_for(1)[0]
    assert mail.to == ["alice@example.test"]
    assert "Your conversation with Example Shoppe on" in mail.subject
    for said in ("You:", "Where is my order 10023?", "Example Shoppe assistant:", "Order 10023 is on its way.",
                 "Sam (Example Shoppe):", "It arrives Friday."):
        assert said in mail.body
    assert "VIP" not in mail.body
    assert f"http://testserver/account/conversations/{old.id}/" in mail.body


def test_transcript_emails_are_throttled_per_account(client, alices, smtp_server, settings):
    settings.TRANSCRIPT_EMAILS_PER_HOUR = 2
    alice, old, new = alices
    client.force_login(alice)
    for conversation in (old, new):
        assert client.post(f"/account/conversations/{conversation.id}/email/").status_code == 302
    smtp_server.wait_for(2)
    refused = client.post(f"/account/conversations/{old.id}/email/")
    assert refused.status_code == 429 and "try again later" in refused.content.decode()
    assert len(smtp_server.received) == 2


def test_accounts_pointed_at_one_inbox_in_turn_cannot_flood_it(make_customer, smtp_server, settings):
    """Account addresses are not verified: besides each account's hourly limit, one address gets at most
    TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY transcripts a day, whichever accounts ask."""
    settings.TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY = 2
    codes = []
    for n in range(3):
        user = make_customer(f"sender{n}")
        User.objects.filter(id=user.id).update(email="victim@example.test")
        user.refresh_from_db()
        conversation = conversation_with(user, ("customer", "Your account is suspended, verify at evil.example"))
        client = Client()
        client.force_login(user)
        codes.append(client.post(f"/account/conversations/{conversation.id}/email/").status_code)
    assert codes == [302, 302, 429]
    assert len(smtp_server.wait_for(2)) == 2


def test_no_transcript_goes_to_an_address_its_owner_has_not_confirmed(client, alices, smtp_server):
    from shoppe.models import Customer

    alice, old, _ = alices
    Customer.objects.filter(user=alice).update(email_confirmed_at=None)
    client.force_login(alice)
    response = client.post(f"/account/conversations/{old.id}/email/")
    assert response.status_code == 200 and "isn&#x27;t confirmed yet" in response.content.decode()
    assert smtp_server.received == []


def test_a_refusing_mail_server_is_told_to_the_customer(client, alices, smtp_server):
    alice, old, _ = alices
    smtp_server.refuse = True
    client.force_login(alice)
    response = client.post(f"/account/conversations/{old.id}/email/")
    assert response.status_code == 503 and "couldn&#x27;t send the email" in response.content.decode()


def test_the_transcript_email_needs_the_csrf_token(alices):
    from django.test import Client

    alice, old, _ = alices
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/account/conversations/{old.id}/email/").status_code == 403
