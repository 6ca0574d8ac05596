"""Proving an order in the chat without an account, driven through the real ASGI application.

Policy (#13 item 1): an order number plus its email proves only a *guest* order, and
only for reading it. Changing, cancelling or asking a refund on a guest order also
needs the one-time code sent to the order's email address. An order on an account
needs that account signed in. Failed proofs are throttled per conversation and per
client address, and every failure reads the same, so a guess reveals nothing.
"""
from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from shoppe.models import Order
from tests.conftest import chat_socket, session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_models")]

NEW_ADDRESS = "Prinsengracht 263, 1016 GV Amsterdam"
CODE = re.compile(r"\b(\d{6})\b")


class Chat:
    """An anonymous visitor's chat socket, in a browser session of its own."""

    def __init__(self, socket) -> None:  # type: ignore[no-untyped-def]
        self.socket = socket

    @classmethod
    async def open(cls, *, address: str | None = None) -> "Chat":
        """`address`: the client address the socket comes from (by default every test socket shares one)."""
        socket = chat_socket(await database_sync_to_async(session_cookie_for)(None))
        if address:
            socket.scope["client"] = (address, 50000)
        ok, _ = await socket.connect(timeout=10)
        assert ok
        assert (await socket.receive_json_from(timeout=10))["type"] == "history"
        return cls(socket)

    async def say(self, text: str) -> str:
        """Send `text` and return the assistant's whole reply."""
        await self.socket.send_json_to({"type": "customer.message", "text": text})
        while True:
            event = await self.socket.receive_json_from(timeout=20)
            if event["type"] == "reply.end":
                return event["text"]
            assert event["type"] not in {"reply.failed", "error"}, event

    async def close(self) -> None:
        await self.socket.disconnect()


async def refreshed(order: Order) -> Order:
    return await database_sync_to_async(Order.objects.get)(pk=order.pk)


@pytest.fixture
def alices_order(make_customer, make_order) -> Order:  # type: ignore[no-untyped-def]
    return make_order(make_customer("alice"), status="processing")


@pytest.fixture
def erins_order(make_guest_order) -> Order:  # type: ignore[no-untyped-def]
    return make_guest_order("erin@example.test", status="processing")


# --- an order on an account ---------------------------------------------------------------------------------
async def test_a_visitor_cannot_change_an_account_orders_address_with_its_number_and_email(alices_order):
    chat = await Chat.open()
    await chat.say(f"I need to change the delivery address of order {alices_order.number}")
    proof = await chat.say(f"{alices_order.number} alice@example.test")
    assert "Keizersgracht" not in proof  # Alice's home address stays hidden
    await chat.say(NEW_ADDRESS)
    assert (await refreshed(alices_order)).shipping_address == "Keizersgracht 12\n1015 CN Amsterdam"
    await chat.close()


async def test_a_visitor_cannot_cancel_an_account_order_with_its_number_and_email(alices_order):
    chat = await Chat.open()
    await chat.say(f"Please cancel order {alices_order.number}")
    proof = await chat.say(f"{alices_order.number} alice@example.test")
    assert "Blue ceramic table lamp" not in proof
    await chat.say("yes")
    assert (await refreshed(alices_order)).status == Order.Status.PROCESSING
    await chat.close()


async def test_a_wrong_number_a_wrong_email_and_an_account_order_get_the_same_answer(alices_order, erins_order):
    answers = []
    for number, email in [(alices_order.number, "alice@example.test"),  # right, but on an account
                          (alices_order.number, "mallory@example.test"),  # wrong email
                          (erins_order.number, "mallory@example.test"),  # a guest order, wrong email
                          (99999, "erin@example.test")]:  # no such order
        chat = await Chat.open()
        await chat.say(f"Where is order {number}?")
        answers.append(await chat.say(f"{number} {email}"))
        await chat.close()
    assert len(set(answers)) == 1, answers
    assert str(alices_order.number) not in answers[0] and "Keizersgracht" not in answers[0]


