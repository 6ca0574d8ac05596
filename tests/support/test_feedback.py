"""Customers rate replies (thumbs) and conversations (1-5) over the chat socket."""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied

from support.models import Conversation, Feedback, Message
from support.services.feedback import feedback_record
from tests.conftest import session_cookie_for
from tests.support.test_chat_socket import connected, send, until

# The socket tests share the database with the server's threads; the browser test runs its own site.
over_the_socket = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]


def socket_test(test):  # type: ignore[no-untyped-def]
    for mark in over_the_socket:
        test = mark(test)
    return test


async def anonymous_cookie() -> str:
    return await database_sync_to_async(session_cookie_for)(None)


def feedback_rows() -> list[dict]:
    return list(Feedback.objects.order_by("id").values("kind", "message_id", "score", "route", "comment"))


async def answered(socket, text: str) -> dict:  # type: ignore[no-untyped-def]
    await send(socket, text)
    end, _ = await until(socket, "reply.end")
    return end


@socket_test
async def test_rating_a_reply_stores_the_route_that_produced_it_and_a_second_rating_updates_it():
    socket, _ = await connected(await anonymous_cookie())
    end = await answered(socket, "Which payment methods do you accept?")
    assert end["route"] == "local"

    await socket.send_json_to({"type": "feedback", "reply_id": end["reply_id"], "score": -1,
                               "comment": "  I wanted to know about Klarna  "})
    saved, _ = await until(socket, "feedback.saved")
    assert saved["reply_id"] == end["reply_id"]
    rows = await database_sync_to_async(feedback_rows)()
    assert rows == [{"kind": "reply", "message_id": end["reply_id"], "score": -1, "route": "local",
                     "comment": "I wanted to know about Klarna"}]

    # the customer changes their mind: the same row is updated
    await socket.send_json_to({"type": "feedback", "reply_id": end["reply_id"], "score": 1})
    saved, _ = await until(socket, "feedback.saved")
    assert saved["reply_id"] == end["reply_id"] and saved["score"] == 1
    rows = await database_sync_to_async(feedback_rows)()
    assert rows == [{"kind": "reply", "message_id": end["reply_id"], "score": 1, "route": "local", "comment": ""}]
    await socket.disconnect()


@socket_test
async def test_a_handed_off_reply_is_rated_as_the_human_route(settings):
    settings.SUPPORT_HOURS = "mon-sun 00:00-24:00"
    socket, _ = await connected(await anonymous_cookie())
    end = await answered(socket, "let me talk to a real person please")
    assert end["route"] == "human"
    await socket.send_json_to({"type": "feedback", "reply_id": end["reply_id"], "score": 1})
    await until(socket, "feedback.saved")
    rows = await database_sync_to_async(feedback_rows)()
    assert [(r["message_id"], r["route"]) for r in rows] == [(end["reply_id"], "human")]
    await socket.disconnect()


@socket_test
async def test_rating_another_conversations_reply_is_refused_and_nothing_is_stored():
    alice, _ = await connected(await anonymous_cookie())
    end = await answered(alice, "how long does delivery take?")
    saved = await database_sync_to_async(Message.objects.get)(id=end["reply_id"])
    intruder, _ = await connected(await anonymous_cookie())

    for event in (
        {"type": "feedback", "reply_id": end["reply_id"], "score": -1, "comment": "rubbish"},  # not theirs
        {"type": "feedback", "reply_id": saved.in_reply_to_id, "score": 1},  # a customer message, not a reply
        {"type": "feedback", "reply_id": 999_999, "score": 1},  # no such message
    ):
        await intruder.send_json_to(event)
        error, _ = await until(intruder, "error")
        assert error["code"] == "bad_feedback" and error["message"]
    # Alice cannot rate her own message either
    await alice.send_json_to({"type": "feedback", "reply_id": saved.in_reply_to_id, "score": 1})
    error, _ = await until(alice, "error")
    assert error["code"] == "bad_feedback"

    assert await database_sync_to_async(Feedback.objects.count)() == 0
    # both sockets still work
    await intruder.send_json_to({"type": "ping"})
    assert (await intruder.receive_json_from(timeout=5))["type"] == "pong"
    await alice.disconnect()
    await intruder.disconnect()


@socket_test
@pytest.mark.parametrize(
    "event",
    [
        {"score": 0}, {"score": 2}, {"score": "1"}, {"score": True}, {"score": None},
        {"score": 1, "comment": "x" * 1001}, {"score": 1, "comment": ["a list"]},
    ],
)
async def test_bad_reply_ratings_are_refused(event):
    socket, _ = await connected(await anonymous_cookie())
    end = await answered(socket, "hello there")
    await socket.send_json_to({"type": "feedback", "reply_id": end["reply_id"], **event})
    error, _ = await until(socket, "error")
    assert error["code"] == "bad_feedback"
    assert await database_sync_to_async(Feedback.objects.count)() == 0
    await socket.disconnect()


