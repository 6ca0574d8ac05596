"""The ops dashboard at /ops/: who may see it, and its figures from known data."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings
from django.utils import timezone

from shoppe.percentiles import Percentile, percentile_cont
from support.models import Conversation, EscalationLog, Feedback, Message
from support.ops.charts import money
from support.ops.filters import period_parse
from support.ops.selectors.figures import bucket_keys, dashboard_figures, route_figures, spend_figures

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2025, 3, 10, tzinfo=AMS)  # the period: 10, 11 and 12 March 2025, Amsterdam time
END = datetime(2025, 3, 13, tzinfo=AMS)


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=AMS)


def staff(username: str, role: str) -> User:
    user = User.objects.create_user(username, f"{username}@example-shoppe.test", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(id=user.id)


# --- who may see it ---------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/ops/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=/ops/")


def test_customers_are_told_the_page_is_for_the_support_team(client, make_customer):
    # Not a staff sign-in form inviting them to try another account: a plain page with a way back.
    client.force_login(make_customer())
    response = client.get("/ops/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is for our support team" in page and "customer account" in page and 'href="/orders/"' in page
    assert "LLM spend" not in page and "Where customer messages went" not in page


def test_support_agents_are_kept_out(client):
    client.force_login(staff("sam", "Support agent"))
    response = client.get("/ops/")
    assert response.status_code == 403
    assert "Your staff account doesn't include this page" in response.content.decode()


def test_the_page_for_the_support_team_is_in_the_customers_language(client, make_customer):
    client.force_login(make_customer())
    response = client.get("/ops/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403 and "Diese Seite ist für unser Support-Team" in response.content.decode()


@pytest.mark.parametrize("role", ["Ops", "Supervisor"])
def test_ops_and_supervisors_see_the_dashboard(client, role):
    client.force_login(staff("someone", role))
    response = client.get("/ops/")
    assert response.status_code == 200
    assert response.templates[0].name == "support/ops/dashboard.html"
    html = response.content.decode()
    assert "<h1>Dashboard</h1>" in html
    # Offline charts: inline SVG with a title and description, no scripts or styles from elsewhere.
    assert html.count('role="img"') == 2 and "<desc" in html
    assert "cdn" not in html.lower() and 'src="http' not in html and 'href="http' not in html


# --- the figures, from known data -------------------------------------------------------------------

def customer_message(conversation: Conversation, route: str, when: datetime) -> Message:
    return Message.objects.create(conversation=conversation, author="customer", text=f"a {route or 'new'} question",
                                  status="answered", route=route, intent="x" if route else "", created_at=when)


def bot_reply(message: Message, latency_ms: float | None) -> Message:
    return Message.objects.create(conversation=message.conversation, author="bot", text="an answer", route=message.route,
                                  status="complete" if latency_ms is not None else "streaming", in_reply_to=message,
                                  reply_latency_ms=latency_ms, created_at=message.created_at.replace(second=1))


def escalation(message: Message, cost: str, *, tokens: tuple[int, int], first_token_ms: float | None,
               outcome: str = "answered") -> EscalationLog:
    return EscalationLog.objects.create(conversation=message.conversation, message=message, model="gemini-test",
                                        input_tokens=tokens[0], output_tokens=tokens[1], cost_eur=Decimal(cost),
                                        first_token_ms=first_token_ms, latency_ms=(first_token_ms or 0) + 900,
                                        outcome=outcome, started_at=message.created_at.replace(second=1))


def rate(reply: Message, score: int, when: datetime) -> Feedback:
    return Feedback.objects.create(conversation=reply.conversation, message=reply, kind="reply", score=score,
                                   route=reply.in_reply_to.route, created_at=when)


def rate_conversation(score: int, when: datetime) -> Feedback:
    return Feedback.objects.create(conversation=Conversation.objects.create(), kind="conversation", score=score,
                                   created_at=when)


@pytest.fixture
def known():  # type: ignore[no-untyped-def]
    """10 customer messages in the period (and 2 outside), replies, escalations and ratings with known values."""
    c = Conversation.objects.create()
    m = {
        # 10 March: 3 local, 1 llm (the first at 00:30 Amsterdam, still 9 March in UTC)
        "local1": customer_message(c, "local", at(10, 0, 30)), "local2": customer_message(c, "local", at(10, 9)),
        "local3": customer_message(c, "local", at(10, 15)), "llm1": customer_message(c, "llm", at(10, 16)),
        # 11 March: one of each tier
        "local4": customer_message(c, "local", at(11, 8)), "llm2": customer_message(c, "llm", at(11, 9)),
        "human": customer_message(c, "human", at(11, 10)), "off": customer_message(c, "off_topic", at(11, 11)),
        # 12 March: 1 local, 1 not routed yet (late in the evening: 12 March in Amsterdam, 12 March UTC)
        "local5": customer_message(c, "local", at(12, 9)), "new": customer_message(c, "", at(12, 23, 45)),
        # outside the period: 9 March 23:59 and 13 March 00:00, Amsterdam time
        "before": customer_message(c, "llm", at(9, 23, 59)), "after": customer_message(c, "llm", at(13, 0, 0)),
    }
    replies = {name: bot_reply(m[name], latency) for name, latency in [
        ("local1", 100), ("local2", 200), ("local3", 300), ("local4", 400), ("local5", 1000),
        ("llm1", 2000), ("llm2", 4000), ("human", 50), ("off", 80), ("before", 9999), ("after", 9999)]}
    bot_reply(m["new"], None)  # still streaming: no latency yet
    Message.objects.create(conversation=c, author="agent", text="Hi, Sam here", status="complete",
                           in_reply_to=m["human"], reply_latency_ms=123456, created_at=at(11, 10, 5))
    escalation(m["llm1"], "0.002000", tokens=(2000, 400), first_token_ms=500)
    escalation(m["llm2"], "0.004000", tokens=(4000, 800), first_token_ms=900)
    # Blocked before calling the model: counted as an escalation, costs nothing, not part of the average.
    escalation(m["off"], "0", tokens=(0, 0), first_token_ms=None, outcome="blocked")
    escalation(m["before"], "1.000000", tokens=(9, 9), first_token_ms=9999)
    escalation(m["after"], "1.000000", tokens=(9, 9), first_token_ms=9999)
    for name, score in [("local1", 1), ("local2", 1), ("local3", -1), ("llm1", 1), ("llm2", -1), ("human", 1)]:
        rate(replies[name], score, replies[name].created_at)
    rate(replies["before"], -1, at(9, 23, 59))
    for score, day in [(5, 10), (4, 11), (2, 12)]:
        rate_conversation(score, at(day))
    rate_conversation(1, at(13, 0, 1))
    return m


def test_routing_shares_in_total_and_per_day(known):
    routes = route_figures(start=START, end=END, bucket="day")
    assert routes.messages == 10
    assert routes.counts == {"local": 5, "llm": 2, "human": 1, "off_topic": 1, "": 1}
    assert routes.shares == pytest.approx({"local": 0.5, "llm": 0.2, "human": 0.1, "off_topic": 0.1, "": 0.1})
    assert [b.start for b in routes.buckets] == [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)]
    assert [b.total for b in routes.buckets] == [4, 4, 2]
    assert routes.buckets[0].shares == pytest.approx({"local": 0.75, "llm": 0.25, "human": 0, "off_topic": 0, "": 0})
    assert routes.buckets[1].shares == pytest.approx({"local": .25, "llm": .25, "human": .25, "off_topic": .25, "": 0})
    assert routes.buckets[2].shares == pytest.approx({"local": 0.5, "llm": 0, "human": 0, "off_topic": 0, "": 0.5})


def test_routing_per_hour_uses_amsterdam_hours(known):
    routes = route_figures(start=at(10, 0), end=at(11, 0), bucket="hour")
    assert len(routes.buckets) == 24 and routes.messages == 4
    by_hour = {b.start.hour: b.total for b in routes.buckets if b.total}
    assert by_hour == {0: 1, 9: 1, 15: 1, 16: 1}
    assert routes.buckets[16].counts["llm"] == 1


def test_spend_per_day_per_1000_and_the_all_llm_estimate(known):
    spend = spend_figures(start=START, end=END, bucket="day")
    assert spend.escalations == 3 and spend.model_calls == 2
    assert spend.spend == Decimal("0.006")
    assert [b.spend for b in spend.buckets] == [Decimal("0.002"), Decimal("0.004"), Decimal(0)]
    assert spend.days == 3 and spend.spend_per_day == Decimal("0.002")
    assert spend.spend_per_1000 == Decimal("0.6")  # 0.006 EUR over 10 messages
    # The average escalation that reached the model cost 0.003 EUR; 10 messages all to the LLM: 0.03 EUR.
    assert spend.cost_per_escalation == Decimal("0.003") and not spend.cost_is_estimate
    assert spend.all_llm == Decimal("0.03") and spend.all_llm_per_1000 == Decimal("3")
    assert [b.all_llm for b in spend.buckets] == [Decimal("0.012"), Decimal("0.012"), Decimal("0.006")]
    assert spend.saving_share == pytest.approx(0.8)


@override_settings(LLM_PRICE_INPUT_PER_MTOK=0.5, LLM_PRICE_OUTPUT_PER_MTOK=2.0)
def test_without_escalations_the_all_llm_estimate_prices_a_typical_call(known):
    EscalationLog.objects.all().delete()
    spend = spend_figures(start=START, end=END, bucket="day")
    # 1,000 prompt tokens at 0.50 EUR/M + 150 completion tokens at 2.00 EUR/M = 0.0008 EUR a message
    assert spend.cost_is_estimate and spend.cost_per_escalation == Decimal("0.0008")
    assert spend.spend == 0 and spend.spend_per_1000 == 0
    assert spend.all_llm == Decimal("0.008") and spend.all_llm_per_1000 == Decimal("0.8")


def test_latency_percentiles_per_tier_and_time_to_first_token(known):
    figures = dashboard_figures(start=START, end=END, bucket="day")
    rows = {row.tier: row for row in figures.latency}
    assert list(rows) == ["local", "llm", "human", "off_topic"]
    # local: 100, 200, 300, 400, 1000 ms (interpolated like PERCENTILE_CONT)
    assert (rows["local"].count, rows["local"].p50, rows["local"].p95, rows["local"].p99) == pytest.approx(
        (5, 300, 880, 976))
    assert (rows["llm"].count, rows["llm"].p50, rows["llm"].p95, rows["llm"].p99) == pytest.approx((2, 3000, 3900, 3980))
    assert (rows["human"].count, rows["human"].p50, rows["human"].p99) == (1, 50, 50)  # the agent's message is not a bot reply
    assert (rows["off_topic"].count, rows["off_topic"].p95) == (1, 80)
    ttft = figures.time_to_first_token
    assert (ttft.count, ttft.p50, ttft.p95, ttft.p99) == pytest.approx((2, 700, 880, 896))


def test_satisfaction_per_tier_and_conversation_rating(known):
    satisfaction = dashboard_figures(start=START, end=END, bucket="day").satisfaction
    rows = {row.route: row for row in satisfaction.replies}
    assert (rows["local"].ratings, rows["local"].up, rows["local"].share_up) == (3, 2, pytest.approx(2 / 3))
    assert (rows["llm"].ratings, rows["llm"].share_up) == (2, 0.5)
    assert (rows["human"].ratings, rows["human"].share_up) == (1, 1.0)
    assert (rows["off_topic"].ratings, rows["off_topic"].share_up) == (0, None)
    assert satisfaction.reply_ratings == 6 and satisfaction.reply_share_up == pytest.approx(4 / 6)
    assert satisfaction.conversation_ratings == 3
    assert satisfaction.conversation_average == pytest.approx(11 / 3)
    assert satisfaction.conversation_stars == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}


def test_the_figures_take_a_fixed_number_of_queries(known, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        dashboard_figures(start=START, end=END, bucket="hour")
    for i in range(20):
        customer_message(known["local1"].conversation, "local", at(11, 14, i))
    with django_assert_max_num_queries(6):
        dashboard_figures(start=START, end=END, bucket="day")


def test_the_page_shows_the_figures(client, known):
    client.force_login(staff("olivia", "Ops"))
    response = client.get("/ops/", {"from": "2025-03-10", "to": "2025-03-12", "bucket": "day"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="kpi-messages">10<' in html
    assert "50.0%" in html and "20.0%" in html  # local, llm
    assert 'id="kpi-spend">€0.0060<' in html and 'id="kpi-per-1000">€0.60<' in html
    assert 'id="kpi-all-llm">€0.030<' in html and "€3.00 per 1,000 messages" in html
    assert "880 ms" in html and "3,900 ms" in html and "700 ms" in html
    assert 'id="conversation-average">3.67<' in html and "66.7%" in html
    # each chart has a data table alternative with one row per day
    assert html.count('<th scope="row">Mon 10 Mar 2025</th>') == 2
    assert html.count('<th scope="row">Wed 12 Mar 2025</th>') == 2
    assert "Stacked bars, one per day" in html


def test_escalations_that_never_reached_the_model_are_named_and_counted_by_why(client, known):
    """Session 29's walkthrough: with no API key every escalation went to people, and the dashboard said "€0.00 spent,
    saved by the local tiers 100%" with nothing to say the LLM tier was down."""
    c = Conversation.objects.create()
    for hour, why in [(13, "no_api_key"), (14, "no_api_key"), (15, "budget_spent")]:
        row = escalation(customer_message(c, "llm", at(11, hour)), "0", tokens=(0, 0), first_token_ms=None,
                         outcome="handed_off")
        EscalationLog.objects.filter(id=row.id).update(handoff_reason=why)
    spend = spend_figures(start=START, end=END, bucket="day")
    assert spend.not_reaching_model == {"no_api_key": 2, "budget_spent": 1} and spend.model_calls == 2
    client.force_login(staff("olivia", "Ops"))
    html = client.get("/ops/", {"from": "2025-03-10", "to": "2025-03-12", "bucket": "day"}).content.decode()
    assert 'id="llm-not-reached"' in html and "3 of 6 escalations never reached the model" in html
    assert "no API key is configured (2), the day&#x27;s LLM budget was spent (1)" in html