# --- a guest order -------------------------------------------------------------------------------------------
async def test_a_guest_reads_the_status_with_number_and_email(erins_order, smtp_server):
    chat = await Chat.open()
    await chat.say(f"Where is order {erins_order.number}?")
    status = await chat.say(f"{erins_order.number} erin@example.test")
    assert f"Order {erins_order.number} is processing" in status
    assert smtp_server.received == []  # reading needs no code
    await chat.close()


async def test_a_guest_changes_the_address_only_with_the_code_sent_to_the_orders_email(erins_order, smtp_server):
    chat = await Chat.open()
    await chat.say(f"I need to change the delivery address of order {erins_order.number}")
    sent = await chat.say(f"{erins_order.number} erin@example.test")
    # given number and email, the assistant sends a code instead of showing the address
    assert "code" in sent and "Oudegracht" not in sent
    mail = smtp_server.wait_for(1)[0]
    assert mail.to == ["erin@example.test"] and str(erins_order.number) in mail.subject
    code = CODE.search(mail.body).group(1)  # type: ignore[union-attr]
    assert code not in sent

    # a wrong code is refused, and changes nothing
    wrong = await chat.say(f"{(int(code) + 1) % 1_000_000:06d}")
    assert "isn't right" in wrong and "Oudegracht" not in wrong
    # the new address typed before the right code: the assistant asks for the code again, and changes nothing
    early = await chat.say(NEW_ADDRESS)
    assert "6-digit code" in early and "Oudegracht" not in early
    assert (await refreshed(erins_order)).shipping_address.startswith("Oudegracht")

    # the visitor asks again (the order is proven for reading now): a new code, and only it opens the change
    again = await chat.say(f"I need to change the delivery address of order {erins_order.number}")
    assert "code" in again and "Oudegracht" not in again
    mail = smtp_server.wait_for(2)[1]
    code = CODE.search(mail.body).group(1)  # type: ignore[union-attr]
    opened = await chat.say(f"the code is {code}")
    assert "Oudegracht 99" in opened and "new address" in opened
    read_back = await chat.say(NEW_ADDRESS)
    assert NEW_ADDRESS in read_back and "Shall I go ahead" in read_back
    done = await chat.say("yes")
    assert NEW_ADDRESS in done
    assert (await refreshed(erins_order)).shipping_address == f"{NEW_ADDRESS}\nNetherlands"  # the order's country
    await chat.close()


async def test_a_guest_cancels_only_with_the_code(erins_order, smtp_server):
    chat = await Chat.open()
    await chat.say(f"Please cancel order {erins_order.number}")
    sent = await chat.say(f"{erins_order.number} erin@example.test")
    assert "code" in sent
    assert (await chat.say("yes")) and (await refreshed(erins_order)).status == Order.Status.PROCESSING

    assert "code" in await chat.say(f"Please cancel order {erins_order.number}")
    code = CODE.search(smtp_server.wait_for(2)[1].body).group(1)  # type: ignore[union-attr]
    offer = await chat.say(code)
    assert "Shall I go ahead" in offer
    assert "cancelled" in await chat.say("yes")
    assert (await refreshed(erins_order)).status == Order.Status.CANCELLED
    await chat.close()


async def test_a_guest_who_cannot_find_the_code_is_told_where_it_went_once(erins_order, smtp_server):
    # Session 35's walkthrough: "c'est quoi le code ? je ne le trouve pas" went to a person.
    chat = await Chat.open()
    await chat.say(f"Please cancel order {erins_order.number}")
    assert "code" in await chat.say(f"{erins_order.number} erin@example.test")
    where = await chat.say("what code? i can't find it")
    assert "spam folder" in where and "new code" in where, where
    code = CODE.search(smtp_server.wait_for(1)[0].body).group(1)  # type: ignore[union-attr]
    assert "Shall I go ahead" in await chat.say(code)  # the question was kept
    await chat.close()


