"""Which order the customer means: named by number, proved with number and email, chosen from a list, or the only one."""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

from rag.router.organisations import folded
from shoppe.addresses import reads_as_address
from shoppe.models import Order
from shoppe.selectors import guest_order_get_by_number_and_email
from shoppe.services import order_cancellation_fee
from support.models import Conversation
from support.services import proofs
from support.services.answers import Answer, bare_yes
from support.services.order_help.guest_proof import ask_for_code, ask_for_proof
from support.services.order_help.order_answers import order_intent_answer
from support.services.order_help.orders import (ACTIVE_STATUSES, ORDER_IN_FOCUS, customer_orders, no_match_answer_parts,
                                                order_describe, order_number_search, order_status_name, page_path)
from support.services.order_help.yes_no import NO
from support.services.order_items import items_named

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CODE = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})(?!\d)")
_RESEND = re.compile(r"\b(new code|another code|resend|send (it|the code|a code) again|didn'?t (get|receive)|"
                     r"haven'?t (got|received)|no code|nieuwe code|neue[nr]? code|nouveau code|nuevo c[oó]digo|"
                     r"nuovo codice|nowy kod|novo c[oó]digo)\b", re.IGNORECASE)
# "The first one" in the languages the assistant answers in (lower case, accents dropped), with the position it picks
# from the listed orders (newest first). A Portuguese "o primeiro" got the list again (session 25's walkthrough).
# Left out: Portuguese "quarto" (also a bedroom).
_ORDINALS = {
    0: "first|1st|latest|newest|most recent|eerste|nieuwste|erste[nrs]?|neueste[nrs]?|premier|premiere|plus recente?|"
       "primer|primero|primera|mas reciente|primo|prima|piu recente|pierwsz[aeyi]|najnowsz[aey]|"
       "primeiro|primeira|mais recente",
    1: "second|2nd|tweede|zweite[nrs]?|deuxieme|seconde?|segundo|segunda|secondo|seconda|drugi|drugie|druga",
    2: "third|3rd|derde|dritte[nrs]?|troisieme|tercero|tercera|tercer|terzo|terza|trzeci[aey]?|terceiro|terceira",
    3: "fourth|4th|vierde|vierte[nrs]?|quatrieme|cuarto|cuarta|quarto|quarta|czwart[aey]",
    4: "fifth|5th|vijfde|funfte[nrs]?|cinquieme|quinto|quinta|piat[aey]",
    -1: "last|oldest|laatste|oudste|letzte[nrs]?|alteste[nrs]?|dernier|derniere|plus ancien(ne)?|ultimo|ultima|"
        "mas antiguo|piu vecchio|ostatni[aey]?|najstarsz[aey]|mais antigo",
}
_ORDINAL_WORDS = {position: re.compile(rf"(?<!\w)(?:{words})(?!\w)") for position, words in _ORDINALS.items()}