def test_the_page_per_hour(client, known):
    client.force_login(staff("olivia", "Ops"))
    response = client.get("/ops/", {"from": "2025-03-10", "to": "2025-03-10", "bucket": "hour"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["period"].bucket == "hour" and len(response.context["share_rows"]) == 24
    assert "Mon 10 Mar 16:00" in html and 'id="kpi-messages">4<' in html


def test_bad_query_parameters_are_refused_with_what_was_wrong(client):
    # #13 item 4: refused with a 400 naming each bad value, instead of a page for another period.
    client.force_login(staff("olivia", "Ops"))
    response = client.get("/ops/", {"from": "yesterday", "bucket": "week"})
    assert response.status_code == 400
    assert len(response.context["errors"]) == 2
    assert "is not a date" in response.content.decode()
    period = period_parse({"from": "yesterday", "bucket": "week"})  # what the fallback would have been
    assert period.days == 14 and period.bucket == "day" and len(period.errors) == 2


# --- the period, buckets and helpers ----------------------------------------------------------------

def test_the_period_defaults_to_the_last_14_days_and_is_bounded():
    today = date(2025, 3, 14)
    period = period_parse({}, today=today)
    assert (period.first, period.last, period.bucket, period.errors) == (date(2025, 3, 1), today, "day", [])
    assert period.start == datetime(2025, 3, 1, tzinfo=AMS) and period.end == datetime(2025, 3, 15, tzinfo=AMS)
    swapped = period_parse({"from": "2025-03-10", "to": "2025-03-01"}, today=today)
    assert swapped.errors and swapped.last == date(2025, 3, 1) and swapped.days == 14
    hourly = period_parse({"from": "2025-01-01", "to": "2025-03-01", "bucket": "hour"}, today=today)
    assert hourly.bucket == "day" and hourly.notices
    long = period_parse({"from": "2020-01-01", "to": "2025-03-01"}, today=today)
    assert long.days == 366 and long.notices


def test_hour_buckets_follow_daylight_saving_time():
    spring = bucket_keys(start=datetime(2025, 3, 30, tzinfo=AMS), end=datetime(2025, 3, 31, tzinfo=AMS), bucket="hour")
    assert len(spring) == 23 and datetime(2025, 3, 30, 2) not in spring
    autumn = bucket_keys(start=datetime(2025, 10, 26, tzinfo=AMS), end=datetime(2025, 10, 27, tzinfo=AMS), bucket="hour")
    assert len(autumn) == 24 and autumn.count(datetime(2025, 10, 26, 2)) == 1  # the repeated hour is one bucket
    assert bucket_keys(start=START, end=END, bucket="day") == [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)]


def test_percentile_cont_and_its_sql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.99) == 7.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    sql = str(Message.objects.values("in_reply_to__route").annotate(p=Percentile("reply_latency_ms", 0.95)).query)
    assert 'PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY "support_message"."reply_latency_ms")' in sql
    with pytest.raises(ValueError):
        Percentile("reply_latency_ms", 95)


