"""The human side on the ops dashboard and in the log's CSV: waits per agent and per reason, and comments (#15 item 15)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from support.models import Conversation, Feedback, Handoff, Message
from support.ops.people import people_figures
from tests.support.test_human_tier import staff

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
START, END = datetime(2025, 3, 10, tzinfo=AMS), datetime(2025, 3, 13, tzinfo=AMS)
PERIOD = {"from": "2025-03-10", "to": "2025-03-12"}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=AMS)


def handoff(reason: str, created: datetime, agent: User | None = None, *, claimed: int | None = None,
            first_reply: int | None = None, resolved: int | None = None) -> Handoff:
    """A handoff in its own conversation; claimed, first answered and resolved that many seconds after it."""
    conversation = Conversation.objects.create()
    after = lambda seconds: created + timedelta(seconds=seconds) if seconds is not None else None  # noqa: E731
    # What staff wrote before the handoff (an earlier one) is not its first response.
    Message.objects.create(conversation=conversation, author="agent", agent=agent, text="earlier", status="complete",
                           created_at=created - timedelta(hours=1))
    if first_reply is not None:
        for seconds in (first_reply, first_reply + 45):
            Message.objects.create(conversation=conversation, author="agent", agent=agent, text="Hi, how can I help?",
                                   status="complete", created_at=after(seconds))
    return Handoff.objects.create(conversation=conversation, reason=reason, claimed_by=agent if claimed is not None else None,
                                  status="resolved" if resolved is not None else ("claimed" if claimed is not None else "queued"),
                                  created_at=created, claimed_at=after(claimed), resolved_at=after(resolved))


@pytest.fixture
def known(db):  # type: ignore[no-untyped-def]
    sam, kim = staff("sam", "Support agent", "Sam"), staff("kim", "Support agent", "Kim")
    found = {
        "h1": handoff("refund", at(10, 10), sam, claimed=60, first_reply=120, resolved=600),
        "h2": handoff("refund", at(10, 11), sam, claimed=180, first_reply=300, resolved=1800),
        "h3": handoff("person", at(11, 9), kim, claimed=30, first_reply=90, resolved=3600),
        "h4": handoff("person", at(12, 9), sam, claimed=600, first_reply=660),
        "h5": handoff("complaint", at(12, 10)),
        "outside": handoff("refund", at(13, 0), sam, claimed=1, first_reply=1, resolved=1),
    }
    reply = Message.objects.filter(conversation=found["h1"].conversation, author="agent").last()
    Feedback.objects.create(conversation=found["h1"].conversation, message=reply, kind="reply", score=1, route="human",
                            comment="Sam sorted it out quickly", created_at=at(10, 11))
    Feedback.objects.create(conversation=found["h2"].conversation, kind="conversation", score=2,
                            comment="Took too long to get a person", created_at=at(10, 12))
    Feedback.objects.create(conversation=found["h3"].conversation, kind="conversation", score=5, created_at=at(11, 12))
    Feedback.objects.create(conversation=found["outside"].conversation, kind="conversation", score=1,
                            comment="after the period", created_at=at(13, 1))
    return found


def spread(row, name: str) -> tuple[int, float | None, float | None]:  # type: ignore[no-untyped-def]
    times = row.times[name]
    return times.count, times.median, times.p90


def test_waits_per_agent_and_per_reason_from_known_timestamps(known):
    figures = people_figures(start=START, end=END)
    assert figures.handoffs == 5
    agents = {row.label: row for row in figures.by_agent}
    assert set(agents) == {"Sam (sam)", "Kim (kim)", "Not claimed"}
    sam = agents["Sam (sam)"]
    assert sam.handoffs == 3
    # queue 60, 180, 600 s; first response 120, 300, 660 s; resolved 600 and 1800 s (one still open)
    assert spread(sam, "queue_wait") == (3, 180, pytest.approx(516))
    assert spread(sam, "first_response") == (3, 300, pytest.approx(588))
    assert spread(sam, "resolution") == (2, 1200, pytest.approx(1680))
    assert spread(agents["Kim (kim)"], "resolution") == (1, 3600, 3600)
    assert spread(agents["Not claimed"], "queue_wait") == (0, None, None) and agents["Not claimed"].handoffs == 1

    reasons = {row.key: row for row in figures.by_reason}
    assert spread(reasons["refund"], "queue_wait") == (2, 120, pytest.approx(168))
    assert spread(reasons["refund"], "first_response") == (2, 210, pytest.approx(282))
    assert spread(reasons["person"], "queue_wait") == (2, 315, pytest.approx(543))
    assert spread(reasons["person"], "first_response") == (2, 375, pytest.approx(603))
    assert spread(reasons["person"], "resolution") == (1, 3600, 3600)
    assert reasons["complaint"].handoffs == 1 and spread(reasons["complaint"], "resolution") == (0, None, None)
    assert spread(figures.overall, "queue_wait") == (4, pytest.approx(120), pytest.approx(474))

    assert [(c.rating, c.text) for c in figures.comments] == [
        ("2 / 5", "Took too long to get a person"), ("Thumbs up", "Sam sorted it out quickly")]


def test_the_language_filter_keeps_the_handoffs_of_conversations_in_that_language(client, known):
    """#16: a handoff is in its conversation's language, as the console and the escalation log show it."""
    # given: h1's and h3's customers wrote German (h3's last "ok" reads as English, the conversation stays German)
    for name, words in (("h1", "Ich möchte mein Geld zurück"), ("h3", "Ich möchte mit jemandem sprechen"), ("h3", "ok")):
        Message.objects.create(conversation=known[name].conversation, author="customer", text=words, status="answered",
                               language="de" if words != "ok" else "en", created_at=known[name].created_at)
    # when
    german = people_figures(start=START, end=END, language="de")
    english = people_figures(start=START, end=END, language="en")
    # then: the waits are those of the German handoffs only, and the comments of German conversations
    assert german.handoffs == 2 and english.handoffs == 3
    assert {row.label: row.handoffs for row in german.by_agent} == {"Sam (sam)": 1, "Kim (kim)": 1}
    assert {row.key: row.handoffs for row in german.by_reason} == {"refund": 1, "person": 1}
    assert spread(german.overall, "queue_wait") == (2, 45, pytest.approx(57))
    assert [c.text for c in german.comments] == ["Sam sorted it out quickly"]
    assert [c.text for c in english.comments] == ["Took too long to get a person"]
    assert people_figures(start=START, end=END, language="fr").handoffs == 0

    client.force_login(staff("olivia", "Ops", "Olivia"))
    html = client.get("/ops/", {**PERIOD, "language": "de"}).content.decode()
    people = html.split('id="people"')[1]
    assert 'data-agent="kim"' in people and 'data-reason="complaint"' not in people
    assert 'id="kpi-handoffs">2<' in html
    assert "Sam sorted it out quickly" in people and "Took too long to get a person" not in people
    # the link to the log's handoffs keeps the language, so it lists the same two
    log = client.get(reverse("ops_escalations"), {"route": "human", **PERIOD, "language": "de"}).content.decode()
    assert "/ops/escalations/?route=human&amp;from=2025-03-10&amp;to=2025-03-12&amp;language=de" in html
    assert log.count('data-kind="human"') == 2


