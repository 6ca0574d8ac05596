"""The assistant answering about a customer's own orders, and reading their short answers."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from shoppe.models import Order
from support.models import Conversation
from support.services.answers import Answer
from support.services.order_help import order_answer, pending_answer

pytestmark = pytest.mark.django_db


def ask(conversation: Conversation, intent: str, text: str):  # type: ignore[no-untyped-def]
    answer = order_answer(conversation=conversation, intent=intent, text=text)
    conversation.state["pending"] = answer.pending
    return answer


def with_footstool(order: Order):  # type: ignore[no-untyped-def]
    """`order` with a Velvet footstool (EUR 89) beside its item: the order item added."""
    from shoppe.models import OrderItem, Product

    stool = Product.objects.create(slug="velvet-footstool", name="Velvet footstool", category="Furniture",
                                   description="A footstool", price=89, stock=3)
    return OrderItem.objects.create(order=order, product=stool, quantity=1, unit_price=89)


def reply(conversation: Conversation, text: str):  # type: ignore[no-untyped-def]
    answer = pending_answer(conversation=conversation, text=text)
    conversation.state["pending"] = answer.pending if answer else None
    return answer


@pytest.fixture
def address_change_asked(make_customer, make_order):  # type: ignore[no-untyped-def]
    """Alice's order in processing (a Blue ceramic table lamp) and her chat asked to change its address, `order_fields`
    set on the order first: (order, conversation, the assistant's question for the new address)."""
    def asked(**order_fields: str) -> tuple[Order, Conversation, Answer]:
        alice = make_customer("alice")
        order = make_order(alice, status="processing")
        if order_fields:
            for field, value in order_fields.items():
                setattr(order, field, value)
            order.save()
        conversation = Conversation.objects.create(customer=alice)
        question = ask(conversation, "change_shipping_address", f"change the address of {order.number}")
        return order, conversation, question

    return asked


def test_which_order_then_the_second_one(make_customer, make_order):
    alice = make_customer("alice")
    first = make_order(alice, status="shipped", product="Oak dining table")
    second = make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "track_order", "where is my order?")
    assert "Which order" in question.text and question.pending["orders"]
    chosen_number = question.pending["orders"][1]
    answer = reply(conversation, "the second one")
    assert f"Order {chosen_number}" in answer.text
    assert {first.number, second.number} >= {chosen_number}


def test_a_refund_for_a_named_item_takes_the_order_that_holds_it(make_customer, make_order):
    """The only delivered order was taken for "my money back for the footstool", though the footstool was in another
    order (not yet delivered): the customer was asked about the wrong order's items."""
    alice = make_customer("alice")
    make_order(alice, status="delivered", product="Blue ceramic table lamp")
    footstool = make_order(alice, status="packed", product="Velvet footstool")
    answer = ask(Conversation.objects.create(customer=alice), "get_refund",
                 "honestly the footstool I got is not what the photos showed, I'd like my money back")
    assert f"order {footstool.number}" in answer.text and "Velvet footstool" in answer.text, answer.text
    assert "lamp" not in answer.text.lower()


def test_dates_and_times_are_the_shops_amsterdam_ones(make_customer, make_order):
    """An order placed at 23:13 UTC on 3 December is the 4th in Amsterdam, as the orders page says; the chat said 3 Dec.
    A carrier scan's time too."""
    from datetime import datetime, timezone as utc

    from shoppe.models import Shipment, TrackingEvent
    from support.services.order_help.orders import order_describe
    from support.services.order_help.tracking import tracking_text

    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    Order.objects.filter(id=order.id).update(placed_at=datetime(2026, 12, 3, 23, 13, tzinfo=utc.utc))
    order.refresh_from_db()
    assert "placed 4 December" in order_describe(order)
    shipment = Shipment.objects.create(order=order, carrier="PostNL", tracking_number="3SABCD1234567",
                                       shipped_at=datetime(2026, 12, 3, 10, 0, tzinfo=utc.utc))
    TrackingEvent.objects.create(shipment=shipment, description="Sorted", location="Utrecht",
                                happened_at=datetime(2026, 12, 4, 6, 30, tzinfo=utc.utc))
    assert "4 December, 7:30 a.m." in tracking_text(order)
    # in each language's own way (session 25's walkthrough: "4 Dez" in German, "4 Dec" in every other language)
    with translation.override("de"):
        assert "4. Dezember" in order_describe(order) and "4. Dezember, 07:30" in tracking_text(order)
    with translation.override("pl"):
        assert "4 grudnia, 07:30" in tracking_text(order)
    with translation.override("it"):  # months in lower case, as Italian writes them (Django's names are capitalised)
        assert "placed 4 dicembre" in order_describe(order) or "4 dicembre)" in order_describe(order)


def test_the_latest_carrier_step_is_told_in_the_customers_language(make_customer, make_order):
    # Session 24's walkthrough: a Polish customer read "Latest update: Parcel sorted (Sorting centre, ...)".
    from datetime import datetime, timezone as utc

    from django.utils import translation

    from shoppe.models import Shipment, TrackingEvent
    from support.services.order_help.tracking import tracking_text

    order = make_order(make_customer("alice"), status="out_for_delivery")
    shipment = Shipment.objects.create(order=order, carrier="DHL", tracking_number="DH1",
                                       shipped_at=datetime(2026, 12, 3, 10, 0, tzinfo=utc.utc))
    TrackingEvent.objects.create(shipment=shipment, kind="out_for_delivery", description="With driver",
                                 location="Kraków", happened_at=datetime(2026, 12, 4, 6, 30, tzinfo=utc.utc))
    with translation.override("pl"):
        assert "W doręczeniu (Kraków" in tracking_text(order)
    assert "Out for delivery (Kraków" in tracking_text(order)
    TrackingEvent.objects.create(shipment=shipment, kind="", description="Address label unreadable",
                                 location="Kraków", happened_at=datetime(2026, 12, 4, 8, 0, tzinfo=utc.utc))
    with translation.override("pl"):  # a step of no known kind: the carrier's words, not a guess
        assert "Address label unreadable (Kraków" in tracking_text(order)


def test_an_unpaid_order_is_said_to_wait_for_its_payment_not_for_the_carrier(make_customer, make_order):
    # Session 23's walkthrough: "It hasn't been handed to the carrier yet; you'll get a tracking link when it ships"
    # for an order that will not be prepared until it is paid.
    from django.utils import translation

    from support.services.order_help.tracking import tracking_text

    order = make_order(make_customer("alice"), status="pending_payment")
    text = tracking_text(order)
    assert "waiting for its payment" in text and "carrier" not in text
    # Session 28's walkthrough: it said an unpaid order is cancelled after 48 hours (nothing does that) and not to pay
    # again; its page has "Pay now", which the answer names.
    assert "Pay now" in text and "cancelled automatically" not in text and "don't need to pay again" not in text
    with translation.override("de"):
        assert "Zahlung" in tracking_text(order) and "Jetzt bezahlen" in tracking_text(order)


def test_a_cancelled_order_is_not_said_to_ship_later(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="cancelled")
    answer = order_answer(conversation=Conversation.objects.create(customer=alice), intent="track_order",
                          text=f"where is order {order.number}?")
    assert "was cancelled, so it won't be shipped" in answer.text and "when it ships" not in answer.text


def test_a_product_name_picks_the_order(make_customer, make_order):
    alice = make_customer("alice")
    make_order(alice, status="shipped", product="Oak dining table")
    lamp = make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "track_order", "has it shipped?")
    assert f"Order {lamp.number}" in reply(conversation, "the blue lamp").text