def test_money_keeps_small_costs_readable():
    assert money(Decimal("0")) == "€0.00"
    assert money(Decimal("12.345")) == "€12.35" and money(Decimal("0.6")) == "€0.60"
    assert money(Decimal("0.000675")) == "€0.00068" and money(Decimal("0.03")) == "€0.030"
    assert money(None) == "–"


# --- #15 item 8: the dashboard and the log count people the same way ---------------------------------

def test_handoffs_on_the_dashboard_are_the_handoffs_in_the_log_for_the_same_period(client):
    from support.models import Handoff

    c = Conversation.objects.create()
    # 5 customer messages routed to people, but only 2 handoffs: one message got "which order?" back,
    # two were written while staff already had the conversation; one more handoff came from the LLM.
    routed = [customer_message(c, "human", at(day)) for day in (10, 11, 11, 12, 12)]
    Handoff.objects.create(conversation=c, message=routed[0], reason="refund", created_at=at(10, 12, 1))
    Handoff.objects.create(conversation=c, message=routed[1], reason="person", created_at=at(11, 12, 1))
    llm = customer_message(c, "llm", at(12, 8))
    Handoff.objects.create(conversation=c, message=llm, reason="llm_failure", created_at=at(12, 8, 1))
    Handoff.objects.create(conversation=c, reason="person", created_at=at(13, 0, 1))  # after the period

    client.force_login(staff("olivia", "Ops"))
    period = {"from": "2025-03-10", "to": "2025-03-12"}
    html = client.get("/ops/", period).content.decode()
    # Each figure says what it counts: messages the router sent to people, and handoffs to people.
    assert "Routed to people" in html and "Handed to people" not in html
    assert 'id="kpi-handoffs">3<' in html
    card = html.split('data-route="human"')[1].split("</div>")[0]
    assert "5 messages" in card and "3 handoffs" in card
    link = "/ops/escalations/?route=human&amp;from=2025-03-10&amp;to=2025-03-12"
    assert link in html

    log = client.get("/ops/escalations/", {"route": "human", **period})
    assert log.context["page"].paginator.count == 3
    assert 'id="log-count">3 entries<' in log.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("local_models")