async def test_a_code_works_only_a_few_times_wrong_then_not_even_right(erins_order, smtp_server, settings):
    settings.ORDER_CODE_ATTEMPTS = 3
    settings.ORDER_PROOF_FAILURES_PER_CONVERSATION = 100
    chat = await Chat.open()
    await chat.say(f"I need to change the delivery address of order {erins_order.number}")
    await chat.say(f"{erins_order.number} erin@example.test")
    code = CODE.search(smtp_server.wait_for(1)[0].body).group(1)  # type: ignore[union-attr]
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in (1, 2, 3)]
    for guess in wrong:
        assert "isn't right" in await chat.say(guess)
    refused = await chat.say(code)
    assert "Oudegracht" not in refused and "new code" in refused
    await chat.say(NEW_ADDRESS)
    assert (await refreshed(erins_order)).shipping_address.startswith("Oudegracht")
    await chat.close()


# --- throttling ------------------------------------------------------------------------------------------------
async def test_failed_proofs_are_throttled_per_conversation(erins_order, settings):
    settings.ORDER_PROOF_FAILURES_PER_CONVERSATION = 3
    chat = await Chat.open()
    await chat.say(f"Where is order {erins_order.number}?")
    misses = [await chat.say(f"{erins_order.number} guess{n}@example.test") for n in range(3)]
    assert len(set(misses)) == 1
    # once over the limit, even the right email is refused, and nothing about the order is said
    throttled = await chat.say(f"{erins_order.number} erin@example.test")
    assert "processing" not in throttled and throttled != misses[0] and "try" in throttled
    await chat.close()
    # another conversation (a fresh browser session) is not blocked by the first one's misses
    other = await Chat.open()
    await other.say(f"Where is order {erins_order.number}?")
    assert "processing" in await other.say(f"{erins_order.number} erin@example.test")
    await other.close()


async def test_failed_proofs_are_throttled_per_address(erins_order, settings):
    settings.ORDER_PROOF_FAILURES_PER_CONVERSATION = 3
    settings.ORDER_PROOF_FAILURES_PER_ADDRESS = 4
    # every test socket comes from the same client address: new sessions do not reset its count
    for n in range(2):
        chat = await Chat.open()
        await chat.say(f"Where is order {erins_order.number}?")
        await chat.say(f"{erins_order.number} guess{n}a@example.test")
        await chat.say(f"{erins_order.number} guess{n}b@example.test")
        await chat.close()
    chat = await Chat.open()
    await chat.say(f"Where is order {erins_order.number}?")
    throttled = await chat.say(f"{erins_order.number} erin@example.test")
    assert "processing" not in throttled and "try" in throttled
    await chat.close()


async def _email_proofs_used_up(order: Order, settings) -> None:  # type: ignore[no-untyped-def]
    """Someone who knows the order's email guessed 3 wrong order numbers with it, from as many connections and
    conversations: the email's failed proofs for the hour are used up (each connection's own are not)."""
    settings.ORDER_PROOF_FAILURES_PER_CONVERSATION = 100
    settings.ORDER_PROOF_FAILURES_PER_ADDRESS = 100
    settings.ORDER_PROOF_FAILURES_PER_EMAIL = 3
    for guess in range(3):
        chat = await Chat.open()
        await chat.say(f"Where is order {order.number + 1 + guess}?")
        await chat.say(f"{order.number + 1 + guess} {order.email}")
        await chat.close()


async def test_failed_proofs_are_throttled_per_email_whatever_the_connection(erins_order, settings, smtp_server):
    """After the email's failed proofs are used up, a number and that email open nothing, right or wrong, and the
    answer is the same either way: guessing on from new connections tells nothing."""
    await _email_proofs_used_up(erins_order, settings)
    answers = []
    for number in (erins_order.number + 10, erins_order.number):
        chat = await Chat.open()
        await chat.say(f"Where is order {number}?")
        answers.append((await chat.say(f"{number} erin@example.test")).replace(str(number), "N"))
        guessed = await chat.say("123456")
        assert "isn't right" in guessed and "processing" not in guessed
        await chat.close()
    assert answers[0] == answers[1] and "processing" not in answers[0] and "6-digit code" in answers[0]