def test_an_item_named_in_the_question_picks_the_order_that_holds_it(make_customer, make_order):
    # Session 27's walkthrough: "where is my order with the candles?" listed every open order, one without candles;
    # and "the kaarsen" named none of the "Geurkaarsen": a word ending a compound names it
    alice = make_customer("alice")
    make_order(alice, status="shipped", product="Oak dining table")
    make_order(alice, status="processing", product="Blue ceramic table lamp")
    stool = make_order(alice, status="delivered", product="Velvet footstool")
    conversation = Conversation.objects.create(customer=alice)
    answer = ask(conversation, "track_order", "where is my order with the stool?")
    assert "Which order" not in answer.text and str(stool.number) in answer.text


def test_cancel_needs_a_yes_and_then_cancels(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "cancel_order", f"cancel order {order.number}")
    assert "free of charge" in question.text and question.pending["kind"] == "confirm_cancel"
    order.refresh_from_db()
    assert order.status == "processing"  # nothing happens before the customer confirms
    assert "cancelled" in reply(conversation, "yes please").text
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.parametrize("text", ["1", "2.", "?", "👍"])
def test_a_reply_without_a_word_to_a_yes_or_no_question_asks_it_again(make_customer, make_order, text):
    """"1" to "Shall I go ahead? (yes / no)" dropped the question and was routed afresh (session 33's walkthrough):
    the offer to cancel and the address read back are asked again, and nothing changes until a yes."""
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "cancel_order", f"cancel order {order.number}")
    again = reply(conversation, text)
    assert again.text.startswith("Please answer yes or no. I can cancel") and again.pending["kind"] == "confirm_cancel"
    ask(conversation, "change_shipping_address", f"change the address of {order.number} to Prinsengracht 263, 1016 GV "
                                                 "Amsterdam")
    again = reply(conversation, text)
    assert again.text.startswith("Please answer yes or no. I'll change the delivery address") and "Prinsengracht 263" \
        in again.text and again.pending["kind"] == "confirm_address"
    order.refresh_from_db()
    assert order.status == "processing" and "Prinsengracht" not in order.shipping_address
    reply(conversation, "yes")
    order.refresh_from_db()
    assert order.shipping_address.startswith("Prinsengracht 263")


def test_cancelling_some_items_says_an_order_is_cancelled_whole_and_how_to_keep_the_rest(make_customer, make_order):
    # Session 27's walkthrough: "cancel the candles please, I only want the sofa" was offered the whole order at once
    alice = make_customer("alice")
    order = make_order(alice, status="processing")  # the Blue ceramic table lamp
    with_footstool(order)
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "cancel_order", f"please cancel the footstool from order {order.number}, I only want the lamp")
    assert question.text.startswith("Single items can't be cancelled") and "return Velvet footstool" in question.text
    assert "Returns and exchanges" in [s["title"] for s in question.sources]
    assert question.pending["kind"] == "confirm_cancel"  # the whole order, only on a yes
    assert "stays as it is" in reply(conversation, "no").text
    order.refresh_from_db()
    assert order.status == "processing"
    # the whole order named: the offer alone
    whole = ask(conversation, "cancel_order", f"cancel order {order.number}")
    assert whole.text.startswith("I can cancel")


def test_an_unpaid_order_cancelled_is_not_said_to_release_a_payment(make_customer, make_order):
    # Session 27's walkthrough: "Your payment is released to your original payment method" of an order never paid
    alice = make_customer("alice")
    order = make_order(alice, status="pending_payment")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "cancel_order", f"cancel order {order.number}")
    done = reply(conversation, "yes").text
    assert "never paid, so nothing is charged" in done and "released" not in done


