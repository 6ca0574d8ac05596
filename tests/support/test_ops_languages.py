"""Ops per language: traffic, routing quality (labels), LLM share and satisfaction; the filter; the CSV column."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from support.models import Conversation, EscalationLog, Feedback, Handoff, Message, RouteLabel
from support.ops.selectors.figures import dashboard_figures
from support.ops.languages import language_figures

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
START, END = datetime(2025, 3, 10, tzinfo=AMS), datetime(2025, 3, 13, tzinfo=AMS)


def at(hour: int) -> datetime:
    return datetime(2025, 3, 11, hour, tzinfo=AMS)


@pytest.fixture
def ops(db) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user("olivia", "olivia@example-shoppe.test", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Ops"))
    return User.objects.get(id=user.id)


@pytest.fixture
def traffic(ops):  # type: ignore[no-untyped-def]
    """German: 4 messages (2 local, 2 llm), one labelled wrong; English: 2 (one the router never read, "", and
    "en"); French: 1 handed off."""
    german, english, french = Conversation.objects.create(), Conversation.objects.create(), Conversation.objects.create()

    def asked(conversation: Conversation, route: str, language: str, hour: int) -> Message:
        return Message.objects.create(conversation=conversation, author="customer", text=f"{language} {route} {hour}",
                                      status="answered", route=route, intent="x", language=language, created_at=at(hour))

    def reply(message: Message, score: int) -> None:
        answer = Message.objects.create(conversation=message.conversation, author="bot", text="answer", route=message.route,
                                        status="complete", in_reply_to=message, reply_latency_ms=100,
                                        created_at=message.created_at.replace(second=1))
        Feedback.objects.create(conversation=message.conversation, message=answer, kind="reply", score=score,
                                route=message.route, created_at=answer.created_at)

    de = [asked(german, "local", "de", 8), asked(german, "local", "de", 9), asked(german, "llm", "de", 10),
          asked(german, "llm", "de", 11)]
    en = [asked(english, "local", "", 8), asked(english, "llm", "en", 9)]
    fr = asked(french, "human", "fr", 12)
    reply(de[0], 1), reply(de[2], -1), reply(de[3], 1), reply(en[0], 1)
    for message in (de[2], de[3], en[1]):
        EscalationLog.objects.create(conversation=message.conversation, message=message, model="gemini-test",
                                     input_tokens=100, output_tokens=10, cost_eur=Decimal("0.001"), outcome="answered",
                                     started_at=message.created_at.replace(second=2))
    RouteLabel.objects.create(message=de[0], intent="x", route="local", labelled_by=ops)  # right
    RouteLabel.objects.create(message=de[2], intent="y", route="human", labelled_by=ops)  # wrong
    Feedback.objects.create(conversation=german, kind="conversation", score=4, created_at=at(13))
    Feedback.objects.create(conversation=english, kind="conversation", score=2, created_at=at(13))
    Handoff.objects.create(conversation=french, message=fr, reason="refund", created_at=at(12))
    return {"de": de, "en": en, "fr": fr}


def test_the_figures_per_language(traffic) -> None:
    rows = {row.language: row for row in language_figures(start=START, end=END)}
    assert [r.language for r in language_figures(start=START, end=END)] == ["de", "en", "fr"]  # the most traffic first
    de, en, fr = rows["de"], rows["en"], rows["fr"]
    assert (de.messages, de.routes["local"], de.routes["llm"], de.llm_share) == (4, 2, 2, 0.5)
    assert (de.labelled, de.labelled_right, de.routing_accuracy) == (2, 1, 0.5)
    assert (de.reply_ratings, de.reply_up) == (3, 2) and de.conversation_average == 4
    assert (en.messages, en.llm_share, en.reply_ratings, en.conversation_average) == (2, 0.5, 1, 2)
    assert (fr.messages, fr.routes["human"], fr.llm_share, fr.routing_accuracy, fr.reply_share_up) == (1, 1, 0, None, None)


def test_the_language_filter_narrows_every_figure(traffic) -> None:
    german = dashboard_figures(start=START, end=END, bucket="day", language="de")
    assert german.routes.messages == 4 and german.routes.counts["llm"] == 2
    assert german.spend.escalations == 2 and german.spend.spend == Decimal("0.002")
    assert german.satisfaction.reply_ratings == 3 and german.satisfaction.conversation_ratings == 1
    assert [r.language for r in language_figures(start=START, end=END, language="de")] == ["de"]
    # "" (the router never read it) counts in its conversation's language: English here
    english = dashboard_figures(start=START, end=END, bucket="day", language="en")
    assert english.routes.messages == 2 and english.satisfaction.conversation_average == 2


def test_the_figures_per_language_take_a_fixed_number_of_queries(traffic, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(4):
        language_figures(start=START, end=END)
    for hour in range(14, 20):
        Message.objects.create(conversation=traffic["fr"].conversation, author="customer", text="encore", route="local",
                               status="answered", language="fr", created_at=at(hour))
    with django_assert_max_num_queries(4):
        assert language_figures(start=START, end=END)[0].language in ("fr", "de")


def test_the_dashboard_shows_the_table_and_validates_the_language(client, ops, traffic) -> None:
    client.force_login(ops)
    html = client.get("/ops/", {"from": "2025-03-10", "to": "2025-03-12"}).content.decode()
    assert 'id="language-table"' in html and '<tr data-language="de">' in html and "50.0%" in html
    filtered = client.get("/ops/", {"from": "2025-03-10", "to": "2025-03-12", "language": "fr"})
    assert filtered.status_code == 200 and '<tr data-language="de">' not in filtered.content.decode()
    assert '<option value="fr" selected>' in filtered.content.decode()
    refused = client.get("/ops/", {"language": "klingon"})
    assert refused.status_code == 400 and "Language: “klingon” is not a known language" in refused.content.decode()
    assert client.get(reverse("ops_escalations"), {"language": "xx"}).status_code == 400
    assert client.get(reverse("ops_escalations_csv"), {"language": "xx"}).status_code == 400


def test_the_export_has_a_language_column_and_filters_by_it(client, ops, traffic) -> None:
    client.force_login(ops)
    response = client.get(reverse("ops_escalations_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert "language" in rows[0] and rows[0][-1] == "message_text"
    body = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert sorted((r["route"], r["language"]) for r in body) == [("human", "fr"), ("llm", "de"), ("llm", "de"),
                                                                ("llm", "en")]
    german = client.get(reverse("ops_escalations_csv"), {"language": "de"})
    rows = list(csv.reader(io.StringIO(b"".join(german.streaming_content).decode())))
    assert [dict(zip(rows[0], row))["language"] for row in rows[1:]] == ["de", "de"]
    page = client.get(reverse("ops_escalations"), {"language": "fr"})
    assert [(r.kind, r.id) for r in page.context["rows"]] == [("human", Handoff.objects.get().id)]


def test_a_polish_guests_rating_counts_as_polish_after_she_typed_her_order_and_email(local_models) -> None:
    """Session 24's walkthrough: a Polish guest proved her order with "10038 erin@example.test" (long enough, read as
    English) and her rating was counted under English. The router's own decisions record how sure the language is."""
    from support.services.routing import decision_fields

    conversation = Conversation.objects.create()
    for hour, text in enumerate(["Dzień dobry, gdzie jest moje zamówienie? Zamawiałam bez konta.",
                                 "10038 erin@example.test", "482913"], start=8):
        Message.objects.create(conversation=conversation, author="customer", text=text, status="answered",
                               created_at=at(hour), **decision_fields(local_models.decide(text)))
    Feedback.objects.create(conversation=conversation, kind="conversation", score=5, created_at=at(12))
    rows = {row.language: row for row in language_figures(start=START, end=END)}
    assert rows["pl"].conversation_ratings == 1 and rows["pl"].conversation_average == 5
    assert rows["en"].conversation_ratings == 0  # the proof's two messages still count as English traffic
    english_reply = Message.objects.create(conversation=conversation, author="customer", status="answered",
                                           text="Sorry, I'll write in English: has it left the warehouse yet?",
                                           created_at=at(13), **decision_fields(local_models.decide(
                                               "Sorry, I'll write in English: has it left the warehouse yet?")))
    assert english_reply.language == "en"
    rows = {row.language: row for row in language_figures(start=START, end=END)}
    assert rows["en"].conversation_ratings == 1  # a customer who goes on in English is in English


def test_a_message_the_router_never_read_counts_in_its_conversations_language(traffic) -> None:
    # Session 35's walkthrough: with not a word of English written, "English" had 13 messages ("3", "ja", "10031", an
    # email address, whatever was written while staff held the chat) and the most handed to people.
    german = traffic["de"][0].conversation
    for text, route in (("3", "local"), ("ja", "local"), ("danke, bis morgen", "human")):
        Message.objects.create(conversation=german, author="customer", text=text, status="answered", route=route,
                               language="", created_at=at(12))
    rows = {row.language: row for row in language_figures(start=START, end=END)}
    assert (rows["de"].messages, rows["de"].routes["human"], rows["en"].messages) == (7, 1, 2)
    assert dashboard_figures(start=START, end=END, bucket="day", language="de").routes.messages == 7