async def test_a_guess_after_the_email_is_used_up_counts_the_same_whether_the_number_matched(erins_order, settings,
                                                                                              smtp_server):
    # A security review of this change: a wrong number counted against the guesser's conversation and a right one did
    # not, so the next try's answer ("too many tries") told which one had matched.
    await _email_proofs_used_up(erins_order, settings)
    settings.ORDER_PROOF_FAILURES_PER_CONVERSATION = 2
    probes = []
    for candidate in (erins_order.number + 20, erins_order.number):
        chat = await Chat.open()
        await chat.say(f"Where is order {erins_order.number + 30}?")
        await chat.say(f"{erins_order.number + 30} erin@example.test")  # a wrong one first
        await chat.say(f"{candidate} erin@example.test")
        probes.append(await chat.say(f"{erins_order.number + 40} erin@example.test"))
        await chat.close()
    assert probes[0] == probes[1] and "processing" not in probes[0]


async def test_the_owner_of_an_email_others_guessed_with_gets_in_with_the_code_sent_to_it(erins_order, settings,
                                                                                        smtp_server):
    # Session 31's security note: someone who knew only Erin's email could lock her out of her order for an hour
    await _email_proofs_used_up(erins_order, settings)
    assert smtp_server.received == []  # the wrong guesses sent nothing
    chat = await Chat.open(address="203.0.113.9")  # Erin, from her own connection
    await chat.say(f"Where is order {erins_order.number}?")
    asked = await chat.say(f"{erins_order.number} erin@example.test")
    assert "processing" not in asked and "6-digit code" in asked
    mail = smtp_server.wait_for(1)[0]
    assert mail.to == ["erin@example.test"]
    # "new code" sends another, and only the latest works
    first = CODE.search(mail.body).group(1)  # type: ignore[union-attr]
    assert "6-digit code" in await chat.say("new code please")
    code = CODE.search(smtp_server.wait_for(2)[1].body).group(1)  # type: ignore[union-attr]
    if first != code:
        assert "isn't right" in await chat.say(first)
    status = await chat.say(code)
    assert f"Order {erins_order.number} is processing" in status
    await chat.close()


async def test_a_stranger_who_knows_the_number_and_email_cannot_use_up_the_owners_codes(erins_order, smtp_server,
                                                                                        settings):
    """Session 30's probe: three codes asked for in a stranger's chat kept Erin from getting one for an hour."""
    settings.ORDER_CODES_PER_ORDER_PER_HOUR = 4  # room for one code more than the stranger may have
    # given a stranger who knows Erin's order number and email and has had every code they may have
    stranger = await Chat.open(address="203.0.113.66")
    await stranger.say(f"Please cancel order {erins_order.number}")
    assert "6-digit code" in await stranger.say(f"{erins_order.number} erin@example.test")
    for _ in range(2):
        assert "6-digit code" in await stranger.say("new code")
    assert "several codes" in await stranger.say("new code")
    # and who opens new conversations from the same address: those are counted with the first, and use up nothing
    for _ in range(2):
        again = await Chat.open(address="203.0.113.66")
        await again.say(f"Please cancel order {erins_order.number}")
        assert "Too many codes" in await again.say(f"{erins_order.number} erin@example.test")
        await again.close()
    assert len(smtp_server.wait_for(3)) == 3
    # when Erin asks in her own chat
    erin = await Chat.open(address="198.51.100.7")
    await erin.say(f"Please cancel order {erins_order.number}")
    assert "6-digit code" in await erin.say(f"{erins_order.number} erin@example.test")
    # then her own code comes, and it cancels the order; the stranger's do not work in her chat, nor hers in theirs
    codes = [CODE.search(mail.body).group(1) for mail in smtp_server.wait_for(4)]  # type: ignore[union-attr]
    assert "isn't right" in await erin.say(codes[2])
    assert "isn't right" in await stranger.say(codes[3])
    assert "Shall I go ahead" in await erin.say(codes[3])
    assert "cancelled" in await erin.say("yes")
    assert (await refreshed(erins_order)).status == Order.Status.CANCELLED
    await erin.close()
    await stranger.close()