def test_a_shipped_order_cannot_be_cancelled(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    answer = ask(Conversation.objects.create(customer=alice), "cancel_order", f"cancel {order.number}")
    assert "can't be cancelled" in answer.text and answer.pending is None


def test_change_the_address_of_an_unshipped_order(address_change_asked):
    order, conversation, _ = address_change_asked()
    assert "doesn't look like a full address" in reply(conversation, "nowhere").text
    # Read back before anything changes (session 23's walkthrough: a typo'd postcode was saved at once) ...
    read_back = reply(conversation, "Prinsengracht 263, 1016 GV Amsterdm")
    assert "Prinsengracht 263, 1016 GV Amsterdm" in read_back.text and "Shall I go ahead" in read_back.text
    order.refresh_from_db()
    assert order.shipping_address != "Prinsengracht 263, 1016 GV Amsterdm"
    # ... a corrected address is read back in its place, and only a yes changes the order.
    assert "1016 GV Amsterdam\n" in reply(conversation, "Prinsengracht 263, 1016 GV Amsterdam").text
    done = reply(conversation, "yes")
    assert "Done" in done.text and "Prinsengracht 263" in done.text
    order.refresh_from_db()
    assert order.shipping_address == "Prinsengracht 263, 1016 GV Amsterdam\nNetherlands"  # the order's country


def test_a_new_address_typed_in_the_chat_keeps_the_parcels_recipient(address_change_asked):
    # Session 25's walkthrough: an address changed in the chat lost the name checkout had put on its first line, so
    # the parcel and its return label were for nobody. The chat asks for street, postcode, city and country only.
    order, conversation, _ = address_change_asked(  # as checkout writes it
        shipping_address="Alice Jansen\nKeizersgracht 12\n1015 CN Amsterdam\nNetherlands")
    read_back = reply(conversation, "Prinsengracht 263, 1016 GV Amsterdam")
    assert "to:\nAlice Jansen\nPrinsengracht 263, 1016 GV Amsterdam\nNetherlands\nShall I go ahead" in read_back.text
    reply(conversation, "yes")
    order.refresh_from_db()
    assert order.shipping_address == "Alice Jansen\nPrinsengracht 263, 1016 GV Amsterdam\nNetherlands"
    # a name typed by the customer is theirs to give
    ask(conversation, "change_shipping_address", f"change the address of {order.number}")
    assert "to:\nAlice de Boer\nPrinsengracht 263" in reply(conversation, "Alice de Boer\nPrinsengracht 263, 1016 GV Amsterdam").text


def test_a_new_address_in_another_country_is_refused_as_on_the_order_page(address_change_asked):
    # Session 26's walkthrough: an EU Standard order was moved to New York at the EU price, and the order page's form
    # refused the same change; a typed country is kept on a line of its own, as checkout writes it
    order, conversation, _ = address_change_asked(delivery_option="Standard")
    refused = reply(conversation, "350 5th Ave, New York, NY 10118, United States")
    assert "Standard delivery to United States would change" in refused.text and not refused.pending
    order.refresh_from_db()
    assert "New York" not in order.shipping_address
    ask(conversation, "change_shipping_address", f"change the address of {order.number}")
    read_back = reply(conversation, "Rue Neuve 5, 1000 Bruxelles, Belgium")
    assert "Rue Neuve 5, 1000 Bruxelles\nBelgium\nShall I go ahead" in read_back.text
    reply(conversation, "yes")
    order.refresh_from_db()
    assert order.shipping_address.endswith("Rue Neuve 5, 1000 Bruxelles\nBelgium")


def test_a_dutch_guests_new_address_in_a_sentence_is_saved_as_the_address_alone(make_guest_order, mailoutbox):
    # A walkthrough: "moet naar Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht", the emailed code, then "ja"
    # saved the whole sentence as the parcel's street, postcode and city in it
    order = make_guest_order("erin@example.test", address="Prinsengracht 263\n1016 GV Amsterdam\nNetherlands")
    conversation = Conversation.objects.create()
    with translation.override("nl"):
        ask(conversation, "change_shipping_address",
            "kan ik het adres nog veranderen? moet naar Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht")
        reply(conversation, f"{order.number} erin@example.test")
        code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
        read_back = reply(conversation, code)
        assert "\nKeizersgracht 12\n1015 CS Amsterdam\nNederland\n" in read_back.text, read_back.text
        reply(conversation, "ja")
    order.refresh_from_db()
    assert order.shipping_address == "Keizersgracht 12\n1015 CS Amsterdam\nNetherlands"


@pytest.mark.parametrize(("typed", "lines"), [
    ("it needs to go to Keizersgracht 12, 1015 CS Amsterdam instead of Prinsengracht, thanks",
     "Keizersgracht 12\n1015 CS Amsterdam\nNetherlands"),
    ("kan ik het adres nog veranderen? moet naar Keizersgracht 12, 1015 CS Amsterdam ipv prinsengracht",
     "Keizersgracht 12\n1015 CS Amsterdam\nNetherlands"),
    ("Bitte an Torstraße 1, 10119 Berlin, Deutschland, danke", "Torstraße 1\n10119 Berlin\nGermany"),
])
def test_a_new_address_typed_in_a_sentence_is_read_back_alone_on_its_lines(address_change_asked, typed, lines):
    order, conversation, _ = address_change_asked()
    read_back = reply(conversation, typed)
    assert f"to:\n{lines}\nShall I go ahead" in read_back.text, read_back.text
    reply(conversation, "yes")
    order.refresh_from_db()
    assert order.shipping_address == lines


@pytest.mark.parametrize("typed", ["moet naar Keizersgracht 12 in Amsterdam", "Keizersgracht 12 Amsterdam",
                                   "I moved 2 weeks ago", "1"])
def test_a_message_that_is_no_clear_address_is_asked_for_again_and_never_saved(address_change_asked, typed):
    order, conversation, _ = address_change_asked()
    again = reply(conversation, typed)
    assert "doesn't look like a full address" in again.text and again.pending["kind"] == "new_address"
    assert "Done" not in reply(conversation, "yes").text  # a yes now is no yes to an address read back
    order.refresh_from_db()
    assert order.shipping_address.startswith("Keizersgracht 12\n1015 CN Amsterdam")


def test_a_no_to_the_address_read_back_changes_nothing(address_change_asked):
    order, conversation, _ = address_change_asked()
    reply(conversation, "Prinsengracht 263, 1016 GV Amsterdam")
    assert "left the address" in reply(conversation, "no").text
    order.refresh_from_db()
    assert order.shipping_address.startswith("Keizersgracht 12")


def test_another_customers_order_number_is_not_found(make_customer, make_order):
    bobs = make_order(make_customer("bob", "Bob"))
    alice = make_customer("alice")
    answer = ask(Conversation.objects.create(customer=alice), "track_order", f"where is order {bobs.number}?")
    assert "can't find order" in answer.text and "Blue" not in answer.text


def test_after_someone_elses_order_a_customers_own_order_is_not_asked_to_be_proved(make_customer, make_order):
    """Asked about another customer's order, then about his own: "I need both the order number and the email"."""
    bobs = make_order(make_customer("bob", "Bob"))
    dan = make_customer("dan", "Dan")
    his = make_order(dan, status="shipped")
    conversation = Conversation.objects.create(customer=dan)
    assert "can't find order" in ask(conversation, "get_refund", f"refund order {bobs.number}").text
    assert reply(conversation, f"where is order {his.number}?") is None  # a new question, routed afresh
    assert f"Order {his.number} is shipped" in ask(conversation, "track_order", f"where is order {his.number}?").text


def test_a_visitor_proving_a_guest_order_in_the_first_message_is_not_asked_again(make_guest_order):
    order = make_guest_order("erin@example.test", status="shipped")
    answer = ask(Conversation.objects.create(), "track_order", f"where is order {order.number}? erin@example.test")
    assert f"Order {order.number} is shipped" in answer.text
    wrong = ask(Conversation.objects.create(), "track_order", f"where is order {order.number}? mallory@example.test")
    assert "don't match" in wrong.text and "shipped" not in wrong.text


def test_an_anonymous_visitor_proves_a_guest_order_with_its_email(make_guest_order):
    # #13 item 1: number and email prove only a guest order (it was Alice's account order before).
    order = make_guest_order("erin@example.test", status="shipped")
    conversation = Conversation.objects.create()
    question = ask(conversation, "track_order", "where is my order?")
    assert "email address" in question.text
    assert "don't match" in reply(conversation, f"{order.number} mallory@example.test").text
    answer = reply(conversation, f"it's {order.number}, erin@example.test")
    assert f"Order {order.number} is shipped" in answer.text


def test_an_account_order_is_not_proven_by_its_number_and_email(make_customer, make_order):
    order = make_order(make_customer("alice"), status="shipped")
    conversation = Conversation.objects.create()
    ask(conversation, "track_order", "where is my order?")
    answer = reply(conversation, f"it's {order.number}, alice@example.test")
    assert "don't match" in answer.text and "shipped" not in answer.text
    assert conversation.state.get("verified_orders") is None


def test_a_signed_in_customer_proves_a_guest_order_too_and_changes_it_only_with_the_code(
        make_customer, make_guest_order, mailoutbox):
    alice = make_customer("alice")
    guest_order = make_guest_order("alice.private@example.test", status="processing")
    conversation = Conversation.objects.create(customer=alice)
    found = ask(conversation, "change_shipping_address", f"change the address of {guest_order.number}")
    assert "can't find order" in found.text and found.pending["kind"] == "identify_order"
    sent = reply(conversation, "alice.private@example.test")
    assert "code" in sent.text and "Oudegracht" not in sent.text
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    assert mailoutbox[0].to == ["alice.private@example.test"]
    opened = reply(conversation, code)
    assert "Oudegracht 99" in opened.text and opened.pending["kind"] == "new_address"


def test_a_code_is_single_use_and_only_for_the_conversation_it_was_sent_to(make_guest_order, mailoutbox):
    from support.services.proofs import CodeCheck, order_code_check, order_code_send

    order = make_guest_order()
    mine, theirs = Conversation.objects.create(), Conversation.objects.create()
    order_code_send(conversation=mine, order=order, intent="cancel_order")
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    assert order_code_check(conversation=theirs, order=order, code=code) is CodeCheck.SPENT
    assert order_code_check(conversation=mine, order=order, code=code) is CodeCheck.RIGHT
    assert order_code_check(conversation=mine, order=order, code=code) is CodeCheck.SPENT
    # only a keyed hash is kept
    assert not order.access_codes.filter(code_hash__contains=code).exists()


def test_a_code_expires(make_guest_order, mailoutbox, settings):
    from django.utils import timezone

    from support.services.proofs import CodeCheck, order_code_check, order_code_send

    order = make_guest_order()
    conversation = Conversation.objects.create()
    order_code_send(conversation=conversation, order=order, intent="cancel_order")
    code = re.search(r"\b(\d{6})\b", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    order.access_codes.update(expires_at=timezone.now())
    assert order_code_check(conversation=conversation, order=order, code=code) is CodeCheck.SPENT


def test_codes_per_order_are_capped_to_spare_the_inbox(make_guest_order, mailoutbox, settings):
    from support.services.proofs import CodeSent, order_code_send

    settings.ORDER_CODES_PER_ORDER_PER_HOUR = 2
    order = make_guest_order()
    sent = [order_code_send(conversation=Conversation.objects.create(), order=order, intent="cancel_order")
            for _ in range(3)]
    assert sent == [CodeSent.SENT, CodeSent.SENT, CodeSent.TOO_MANY_FOR_ORDER] and len(mailoutbox) == 2


def test_a_german_refund_names_the_items_in_german_and_files_them_in_english(make_customer, make_order):
    from decimal import Decimal

    from django.utils import translation

    from shoppe.models import OrderItem, Product, ProductTranslation

    alice = make_customer("alice")
    order = make_order(alice, status="delivered", product="Oak dining table")
    lamp = Product.objects.create(slug="blue-ceramic-table-lamp", name="Blue ceramic table lamp", category="Lamps",
                                  description="A lamp.", price=Decimal("64.00"), colour="blue", stock=5)
    OrderItem.objects.create(order=order, product=lamp, quantity=1, unit_price=lamp.price)
    ProductTranslation.objects.create(product=lamp, language="de", name="Tischleuchte aus blauer Keramik",
                                      colour="Blau")
    conversation = Conversation.objects.create(customer=alice)
    with translation.override("de"):  # the assistant answers a German customer in German
        question = ask(conversation, "get_refund", f"Ich möchte Geld zurück für Bestellung {order.number}")
        assert "1 × Tischleuchte aus blauer Keramik" in question.text
        assert "1 × Oak dining table" in question.text  # no German name yet: the English one
        confirm = reply(conversation, "die Tischleuchte bitte")  # named by its German word
        assert "1 × Tischleuchte aus blauer Keramik" in confirm.text and "Oak" not in confirm.text
        assert "Grund" in reply(conversation, "ja").text  # the reason comes before it is filed
        filed = reply(conversation, "Die Leuchte kam mit einem Sprung im Fuß an.")
        assert "Tischleuchte aus blauer Keramik" in filed.text and "Blue ceramic" not in filed.text
    refund = order.refund_requests.get()
    assert [i["product"] for i in refund.items] == ["Blue ceramic table lamp"]  # staff read the English name


def test_a_signed_in_customer_naming_someone_elses_order_is_not_told_to_sign_in(make_customer, make_order):
    # Session 24's walkthrough: bob, signed in, named alice's order and then her email address, and read "if you
    # ordered with an account, sign in to see it". He is told the order is not on his account, with his own orders
    # linked, in the same words whether the order is someone else's or does not exist.
    alice, bob = make_customer("alice"), make_customer("bob", "Bob")
    order = make_order(alice, status="shipped")
    make_order(bob, status="processing")
    answers = []
    for number in (order.number, 99999):
        conversation = Conversation.objects.create(customer=bob)
        assert "on your account" in ask(conversation, "track_order", f"where is order {number}?").text
        answers.append(reply(conversation, "alice@example.test"))
    theirs, nobodys = answers
    assert "isn't on your account" in theirs.text and "sign in" not in theirs.text.lower()
    assert theirs.sources == [{"title": "My orders", "url": "/orders/"}]
    assert (theirs.text, theirs.sources) == (nobodys.text, nobodys.sources)
    assert "Shipped" not in theirs.text and "shipped" not in theirs.text  # nothing of alice's order


def test_a_signed_in_customer_asked_for_a_guest_orders_email_is_not_offered_to_sign_in(make_customer, make_order):
    # Session 35's walkthrough: alice, signed in, named guest order 10038 after another question about an order, and
    # "please tell me the email address you placed it with" came with a "Sign in" link.
    bob = make_customer("bob", "Bob")
    make_order(bob, status="processing")
    conversation = Conversation.objects.create(customer=bob)
    ask(conversation, "track_order", "where is order 99999?")
    asked = reply(conversation, "where is order 10038")
    assert "email address you placed it with" in asked.text and not asked.sources, asked


def test_a_guest_whose_proof_does_not_match_is_offered_to_sign_in(make_customer, make_order):
    order = make_order(make_customer("alice"), status="shipped")
    conversation = Conversation.objects.create()
    ask(conversation, "track_order", f"where is order {order.number}?")
    answer = reply(conversation, "someone@example.test")
    assert "don't match" in answer.text and "sign in" in answer.text and answer.sources[0]["title"] == "Sign in"


def test_the_address_an_order_goes_to_names_its_country_in_the_customers_language(make_customer, make_order):
    from django.utils import translation

    from support.services.order_help.address_change import address_change_offer

    alice = make_customer("alice")
    alice.customer.default_address = "Keizersgracht 12\n1015 CN Amsterdam\nNetherlands"
    order = make_order(alice, status="processing")
    with translation.override("de"):
        offer = address_change_offer(order=order, link=[])
    assert "1015 CN Amsterdam\nNiederlande" in offer.text and "Netherlands" not in offer.text
    assert "\nNetherlands" in address_change_offer(order=order, link=[]).text  # English: as stored


@pytest.mark.parametrize("question", ["und wo ist 10032, wann kommt die?", "and where is 10032 when will it arrive",
                                      "actually can you tell me first how long delivery to Berlin takes?",
                                      # session 35's walkthrough: typed without accents nor "?", no address either
                                      "cuanto tarda el envio a irlanda", "donde esta mi pedido"])
def test_a_new_question_is_not_taken_for_the_new_address(address_change_asked, question):
    # Session 25's walkthrough: "und wo ist 10032, wann kommt die?" was read back as the new delivery address of
    # 10040, and after "ja" saved as it. A question, or a message naming another order, is routed afresh.
    order, conversation, question_asked = address_change_asked()
    assert "new address" in question_asked.text
    assert reply(conversation, question) is None
    order.refresh_from_db()
    assert question not in order.shipping_address


def test_an_address_with_a_berlin_postcode_is_still_read_back(address_change_asked):
    _, conversation, _ = address_change_asked()
    answer = reply(conversation, "Hauptstraße 5, 10115 Berlin")
    assert "Hauptstraße 5, 10115 Berlin\n" in answer.text and answer.pending["kind"] == "confirm_address"


@pytest.mark.parametrize("first, second", [("{number}", "erin@example.test"), ("erin@example.test", "{number}"),
                                           ("it's {number}", "oh and the email is Erin@Example.test")])
def test_a_guest_may_give_the_order_number_and_the_email_in_separate_messages(make_guest_order, first, second):
    # Session 25's walkthrough: "where is my order" -> "10039" -> "I need both..." -> "frank@example.test" -> the same
    # sentence again, in a loop. What came first is kept.
    order = make_guest_order("erin@example.test", status="shipped")
    conversation = Conversation.objects.create()
    assert "order number and the email" in ask(conversation, "track_order", "where is my order").text
    asked = reply(conversation, first.format(number=order.number))
    assert "shipped" not in asked.text and asked.pending["kind"] == "identify_order"
    answer = reply(conversation, second.format(number=order.number))
    assert f"Order {order.number} is shipped" in answer.text, answer.text


def test_after_a_number_and_email_that_do_not_match_a_corrected_email_is_tried_with_the_number(make_guest_order):
    # Session 26's walkthrough: "oh sorry, it's frank@example.test" after a typo in the email was asked for the number
    # again (session 25 dropped both). Keeping the number gives a guesser nothing they could not retype; every failed
    # proof is still counted and throttled (test_order_proofs).
    order = make_guest_order("erin@example.test", status="shipped")
    conversation = Conversation.objects.create()
    ask(conversation, "track_order", "where is my order")
    assert "don't match" in reply(conversation, f"{order.number} erin@example.com").text
    assert f"Order {order.number} is shipped" in reply(conversation, "oh sorry, it's erin@example.test").text
    # a guesser trying emails against a kept number: five failures an hour, then not even the right one is checked
    guessing = Conversation.objects.create()
    ask(guessing, "track_order", "where is my order")
    reply(guessing, f"{order.number} a@example.test")
    for wrong in ("b@example.test", "c@example.test", "d@example.test", "e@example.test"):
        assert "don't match" in reply(guessing, wrong).text
    assert "shipped" not in reply(guessing, "erin@example.test").text


def test_a_guest_order_is_not_linked_to_its_page(make_guest_order, make_customer, make_order):
    # Session 25's walkthrough: after changing guest order 10038's address, "Order 10038" led a visitor with no
    # account to the sign-in form. An account's order keeps its link.
    from support.services.order_help.orders import order_link

    assert order_link(make_guest_order()) == []
    own = make_order(make_customer("alice"))
    assert order_link(own) == [{"title": f"Order {own.number}", "url": f"/orders/{own.number}/"}]


def test_an_unpaid_order_is_linked_to_its_page_with_pay_now_for_a_guest_too(make_guest_order, make_customer,
                                                                           make_order):
    # Customer walkthrough: an order waiting for its payment had no way to be paid. Its page has "Pay now" now, and
    # opens for the browser whose chat proved a guest order (shoppe/guest_orders.py): the answer that speaks of the
    # payment links it, a guest's too.
    erins = make_guest_order("erin@example.test", status="pending_payment")
    answer = ask(Conversation.objects.create(), "track_order", f"where is order {erins.number}? erin@example.test")
    assert "waiting for its payment" in answer.text
    assert answer.sources == [{"title": f"Order {erins.number}", "url": f"/orders/{erins.number}/"}]
    shipped = make_guest_order("erin@example.test", status="shipped")
    assert ask(Conversation.objects.create(), "track_order",
               f"where is order {shipped.number}? erin@example.test").sources == []  # no payment to speak of
    alice = make_customer("alice")
    own = make_order(alice, status="pending_payment")
    assert ask(Conversation.objects.create(customer=alice), "track_order",
               f"where is order {own.number}?").sources == [{"title": f"Order {own.number}",
                                                              "url": f"/orders/{own.number}/"}]


def test_cancelling_a_cancelled_order_says_it_is_cancelled_not_to_refuse_the_delivery(make_customer, make_order):
    # Session 25's walkthrough: "kan ik nog annuleren" about a cancelled order got "refuse the delivery or return it".
    from django.utils import translation

    alice = make_customer("alice")
    order = make_order(alice, status="cancelled")
    answer = ask(Conversation.objects.create(customer=alice), "cancel_order", f"can I still cancel {order.number}?")
    assert "was cancelled" in answer.text and "refuse" not in answer.text and not answer.pending
    with translation.override("nl"):
        dutch = ask(Conversation.objects.create(customer=alice), "cancel_order", f"kan ik {order.number} annuleren")
    assert "geannuleerd" in dutch.text, dutch.text


@pytest.mark.parametrize("language, written", [("en-gb", "Monday, 7 December"), ("de", "Montag, 7. Dezember"),
                                               ("pl", "poniedziałek, 7 grudnia"), ("it", "lunedì, 7 dicembre"),
                                               ("pt", "segunda-feira, 7 de dezembro"), ("nl", "maandag, 7 december")])
def test_a_delivery_day_is_written_as_its_language_writes_it(language, written):
    # Session 25's walkthrough: "Poniedziałek 7 Grudzień" (Polish needs the month's genitive: "7 grudnia").
    from datetime import date

    from django.utils import translation

    from shoppe.dates import weekday_text

    with translation.override(language):
        assert weekday_text(date(2026, 12, 7)) == written


@pytest.mark.parametrize("answer, position", [("o primeiro", 0), ("la seconda", 1), ("die erste bitte", 0),
                                              ("la dernière", -1), ("pierwsze", 0), ("el segundo", 1),
                                              ("de laatste", -1), ("the first one", 0)])
def test_the_first_one_is_understood_in_every_language(make_customer, make_order, answer, position):
    # Session 25's walkthrough: a Portuguese "o primeiro" got the list of orders again.
    alice = make_customer("alice")
    make_order(alice, status="shipped", product="Oak dining table")
    make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    question = ask(conversation, "track_order", "where is my order?")
    listed = question.pending["orders"]
    chosen = reply(conversation, answer)
    assert chosen is not None and f"Order {listed[position]}" in chosen.text, chosen and chosen.text


def test_an_order_is_chosen_by_its_products_name_in_the_customers_language(make_customer, make_order):
    from django.utils import translation

    from shoppe.models import Product, ProductTranslation

    alice = make_customer("alice")
    make_order(alice, status="shipped", product="Oak dining table")
    lamp = make_order(alice, status="processing", product="Blue ceramic table lamp")
    ProductTranslation.objects.create(product=Product.objects.get(name="Blue ceramic table lamp"), language="de",
                                      name="Blaue Keramik-Tischleuchte")
    conversation = Conversation.objects.create(customer=alice)
    with translation.override("de"):
        ask(conversation, "track_order", "wo ist meine Bestellung?")
        chosen = reply(conversation, "die Tischleuchte")
    assert chosen is not None and f"{lamp.number}" in chosen.text


@pytest.mark.django_db(transaction=True)
def said(conversation: Conversation, text: str) -> str:
    """The assistant's reply to `text`, sent in `conversation` and answered as the chat answers it (the real router)."""
    from support.models import Message
    from support.services.replies import message_answer

    message = Message.objects.create(conversation=conversation, author="customer", text=text, status="received")
    message_answer(message_id=message.id)
    return Message.objects.filter(in_reply_to=message).last().text


def test_a_follow_up_without_an_order_number_is_about_the_order_just_discussed(local_models, make_customer, make_order):
    alice = make_customer("alice")
    table = make_order(alice, status="shipped", product="Oak dining table")
    make_order(alice, status="processing", product="Blue ceramic table lamp")
    conversation = Conversation.objects.create(customer=alice)
    assert f"Order {table.number}" in said(conversation, f"can I still change the address of order {table.number}?")
    follow_up = said(conversation, "has it shipped yet?")
    assert "Which order" not in follow_up and str(table.number) in follow_up, follow_up
    lamp = said(conversation, "where is the lamp I ordered?")  # an item named: not the order in focus
    assert f"Order {table.number} is" not in lamp, lamp


def test_an_order_named_in_a_help_question_becomes_the_order_talked_about(local_models, make_customer, make_order):
    # Session 35's walkthrough: after "where is my order?" about 10031, "Kann ich einen Artikel aus der Bestellung 10030
    # zurückschicken?" got the returns page and left 10031 the order talked about, so "und was kostet das?" offered to
    # cancel 10031 for a fee.
    from support.services.order_help.orders import ORDER_IN_FOCUS

    bob = make_customer("bob", "Bob")
    processing = make_order(bob, status="processing", product="Blue ceramic table lamp")
    delivered = make_order(bob, status="delivered", product="Oak dining table")
    conversation = Conversation.objects.create(customer=bob, state={ORDER_IN_FOCUS: processing.number})
    said(conversation, f"Kann ich einen Artikel aus der Bestellung {delivered.number} zurückschicken?")
    conversation.refresh_from_db()
    assert conversation.state[ORDER_IN_FOCUS] == delivered.number
    fee = said(conversation, "und was kostet das?")
    assert str(processing.number) not in fee, fee


@pytest.mark.parametrize("status_question, wanting_to_cancel, yes", [
    ("Bonjour, ma commande {number} est toujours emballée depuis 10 jours ?? c'est normal ?", "je veux l'annuler alors",
     "oui"),
    ("Hallo, ist meine Bestellung {number} schon unterwegs?", "dann will ich sie stornieren", "ja"),
])
def test_wanting_to_cancel_the_order_just_discussed_is_offered_and_a_yes_cancels_it(
        local_models, make_customer, make_order, status_question, wanting_to_cancel, yes):
    """Session 29's walkthrough: the router read "je veux l'annuler alors" as a question about the cancellation fee;
    the fee's help passage was the answer, and the customer's "oui" changed nothing. The passage now comes with the
    offer to cancel the order just talked about, so the yes cancels it (with the packed-order fee)."""
    bob = make_customer("bob")
    order = make_order(bob, status="packed")
    conversation = Conversation.objects.create(customer=bob)
    assert str(order.number) in said(conversation, status_question.format(number=order.number))
    offer = said(conversation, wanting_to_cancel)
    conversation.refresh_from_db()
    assert str(order.number) in offer and conversation.state["pending"]["kind"] == "confirm_cancel", offer
    said(conversation, yes)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


@pytest.mark.parametrize(("text", "number"), [
    ("can you please change the delivery adress to Hauptstraße 5, 10115 Berlin, Germany", None),
    ("no!! 10115 is the postcode. i want to change the address of order 10038", 10038),
    ("please send my order to my office instead: Friedrichstraße 100, 10117 Berlin", None),
    ("bestelling 10022 wijzigen naar Prinsengracht 263, 1016 GV Amsterdam", 10022),
    ("Lieferadresse für Bestellung 10031 bitte auf Torstraße 1, 10119 Berlin ändern", 10031),
    ("10038 erin@example.test", 10038),
    ("where is 10026?", 10026),
])
def test_a_postcode_in_an_address_is_not_taken_for_an_order_number(text: str, number: int | None) -> None:
    # Session 26's walkthrough: Berlin's postcodes look like the shop's order numbers, and the chat looked up
    # "order 10115", even after the customer said it was the postcode and named the order
    from support.services.order_help.orders import order_number_search

    found = order_number_search(text)
    assert (int(found.group(1)) if found else None) == number


def test_a_signed_in_customer_moving_an_order_to_a_berlin_address_is_not_told_the_postcode_is_no_order_of_hers(
        make_customer, make_order):
    carol = make_customer("carol")
    order = make_order(carol, status="processing")
    conversation = Conversation.objects.create(customer=carol)
    answer = ask(conversation, "change_shipping_address",
                 "please send my order to my office instead: Friedrichstraße 100, 10117 Berlin")
    assert "find order 10117" not in answer.text and str(order.number) in answer.text
    assert "Friedrichstraße 100\n10117 Berlin\n" in answer.text and answer.pending["kind"] == "confirm_address"


def test_a_returns_question_about_an_order_whose_return_is_started_gets_its_label(make_customer, make_order):
    # Session 26's walkthrough: "where can i download my return label for order 10026?" got the returns article and
    # no link, though the label existed
    from support.models import RefundRequest
    from support.services.answers import Answer
    from support.services.order_help.return_label import with_return_label

    alice, bob = make_customer("alice"), make_customer("bob", "Bob")
    returning, kept = make_order(alice, status="delivered"), make_order(alice, status="delivered")
    conversation = Conversation.objects.create(customer=alice)
    RefundRequest.objects.create(conversation=conversation, order=returning, amount=64, reason="Too small",
                                 items=[{"item_id": returning.items.get().id, "quantity": 1, "amount": "64.00"}])
    article = Answer("To return an item, start a return from My orders...", sources=[{"title": "Returns", "url": "/help/"}])

    answered = with_return_label(article, conversation=conversation,
                                 text=f"where can i download my return label for order {returning.number}?")
    assert f"/orders/{returning.number}/return-label/" in answered.text and answered.text.endswith(article.text)
    assert answered.sources[0]["url"] == f"/orders/{returning.number}/return-label/"
    # no return started, or not her order: the article alone
    assert with_return_label(article, conversation=conversation, text=f"label for order {kept.number}?") == article
    bobs = Conversation.objects.create(customer=bob)
    assert with_return_label(article, conversation=bobs, text=f"label for order {returning.number}?") == article


def test_returning_an_item_by_its_name_offers_to_start_the_return(make_customer, make_order):
    # Session 26's walkthrough: "I want to send back the ..." got the returns article only
    from support.models import RefundRequest
    from support.services.answers import Answer
    from support.services.order_help.return_label import with_return_offer

    alice = make_customer("alice")
    lamp = make_order(alice, status="delivered")  # the Blue ceramic table lamp
    make_order(alice, status="delivered", product="Velvet footstool")
    conversation = Conversation.objects.create(customer=alice)
    article = Answer("To return an item, start a return from My orders...", sources=[{"title": "Returns", "url": "/help/"}])

    offered = with_return_offer(article, conversation=conversation,
                                text="I want to send back the ceramic lamp, the colour is wrong")
    assert offered.text.startswith(article.text) and "start this return here" in offered.text
    assert f"(order {lamp.number})" in offered.text and offered.pending["kind"] == "confirm_refund"
    assert offered.pending["reason"] == "the colour is wrong"
    # the customer's yes files the request for the team, as the chat's refund requests are filed
    conversation.state = {"pending": offered.pending}
    conversation.save()
    filed = reply(conversation, "yes")
    assert filed.handoff == "refund" and RefundRequest.objects.filter(order=lamp).count() == 1
    # no item named, an order not delivered, or a return already asked for: the article alone
    assert with_return_offer(article, conversation=conversation, text="how do returns work?") == article
    assert with_return_offer(article, conversation=conversation, text="send back the ceramic lamp") == article
    bobs = Conversation.objects.create(customer=make_customer("bob", "Bob"))
    assert with_return_offer(article, conversation=bobs, text="send back the ceramic lamp") == article


def test_another_item_of_an_order_whose_return_is_started_is_offered_its_own_return_not_the_label(make_customer,
                                                                                                 make_order):
    # Session 27's walkthrough: "I want to return the casserole from order 10026" was told the return of 10026 was
    # started and given the label, which listed only the table already being returned
    from support.models import RefundRequest
    from support.services.answers import Answer
    from support.services.order_help.return_label import with_return_label, with_return_offer

    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    stool = with_footstool(order)
    conversation = Conversation.objects.create(customer=alice)
    RefundRequest.objects.create(conversation=conversation, order=order, amount=64, reason="Too small",
                                 items=[{"item_id": order.items.exclude(id=stool.id).get().id, "quantity": 1,
                                         "amount": "64.00"}])
    article = Answer("To return an item, start a return from My orders...", sources=[{"title": "Returns", "url": "/help/"}])
    text = f"I want to return the footstool from order {order.number}"
    assert with_return_label(article, conversation=conversation, text=text) == article
    offered = with_return_offer(article, conversation=conversation, text=text)
    assert "1 × Velvet footstool" in offered.text and offered.pending["items"] == [stool.id]
    # the lamp, which the return holds: its label
    assert "return-label" in with_return_label(article, conversation=conversation,
                                               text=f"return label for the lamp of order {order.number}?").text


def test_a_new_address_in_the_first_message_is_read_back_at_once(make_customer, make_order):
    # Session 26's walkthrough: "... wijzigen naar Prinsengracht 263, 1016 GV Amsterdam" got the current address and
    # "what's the new address?"
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    read_back = ask(conversation, "change_shipping_address",
                    f"hoi, ik wil het bezorgadres van bestelling {order.number} wijzigen naar Prinsengracht 263, 1016 GV "
                    "Amsterdam")
    # the address alone, on a parcel label's lines
    assert "to:\nPrinsengracht 263\n1016 GV Amsterdam\nNetherlands\nShall" in read_back.text
    assert read_back.pending["kind"] == "confirm_address"
    reply(conversation, "yes")
    order.refresh_from_db()
    assert order.shipping_address == "Prinsengracht 263\n1016 GV Amsterdam\nNetherlands"
    # without an address in it, the question as before
    assert ask(conversation, "change_shipping_address",
               f"change the address of {order.number}").pending["kind"] == "new_address"


@pytest.mark.parametrize(("text", "said"), [
    ("😡😡😡", "sorry something's wrong"), ("👍", "anything else"), ("👍🏽!", "anything else"), ("🙏❤️", "anything else"),
    ("📦❓", "in a few words"),
])
def test_a_message_of_emoji_alone_gets_a_reply_to_the_feeling(text: str, said: str) -> None:
    # Session 26's walkthrough: "😡😡😡", "👍" and "📦❓" got "I can only help with the shop"
    from support.services.answers import emoji_answer

    assert said in emoji_answer(text).text
    assert emoji_answer("where is my order 👍") is None and emoji_answer("10026") is None


def test_when_will_it_arrive_after_an_order_answer_gets_that_orders_expected_day(make_customer, make_order):
    # Session 26's walkthrough: "when will it arrive?" right after the order's status got the help article alone
    from datetime import timedelta

    from django.utils import timezone

    from shoppe.models import Shipment
    from support.services.answers import Answer
    from support.services.order_help.orders import ORDER_IN_FOCUS
    from support.services.order_help.tracking import with_order_expected

    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    Shipment.objects.create(order=order, carrier="PostNL", tracking_number="3SABC", shipped_at=timezone.now(),
                            estimated_delivery=timezone.localdate() + timedelta(days=2))
    conversation = Conversation.objects.create(customer=alice, state={ORDER_IN_FOCUS: order.number})
    article = Answer("Standard delivery takes 2-4 working days...")
    answered = with_order_expected(article, conversation=conversation, text="when will it arrive?")
    assert answered.text.startswith(f"Your order {order.number} is expected on ") and answered.text.endswith(article.text)
    # a question about delivery somewhere, or about nothing in particular yet, gets the article alone
    assert with_order_expected(article, conversation=conversation, text="how long does delivery to Belgium take?") == article
    assert with_order_expected(article, conversation=Conversation.objects.create(customer=alice),
                               text="when will it arrive?") == article


@pytest.mark.parametrize("status, says", [
    ("pending_payment", "is waiting for its payment"),
    ("processing", "is paid: we received"),
])
def test_a_payment_question_about_an_order_says_where_its_payment_stands(make_customer, make_order, status, says):
    """Session 29's walkthrough: "10035 says pending payment but I paid by card, charged twice???" got the passage on
    pre-authorisations and no word on 10035, which was still unpaid."""
    from support.services.answers import Answer
    from support.services.order_help.tracking import with_order_payment

    dan = make_customer("dan")
    order = make_order(dan, status=status)
    passage = Answer("A second amount on your statement is usually a pre-authorisation.")
    answer = with_order_payment(passage, conversation=Conversation.objects.create(customer=dan),
                                text=f"order {order.number} says pending payment but I paid by card, charged twice???")
    assert answer.text.startswith(f"Order {order.number} {says}") and answer.text.endswith(passage.text), answer.text
    assert answer.order_in_focus == order.number and f"/orders/{order.number}/" in answer.sources[0]["url"]
    someone_elses = with_order_payment(passage, conversation=Conversation.objects.create(customer=make_customer("bob")),
                                       text=f"order {order.number} says pending payment but I paid")
    assert someone_elses is passage


# An order is never refunded more than was paid for it (refund_room): the chat files no request for an order whose
# payment is refunded in full already (it could only be rejected), and says so before asking which items or why.
def refunded(order: Order, amount=None) -> None:  # type: ignore[no-untyped-def]
    """`order` refunded `amount` (all it cost: the items and the delivery) outside the chat, by its return, say."""
    from shoppe.models import Refund

    Refund.objects.create(order=order, amount=order.total if amount is None else amount, status=Refund.Status.PAID,
                          reason="Returned within 30 days")


def test_a_refund_asked_for_an_order_refunded_in_full_is_not_filed_and_a_person_is_offered(make_customer, make_order):
    from support.models import RefundRequest

    # given: Alice's delivered lamp, refunded in full (EUR 64 and the EUR 4.95 delivery)
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    refunded(order)
    conversation = Conversation.objects.create(customer=alice)

    # when she asks for a refund in the chat
    answer = ask(conversation, "get_refund", f"I'd like a refund for order {order.number}, the lamp is broken")

    # then: told at once, not asked which items or why, and nothing is filed
    assert answer.text == (f"Order {order.number} has already been refunded in full, so there is nothing left to "
                           "refund. If you think that's not right, shall I ask a person from our team to check it? "
                           "(yes / no)")
    assert answer.pending["kind"] == "refund_person" and not answer.handoff
    # her yes passes the order to a person, at a person's priority (nothing to decide: no refund request)
    passed = reply(conversation, "yes please")
    assert passed.handoff == "contact_human_agent" and passed.handoff_order_id == order.id
    assert f"passing order {order.number} to our support team" in passed.text
    assert not RefundRequest.objects.exists()


def test_a_no_to_a_person_checking_is_taken_but_a_no_that_says_more_is_read_afresh(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    refunded(order)
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "get_refund", f"refund for order {order.number} please")
    assert reply(conversation, "no thanks").text == "Okay. Is there anything else I can help you with?"
    ask(conversation, "get_refund", f"refund for order {order.number} please")
    assert reply(conversation, "no, I never got the money back on my card") is None


@pytest.mark.parametrize("language", ["nl", "de", "fr", "es", "it", "pl", "pt"])
def test_an_order_refunded_in_full_is_told_so_in_the_customers_language(make_customer, make_order, language):
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    refunded(order)
    conversation = Conversation.objects.create(customer=alice)
    with translation.override(language):
        answer = ask(conversation, "get_refund", f"refund {order.number}")
        passed = reply(conversation, "yes")
    assert answer.pending["kind"] == "refund_person"
    # translated, both sentences of it (an untranslated one is the English)
    assert str(order.number) in answer.text and "refunded in full" not in answer.text, answer.text
    assert "not right" not in answer.text and "(yes / no)" not in answer.text, answer.text
    assert str(order.number) in passed.text and "passing order" not in passed.text, passed.text
    assert passed.handoff == "contact_human_agent"


def test_an_order_refunded_in_full_while_its_request_was_read_back_is_not_filed(make_customer, make_order):
    """Its return refunded between the read-back and the customer's yes: refund_request_file refuses it."""
    from support.models import RefundRequest

    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    conversation = Conversation.objects.create(customer=alice)
    assert "Shall I send it" in ask(conversation, "get_refund", f"refund for order {order.number}").text
    refunded(order)
    answer = reply(conversation, "yes, the lamp arrived with a broken shade")
    assert answer.text.startswith(f"Order {order.number} has already been refunded in full"), answer.text
    assert answer.pending["kind"] == "refund_person" and not answer.handoff
    assert not RefundRequest.objects.exists()


def test_a_refund_for_more_than_is_left_of_the_payment_is_told_and_filed_with_a_note_for_the_team(make_customer,
                                                                                                 make_order):
    """Some of the payment left (EUR 28.95 of 68.95), less than the lamp (EUR 64): the customer is told before it is
    sent, the request is filed (the team may refund what is left), and the person deciding reads the same."""
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    refunded(order, Decimal("40.00"))
    conversation = Conversation.objects.create(customer=alice)
    shown = ask(conversation, "get_refund", f"refund for order {order.number}")
    assert shown.text.startswith(f"Only €28.95 of what was paid for order {order.number} is left to refund: the rest "
                                 "has been refunded already or is waiting for approval, so our team can refund at "
                                 "most that. I'll ask for a refund of €64.00"), shown.text
    filed = reply(conversation, "yes, the lamp arrived with a broken shade")
    assert filed.handoff == "refund" and "I've filed a refund request" in filed.text
    refund = order.refund_requests.get()
    assert refund.amount == Decimal("64.00") and not refund.eligible
    assert refund.eligibility_notes == ["only €28.95 of what was paid is left to refund (€64.00 asked): approving "
                                        "more is refused"]


def test_an_order_refunded_in_full_is_not_offered_a_return(make_customer, make_order):
    from support.services.answers import Answer
    from support.services.order_help.return_label import with_return_offer

    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    refunded(order)
    conversation = Conversation.objects.create(customer=alice)
    article = Answer("To return an item, start a return from My orders...")
    assert with_return_offer(article, conversation=conversation,
                             text="I want to send back the ceramic lamp, the colour is wrong") == article


# --- a refund asked for a paid order that has not shipped: cancelling it is offered first -----------------------------

def test_a_refund_for_an_order_not_shipped_yet_offers_to_cancel_it_and_a_yes_cancels_it(make_customer, make_order):
    from support.models import RefundRequest

    # given: Alice's paid lamp, still being prepared
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)

    # when she asks for her money back in the chat
    answer = ask(conversation, "get_refund", f"I changed my mind, I want a refund for order {order.number}")

    # then: cancelling is offered, which gives the money back without waiting for anyone
    assert answer.text.startswith(f"Order {order.number} hasn't shipped yet, so it can simply be cancelled"), answer.text
    assert "free of charge. Shall I go ahead? (yes / no)" in answer.text
    assert answer.pending["kind"] == "confirm_cancel" and not answer.handoff
    # her yes cancels it; no refund request waits for a person while the order ships
    assert "is cancelled" in reply(conversation, "yes").text
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert not RefundRequest.objects.exists()


def test_a_no_to_cancelling_keeps_the_refund_request_as_asked(make_customer, make_order):
    from support.models import RefundRequest

    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "get_refund", f"refund order {order.number} please, the lamp is the wrong colour")

    # a no to cancelling: the refund she asked for is read back to be sent, the order left as it is
    read_back = reply(conversation, "no")
    assert read_back.text.startswith(f"OK, I won't cancel order {order.number}. I'll ask for a refund of"), read_back.text
    assert read_back.pending["kind"] == "confirm_refund"
    order.refresh_from_db()
    assert order.status == "processing"
    # and her yes files it with the reason her first message gave
    filed = reply(conversation, "yes")
    assert filed.handoff == "refund"
    assert "wrong colour" in RefundRequest.objects.get(order=order).reason