def order_answer(*, conversation: Conversation, intent: str, text: str) -> Answer:
    """Answer an order question, asking which order (or for proof of it) when needed."""
    orders = customer_orders(conversation)
    number = order_number_search(text)
    # The first message may already name items ("a refund for the oak table"): it travels with the questions
    # asked before them are known, so the customer is not asked again.
    request = text[:500]
    if number:
        match = [o for o in orders if o.number == int(number.group(1))]
        if match:
            return order_intent_answer(conversation=conversation, intent=intent, order=match[0], request=request)
        if EMAIL.search(text):  # "where is order 10038? erin@example.test": the proof comes with the question
            return identify_order_reply(conversation=conversation, text=text, pending={
                "kind": "identify_order", "intent": intent, "number": int(number.group(1)), "request": request})
        if not conversation.customer_id:
            return ask_for_proof(intent, number=int(number.group(1)), request=request)
        return Answer(_("I can't find order %(number)s on your account. Could you check the number? "
                        "You can see all your orders under My orders. If you placed it as a guest, tell me the "
                        "email address you used.") % {"number": number.group(1)},
                      sources=[{"title": _("My orders"), "url": page_path("/orders/")}],
                      pending={"kind": "identify_order", "intent": intent, "number": int(number.group(1)),
                               "request": request})
    if not orders:
        if not conversation.customer_id:
            return ask_for_proof(intent, request=request)
        return Answer(_("I don't see any orders on your account yet. If you ordered as a guest, tell me the order "
                        "number and the email address you used."),
                      pending={"kind": "identify_order", "intent": intent, "request": request})
    candidates = _candidates(orders, intent)
    # The order the conversation was just about, when this message names none: right after an answer about order
    # 10040, "wann kommt das paket an" got "Welche Bestellung meinen Sie?" (session 25's walkthrough).
    in_focus = [o for o in orders if o.number == conversation.state.get(ORDER_IN_FOCUS)]
    refund_among_several = intent == "get_refund" and len(orders) > 1
    holding = orders_holding_named(orders, text) if len(candidates) > 1 or in_focus or refund_among_several else []
    # Money back for the order in focus only when it has shipped: "my parcel arrived damaged, I want a refund" right
    # after a talk about an order not shipped yet was offered that order's cancellation, and "sì" cancelled it
    # (session 33's walkthrough, in Italian). It is listed first, for "then I want my money back" about it.
    focus_not_shipped = intent == "get_refund" and bool(in_focus) and in_focus[0] not in candidates
    if in_focus and len(candidates) > 1 and not holding and not focus_not_shipped:
        return order_intent_answer(conversation=conversation, intent=intent, order=in_focus[0], request=request)
    if refund_among_several:
        # "a refund for the velvet footstool": the one order holding what was named, if only one does; among all the
        # customer's orders (one not yet shipped too: its answer says so), not another order without it.
        candidates = holding if len(holding) == 1 else candidates
    elif holding:
        # "where is my order with the candles?": the orders holding them, not every open one (session 27's walkthrough
        # listed an order without candles), and the one holding them though it is delivered.
        candidates = [o for o in candidates if o in holding] or holding
    if focus_not_shipped and len(holding) != 1:
        candidates = [in_focus[0], *[o for o in candidates if o != in_focus[0]]]
    if len(candidates) == 1:
        return order_intent_answer(conversation=conversation, intent=intent, order=candidates[0], request=request)
    listing = "\n".join(f"{n}. {order_describe(o)} – {order_status_name(o)}" for n, o in enumerate(candidates[:5], 1))
    return Answer(
        _("Which order do you mean?\n%(orders)s\nYou can answer with its number or say \"the first one\".")
        % {"orders": listing},
        pending={"kind": "choose_order", "intent": intent, "orders": [o.number for o in candidates[:5]],
                 "request": request},
    )


def choose_order_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The order the customer picked from the listed ones ("the first one", "12345", "the oak table")."""
    order = _chosen(conversation, pending["orders"], text)
    if order is None:
        return None
    return order_intent_answer(conversation=conversation, intent=pending["intent"], order=order,
                               request=pending.get("request", ""))


def identify_order_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The order number and email the customer gave: a guest order they prove is theirs to read."""
    number = order_number_search(text)
    email = EMAIL.search(text)
    if not email and not number:
        return None
    order_number = int(number.group(1)) if number else pending.get("number")
    if number and not email and any(o.number == order_number for o in customer_orders(conversation)):
        return None  # an order of theirs (on the account, or proved before): a new question about it, routed afresh
    # The number and the email may come in separate messages ("10039", then "frank@example.test"): what came is kept
    # (a guest was asked for both again and again, session 25's walkthrough).
    email_given = email.group(0).strip() if email else pending.get("email", "")
    if not email_given:
        return ask_for_proof(pending["intent"], number=order_number, request=pending.get("request", ""),
                             signed_in=bool(conversation.customer_id))
    if not order_number:
        return Answer(_("Thanks. And the order number? It's the 5-digit number in your order confirmation email."),
                      pending={**pending, "email": email_given})
    given = email_given.lower()
    known = next((o for o in customer_orders(conversation) if o.number == order_number), None)
    request = pending.get("request", "")
    if known is not None and known.email.strip().lower() == given:  # on the signed-in account, or proved before
        return order_intent_answer(conversation=conversation, intent=pending["intent"], order=known,
                                   request=request)
    if not proofs.proof_allowed(conversation=conversation, email=given):
        if proofs.proof_allowed(conversation=conversation):  # only the email's count is used up: by others' guesses
            return _proof_by_email_code(conversation, pending, number=order_number, email=email_given)
        text, sources = no_match_answer_parts(conversation, too_many=True)
        return Answer(text, sources=sources, pending={**pending, "number": None, "email": ""})
    order = guest_order_get_by_number_and_email(number=order_number, email=email_given)
    if order is None:
        proofs.proof_failed(conversation=conversation, email=given)
        text, sources = no_match_answer_parts(conversation)
        # The number is kept for a corrected email ("oh sorry, it's frank@example.test" was asked for the number again,
        # session 26's walkthrough); another number replaces it. Failed proofs stay counted and throttled.
        return Answer(text, sources=sources, pending={**pending, "number": order_number, "email": ""})
    proofs.order_proof_record(conversation=conversation, order=order)
    return order_intent_answer(conversation=conversation, intent=pending["intent"], order=order, request=request)