def test_a_thumbs_down_on_which_order_counts_for_the_local_tier(make_customer, settings):
    """The order-help flow asks which order on the way to a refund: that reply is the local tier's, not people's."""
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async

    from tests.conftest import session_cookie_for
    from tests.support.test_chat_socket import connected, send, until
    from tests.support.test_refund_requests import delivered_order

    settings.SUPPORT_HOURS = "mon-sun 00:00-24:00"
    alice = make_customer("alice")
    delivered_order(alice, ["Velvet footstool"], number=10071)
    delivered_order(alice, ["Oak dining table"], number=10072)

    async def rate_the_question() -> dict:  # type: ignore[type-arg]
        socket, _ = await connected(await database_sync_to_async(session_cookie_for)(alice))
        await send(socket, "I want a refund please")
        end, _ = await until(socket, "reply.end")
        assert end["text"].startswith("Which order do you mean?"), end["text"]
        await socket.send_json_to({"type": "feedback", "reply_id": end["reply_id"], "score": -1})
        await until(socket, "feedback.saved")
        await socket.disconnect()
        return end

    end = async_to_sync(rate_the_question)()
    assert end["route"] == "local"
    feedback = Feedback.objects.get(message_id=end["reply_id"])
    assert feedback.route == "local" and feedback.score == -1
    # The router's decision on the customer's message is still recorded as it was made.
    assert Message.objects.get(id=end["in_reply_to"]).route == "human"
    rows = {row.route: row for row in dashboard_figures(start=timezone.now() - timedelta(hours=1),
                                                           end=timezone.now() + timedelta(hours=1)).satisfaction.replies}
    assert (rows["local"].ratings, rows["local"].down) == (1, 1) and rows["human"].ratings == 0