def test_a_refund_for_a_packed_order_offers_cancelling_with_its_fee(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="packed")
    answer = ask(Conversation.objects.create(customer=alice), "get_refund", f"money back for {order.number}")
    assert "hasn't shipped yet" in answer.text and "handling fee" in answer.text, answer.text
    assert answer.pending["kind"] == "confirm_cancel"


def test_a_refund_for_a_shipped_order_is_collected_as_before(make_customer, make_order):
    alice = make_customer("alice")
    order = make_order(alice, status="shipped")
    answer = ask(Conversation.objects.create(customer=alice), "get_refund", f"refund for order {order.number}")
    assert "hasn't shipped" not in answer.text and answer.pending["kind"] == "confirm_refund", answer.text


@pytest.mark.parametrize("language", ["nl", "de", "fr", "es", "it", "pl", "pt"])
def test_cancelling_instead_of_a_refund_is_offered_and_declined_in_the_customers_language(make_customer, make_order,
                                                                                         language):
    alice = make_customer("alice")
    order = make_order(alice, status="processing")
    conversation = Conversation.objects.create(customer=alice)
    with translation.override(language):
        offer = ask(conversation, "get_refund", f"refund {order.number}")
        declined = reply(conversation, "no")
    # translated, each sentence (an untranslated one is the English)
    assert str(order.number) in offer.text and "hasn't shipped" not in offer.text, offer.text
    assert str(order.number) in declined.text and "won't cancel" not in declined.text, declined.text
    assert declined.pending["kind"] == "confirm_refund"