@socket_test
async def test_rating_the_conversation_from_1_to_5():
    socket, history = await connected(await anonymous_cookie())
    await answered(socket, "do you deliver to Belgium?")
    for bad in (0, 6, -1, 4.5, "5", True, None):
        await socket.send_json_to({"type": "feedback", "conversation": True, "score": bad})
        error, _ = await until(socket, "error")
        assert error["code"] == "bad_feedback", bad
    # neither a reply nor the conversation, or both at once
    for ambiguous in ({"score": 5}, {"conversation": True, "reply_id": 1, "score": 5}):
        await socket.send_json_to({"type": "feedback", **ambiguous})
        error, _ = await until(socket, "error")
        assert error["code"] == "bad_feedback"
    await socket.send_json_to({"type": "feedback", "conversation": True, "score": 5, "x": "x" * 10})
    saved, _ = await until(socket, "feedback.saved")
    assert saved["reply_id"] is None and saved["conversation"] is True and saved["score"] == 5

    await socket.send_json_to({"type": "feedback", "conversation": True, "score": 2, "comment": "slow in the end"})
    await until(socket, "feedback.saved")
    rows = await database_sync_to_async(feedback_rows)()
    assert rows == [{"kind": "conversation", "message_id": None, "score": 2, "route": "", "comment": "slow in the end"}]
    feedback = await database_sync_to_async(Feedback.objects.get)()
    assert str(feedback.conversation_id) == history["conversation_id"]
    await socket.disconnect()


@pytest.mark.django_db
def test_staff_replies_are_rated_as_the_human_route():
    from django.contrib.auth.models import User

    conversation = Conversation.objects.create(status=Conversation.Status.WITH_AGENT)
    sam = User.objects.create_user("sam", is_staff=True)
    reply = Message.objects.create(conversation=conversation, author=Message.Author.AGENT, agent=sam,
                                   text="Hi, Sam here.", status=Message.Status.COMPLETE)
    feedback = feedback_record(conversation_id=conversation.id, reply_id=reply.id, score=1)
    assert (feedback.kind, feedback.route, feedback.score) == ("reply", "human", 1)
    other = Conversation.objects.create()
    with pytest.raises(PermissionDenied):
        feedback_record(conversation_id=other.id, reply_id=reply.id, score=1)
    with pytest.raises(ValueError):
        feedback_record(conversation_id=conversation.id, reply_id=reply.id, score=1, comment="x" * 1001)
    assert Feedback.objects.count() == 1


# --- the widget, in a real browser ---------------------------------------------------------------

from tests.browser import finished_reply  # noqa: E402


def arrived(page, frames, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """The frames `frames()` finds, once there are `count` of them (waits up to 10 s)."""
    for _ in range(100):
        found = frames()
        if len(found) >= count:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {count} frames, got {frames()}")


@pytest.mark.timeout(240)
def test_widget_rates_a_reply_and_the_conversation_with_the_keyboard(tabs, screenshots):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs()
    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    rate = page.get_by_role("group", name="Rate this conversation")
    expect(rate).to_be_hidden()  # nothing to rate yet
    page.fill("#chat-input", "how long does delivery take?")
    page.keyboard.press("Enter")
    reply = finished_reply(page)

    helpful = reply.get_by_role("button", name="Helpful", exact=True)
    unhelpful = reply.get_by_role("button", name="Not helpful", exact=True)
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(unhelpful).to_have_attribute("aria-pressed", "false")
    unhelpful.focus()
    page.keyboard.press("Enter")
    expect(unhelpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    comment = reply.get_by_label("What was wrong? (optional)")
    expect(comment).to_be_focused()
    page.keyboard.type("I wanted Belgium")
    page.keyboard.press("Enter")
    expect(comment).to_have_count(0)
    expect(reply.locator(".chat-rating-note")).to_have_text("Thanks!")
    expect(reply.locator(".chat-text")).not_to_contain_text("Thanks")  # the reply's text is untouched
    saved = arrived(page, lambda: [e for e in tab.events("feedback.saved") if e["reply_id"]], 2)
    assert saved[-1]["score"] == -1, tab.frames[-5:]

    # The conversation can be rated once there is something to judge: after three answers (#15 item 10;
    # it used to appear after the first one).
    expect(rate).to_be_hidden()
    for number, question in ((2, "do you ship to Belgium?"), (3, "which payment methods do you accept?")):
        page.fill("#chat-input", question)
        page.keyboard.press("Enter")
        expect(page.locator("li.chat-bot[data-route]")).to_have_count(number, timeout=45_000)

    # The conversation: stars are radio buttons, moved between with the arrow keys.
    expect(rate).to_be_visible()
    first = rate.get_by_role("radio", name="1 star (poor)")
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(rate.get_by_role("radio", name="4 stars (very good)")).to_be_checked()
    expect(page.locator(".chat-star.is-on")).to_have_count(4)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Anything to add? (optional)")).to_be_focused()
    page.keyboard.type("Quick, thanks")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit rating")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".chat-rate-thanks")).to_have_text(re.compile("rated this conversation 4 of 5"))
    conversation = arrived(page, lambda: [e for e in tab.events("feedback.saved") if e.get("conversation")], 1)
    assert conversation[-1]["score"] == 4
    tab.shot(screenshots, "feedback-1-rated")

    # After a reload the widget still shows what the customer chose.
    page.reload()
    if page.locator("#chat-panel").is_hidden():
        page.locator(".chat-launcher").click()
    reply = page.locator("li.chat-bot").first  # the one rated above
    expect(reply.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(reply.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".chat-rate-thanks")).to_have_text(re.compile("4 of 5"))
    expect(page.locator(".chat-star.is-on")).to_have_count(4)