def _proof_by_email_code(conversation: Conversation, pending: dict, *, number: int, email: str) -> Answer:
    """A number and email given when others' wrong guesses used up the email's failed proofs this hour: the order is
    opened by the code emailed to it, not by the number, so that its owner is not locked out by someone who knows only
    their email (session 31's security note). Whether the number matches is never told: the answer is the same, each
    try counts against this conversation and its address as a failed proof, and the order is looked up and the code
    emailed after the answer (`proofs.order_code_send_later`)."""
    proofs.proof_failed(conversation=conversation)
    proofs.order_code_send_later(conversation=conversation, number=number, email=email, intent=pending["intent"])
    return Answer(_("Many wrong order numbers were tried with this email address in the last hour, so to keep its "
                    "orders safe: if order %(number)s was placed with it, I've sent a 6-digit code there. Please type "
                    "the code here.") % {"number": number},
                  pending={"kind": "email_code", "intent": pending["intent"], "number": number, "email": email,
                           "request": pending.get("request", "")})


def email_code_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The code typed after `_proof_by_email_code`: the right one opens the order as its number and email would have
    (and for a change, as the order's code does); any other is "not right", whatever the reason. "New code" sends
    another, as the first did."""
    if _RESEND.search(text):
        return _proof_by_email_code(conversation, pending, number=pending["number"], email=pending["email"])
    code = _CODE.search(text)
    if code is None:
        return code_asked_again(pending) if bare_yes(text) else None
    if not proofs.proof_allowed(conversation=conversation):
        answer, sources = no_match_answer_parts(conversation, too_many=True)
        return Answer(answer, sources=sources)
    checked = proofs.order_code_check_by_email(conversation=conversation, number=pending["number"],
                                              email=pending["email"], code=code.group(1) + code.group(2))
    if checked is proofs.CodeCheck.RIGHT:
        order = guest_order_get_by_number_and_email(number=pending["number"], email=pending["email"])
        if order is not None:
            proofs.order_proof_record(conversation=conversation, order=order, to=proofs.CHANGE)
            return order_intent_answer(conversation=conversation, intent=pending["intent"], order=order,
                                       request=pending.get("request", ""))
    proofs.proof_failed(conversation=conversation)
    return Answer(_("That code isn't right. Please check the email and type the 6-digit code again."), pending=pending)


def code_asked_again(pending: dict) -> Answer:
    """A yes where the emailed code was asked for ("yes", "ok"): the code still, not the question dropped and the yes
    answered as a new message ("Okay. Is there anything else...": session 33's walkthrough)."""
    return Answer(_("Please type the 6-digit code from our email here. Say \"new code\" if it didn't arrive."),
                  pending=pending)


def order_code_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """Read `text` as the code emailed for a change to a guest order."""
    order = next((o for o in customer_orders(conversation) if o.number == pending.get("order")), None)
    if order is None:
        return None
    if _RESEND.search(text):
        return ask_for_code(conversation, pending["intent"], order)
    code = _CODE.search(text)
    if code is None:
        if NO.search(text):
            return Answer(_("OK, order %(number)s stays as it is.") % {"number": order.number})
        if bare_yes(text):
            return code_asked_again(pending)
        if pending["intent"] == "change_shipping_address" and reads_as_address(text, not_numbers=(order.number,)):
            # The new address, typed before the code: nothing changes until the code proves the order.
            return Answer(_("I can change the address of order %(number)s once you've typed the 6-digit code from "
                            "our email. After that I'll ask for the new address. Say \"new code\" if it "
                            "didn't arrive.") % {"number": order.number}, pending=pending)
        if not pending.get("code_explained") and not any(c.isdigit() for c in text) and len(text.split()) <= 12:
            # "c'est quoi le code ? je ne le trouve pas" went to a person (session 35's walkthrough): said once where
            # the code went and how to get another; a second message without one is a new question.
            return Answer(_("I sent the 6-digit code to the email address order %(number)s was placed with; it may "
                            "be in your spam folder. Type it here, or say \"new code\" and I'll send another.")
                          % {"number": order.number}, pending={**pending, "code_explained": True})
        return None
    if not proofs.proof_allowed(conversation=conversation):
        text, sources = no_match_answer_parts(conversation, too_many=True)
        return Answer(text, sources=sources, pending=pending)
    checked = proofs.order_code_check(conversation=conversation, order=order, code=code.group(1) + code.group(2))
    if checked is proofs.CodeCheck.RIGHT:
        proofs.order_proof_record(conversation=conversation, order=order, to=proofs.CHANGE)
        return order_intent_answer(conversation=conversation, intent=pending["intent"], order=order,
                                   request=pending.get("request", ""))
    proofs.proof_failed(conversation=conversation)
    if checked is proofs.CodeCheck.WRONG:
        return Answer(_("That code isn't right. Please check the email and type the 6-digit code again."), pending=pending)
    return Answer(_("That code can't be used any more: it has expired, was used, or was tried too many times. "
                    "Say \"new code\" and I'll send another."), pending=pending)


def _candidates(orders: list[Order], intent: str) -> list[Order]:
    if intent in {"cancel_order", "change_shipping_address"}:
        active = [o for o in orders if order_cancellation_fee(order=o) is not None]
    elif intent == "track_order":
        active = [o for o in orders if o.status in ACTIVE_STATUSES]
    elif intent == "track_refund":
        active = [o for o in orders if o.refunds.exists() or o.refund_requests.exists()]
    elif intent == "get_refund":
        active = [o for o in orders if o.status in {Order.Status.DELIVERED, Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY}]
    else:
        active = []
    return active or orders


def _chosen(conversation: Conversation, numbers: list[int], text: str) -> Order | None:
    orders = [o for o in customer_orders(conversation) if o.number in numbers]
    orders.sort(key=lambda o: numbers.index(o.number))
    number = order_number_search(text)
    if number:
        return next((o for o in orders if o.number == int(number.group(1))), None)
    plain = folded(text)
    for position, words in _ORDINAL_WORDS.items():
        if words.search(plain) and orders:
            return orders[position] if -len(orders) <= position < len(orders) else None
    digit = re.fullmatch(r"\s*#?([1-5])\s*\.?\s*", text)
    if digit and int(digit.group(1)) <= len(orders):
        return orders[int(digit.group(1)) - 1]
    # The one order holding what the customer named, in English or in the language answered in ("die Stehleuchte").
    holding = orders_holding_named(orders, text)
    return holding[0] if len(holding) == 1 else None


def orders_holding_named(orders: list[Order], text: str) -> list[Order]:
    """The orders holding an item `text` names ("the footstool", "die Stehleuchte"): about those, not the one in focus."""
    return [o for o in orders if items_named(list(o.items.all()), text).chosen]