def test_money_back_for_a_damaged_parcel_after_a_talk_about_an_unshipped_order_asks_which_order(make_customer,
                                                                                                 make_order):
    """Session 33's walkthrough (in Italian): after a talk about order 10022, not shipped yet, "my parcel arrived
    damaged, I want a refund" was offered 10022's cancellation, and "sì" cancelled it. An order that has not shipped
    cannot have arrived: the assistant asks which order, the one just discussed listed first."""
    alice = make_customer("alice")
    unshipped = make_order(alice, status="processing", product="Blue ceramic table lamp")
    vase = make_order(alice, status="delivered", product="Glass vase")
    make_order(alice, status="delivered", product="Oak dining table")
    conversation = Conversation.objects.create(customer=alice)
    ask(conversation, "track_order", f"where is order {unshipped.number}?")
    conversation.state["order_in_focus"] = unshipped.number

    answer = ask(conversation, "get_refund", "Mi è arrivato un pacco danneggiato, la roba dentro è rotta. Voglio un "
                                             "rimborso.")

    assert answer.text.startswith("Which order do you mean?"), answer.text
    assert answer.pending["kind"] == "choose_order"
    assert answer.pending["orders"][0] == unshipped.number and vase.number in answer.pending["orders"]
    unshipped.refresh_from_db()
    assert unshipped.status == Order.Status.PROCESSING
    # "the second one": the delivered vase's refund, no cancellation offered
    chosen = reply(conversation, str(vase.number))
    assert chosen.pending["kind"] != "confirm_cancel", chosen.text