async def test_codes_for_one_order_stay_few_however_many_addresses_ask(erins_order, smtp_server, settings):
    """What bounds guessing a code from many addresses: ORDER_CODES_PER_ORDER_PER_HOUR codes of ORDER_CODE_ATTEMPTS
    tries each, whoever asks."""
    settings.ORDER_CODES_PER_ORDER_PER_HOUR = 3
    for n in range(3):
        chat = await Chat.open(address=f"203.0.113.{n + 1}")
        await chat.say(f"Please cancel order {erins_order.number}")
        assert "6-digit code" in await chat.say(f"{erins_order.number} erin@example.test")
        await chat.close()
    chat = await Chat.open(address="198.51.100.7")
    await chat.say(f"Please cancel order {erins_order.number}")
    refused = await chat.say(f"{erins_order.number} erin@example.test")
    assert "Too many codes" in refused and "6-digit code" not in refused
    assert "Too many codes" in await chat.say(f"Please cancel order {erins_order.number}")
    await chat.close()
    assert len(smtp_server.wait_for(3)) == 3 and len(smtp_server.received) == 3


async def test_when_the_mail_server_refuses_the_visitor_is_told_and_nothing_opens(erins_order, smtp_server):
    smtp_server.refuse = True
    chat = await Chat.open()
    await chat.say(f"Please cancel order {erins_order.number}")
    told = await chat.say(f"{erins_order.number} erin@example.test")
    assert "couldn't send" in told
    assert not await database_sync_to_async(erins_order.access_codes.exists)()  # no code that nobody received
    await chat.say("yes")
    assert (await refreshed(erins_order)).status == Order.Status.PROCESSING
    await chat.close()


async def test_a_guest_who_starts_with_the_number_and_email_reads_the_status_and_asks_on(erins_order, smtp_server):
    """Session 33's walkthrough: "10039, frank@example.test" as a first message got the greeting, and the guest's next
    question ("where is it?") was asked for the number and email again."""
    chat = await Chat.open()
    status = await chat.say(f"{erins_order.number}, erin@example.test")
    assert f"Order {erins_order.number} is processing" in status
    follow_up = await chat.say("where is it?")
    assert f"Order {erins_order.number} is processing" in follow_up, follow_up
    assert smtp_server.received == []
    await chat.close()


async def test_a_number_and_email_that_do_not_match_alone_get_the_same_answer_as_asked(alices_order, erins_order):
    answers = []
    for number, email in [(alices_order.number, "alice@example.test"), (erins_order.number, "mallory@example.test"),
                          (99999, "erin@example.test")]:
        chat = await Chat.open()
        answers.append(await chat.say(f"order {number} {email}"))
        await chat.close()
    assert len(set(answers)) == 1, answers
    assert "Keizersgracht" not in answers[0] and "Hi!" not in answers[0]


async def test_a_yes_where_the_emailed_code_is_asked_for_asks_for_the_code_again(erins_order, smtp_server):
    """Session 33's walkthrough: "yes" to "Please type the code here" got "Okay. Is there anything else...", and the
    code the guest then typed was read as a new message."""
    chat = await Chat.open()
    await chat.say(f"Please cancel order {erins_order.number}")
    await chat.say(f"{erins_order.number} erin@example.test")
    again = await chat.say("yes")
    assert "6-digit code" in again, again
    code = CODE.search(smtp_server.wait_for(1)[0].body).group(1)  # type: ignore[union-attr]
    assert "Shall I go ahead" in await chat.say(code)
    assert "cancelled" in await chat.say("yes")
    assert (await refreshed(erins_order)).status == Order.Status.CANCELLED
    await chat.close()