def test_the_dashboard_shows_the_waits_and_the_comments(client, known):
    client.force_login(staff("olivia", "Ops", "Olivia"))
    response = client.get("/ops/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    people = html.split('id="people"')[1]
    sam = people.split('data-agent="sam"')[1].split("</tr>")[0]
    # median and p90 of the first human response, the queue wait and the resolution
    for shown in ("5 min 00 s", "9 min 48 s", "3 min 00 s", "8 min 36 s", "20 min 00 s", "28 min 00 s"):
        assert shown in sam, (shown, sam)
    refund = people.split('data-reason="refund"')[1].split("</tr>")[0]
    for shown in ("3 min 30 s", "4 min 42 s", "2 min 00 s", "2 min 48 s"):
        assert shown in refund, (shown, refund)
    comments = people.split('id="comments"')[1]
    trace = reverse("ops_trace", args=[known["h2"].conversation_id])
    assert "Took too long to get a person" in comments and "2 / 5" in comments and f'href="{trace}"' in comments
    assert "Sam sorted it out quickly" in comments and "Thumbs up" in comments
    assert "after the period" not in comments


def test_the_csv_has_the_same_waits_for_each_handoff(client, known):
    client.force_login(staff("olivia", "Ops", "Olivia"))
    response = client.get(reverse("ops_escalations_csv"), {"route": "human", **PERIOD})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    body = {row[rows[0].index("conversation_id")]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert len(body) == 5
    h1 = body[str(known["h1"].conversation_id)]
    assert (h1["agent"], h1["first_response_s"], h1["queue_wait_s"], h1["resolution_s"]) == ("sam", "120", "60", "600")
    h2 = body[str(known["h2"].conversation_id)]
    assert (h2["conversation_rating"], h2["rating_comment"]) == ("2", "Took too long to get a person")
    h5 = body[str(known["h5"].conversation_id)]
    assert (h5["agent"], h5["first_response_s"], h5["queue_wait_s"], h5["resolution_s"]) == ("", "", "", "")
    assert rows[0][-1] == "message_text"


def test_customer_comments_are_shown_as_text_and_cannot_run_as_formulas(client, known):
    """A comment is the customer's own text: escaped on the page, and not a spreadsheet formula in the CSV."""
    Feedback.objects.filter(conversation=known["h2"].conversation).update(comment='=HYPERLINK("http://evil")<script>x</script>')
    client.force_login(staff("olivia", "Ops", "Olivia"))
    html = client.get("/ops/", PERIOD).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    response = client.get(reverse("ops_escalations_csv"), {"route": "human", **PERIOD})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    h2 = {row[rows[0].index("conversation_id")]: dict(zip(rows[0], row)) for row in rows[1:]}[str(known["h2"].conversation_id)]
    assert h2["rating_comment"] == "'=HYPERLINK(\"http://evil\")<script>x</script>"