def test_money_back_about_the_unshipped_order_just_discussed_can_still_be_chosen(make_customer, make_order):
    alice = make_customer("alice")
    unshipped = make_order(alice, status="processing")
    make_order(alice, status="delivered", product="Glass vase")
    conversation = Conversation.objects.create(customer=alice)
    conversation.state["order_in_focus"] = unshipped.number
    ask(conversation, "get_refund", "then I want my money back")
    offer = reply(conversation, "the first one")
    assert offer.text.startswith(f"Order {unshipped.number} hasn't shipped yet"), offer.text


def test_a_yes_to_which_items_to_refund_asks_which_again(make_customer, make_order):
    """Session 33's walkthrough: "yes" to "Which items from order N should we refund?" dropped the question and was
    answered as a new message."""
    alice = make_customer("alice")
    order = make_order(alice, status="delivered")
    with_footstool(order)
    conversation = Conversation.objects.create(customer=alice)
    assert ask(conversation, "get_refund", f"I want a refund for order {order.number}").pending["kind"] == "refund_items"
    again = reply(conversation, "yes")
    assert again is not None and again.text.startswith(f"Which items from order {order.number}"), again
    assert "Velvet footstool" in reply(conversation, "the footstool").text


def test_a_guest_orders_invoice_asked_by_a_signed_in_customer_links_no_page_that_would_not_open(make_customer,
                                                                                                make_guest_order):
    # Session 35's walkthrough: alice proved guest order 10038 in her chat, and its invoice answer linked
    # /orders/10038/invoice/, which says "We can't find that page" to a signed-in customer whose order it is not.
    from support.services.order_help.order_answers import order_intent_answer
    from support.services.proofs import order_proof_record

    guests = make_guest_order("erin@example.test", status="delivered")
    conversation = Conversation.objects.create(customer=make_customer("alice"))
    order_proof_record(conversation=conversation, order=guests)
    answer = order_intent_answer(conversation=conversation, intent="get_invoice", order=guests)
    assert "placed without an account" in answer.text and not answer.sources, answer
    # the visitor whose chat proved it opens the page: the link stays
    visitors = Conversation.objects.create()
    order_proof_record(conversation=visitors, order=guests)
    answer = order_intent_answer(conversation=visitors, intent="get_invoice", order=guests)
    assert answer.sources and answer.sources[0]["url"] == f"/orders/{guests.number}/invoice/"
