"""Collecting a refund request: which items, what will be asked (with the policy's notes), the reason, then filing it.

The assistant never decides a refund: the filed request goes to the support team
(`support.services.refunds`), who reply in the conversation.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from django.utils.translation import gettext as _

from shoppe.models import NOTHING_PAID, Order, OrderItem, money
from shoppe.returns import refund_item_names
from support.models import Conversation, RefundRequest
from support.services.answers import Answer, bare_yes
from support.services.order_help.orders import (item_line, order_link, order_number_search, order_owned, page_path,
                                                refund_status_name, return_label_path)
from support.services.order_help.tracking import tracking_text
from support.services.order_help.yes_no import NO, YES, asked_again, wordless
from support.services.order_items import NamedItems, items_named, quantities_named


def refund_start(*, order: Order, request: str) -> Answer:
    """The first refund answer for `order`: what will be asked, or which items (`request` may already name them).

    Items that already have a refund request waiting or approved are not offered again (`refunds_standing`); "one of
    the two mugs" asks for one mug (`NamedItems.quantities`), an item with no count said for all of it that is left.
    An order whose payment is refunded in full already (by its return, say) is told so (`refund_nothing_left`).
    """
    from support.services.refunds import refund_room, refunds_standing

    items = list(order.items.all())
    standing = refunds_standing(order)
    still = [i for i in items if i.id not in standing]
    named = items_named(items, request) if len(items) > 1 \
        else NamedItems(chosen=items, quantities=quantities_named(items, request))
    chosen = [i for i in named.chosen if i.id not in standing]
    if not chosen and (named.chosen or not still):  # what was named, or the whole order, has a request already
        return refund_already_requested(order, [standing[i.id] for i in named.chosen or items])
    room = refund_room(order)
    if not room:
        return refund_nothing_left(order)
    reason = reason_in_request(request, order)
    if chosen:
        return refund_confirm(order, chosen, reason=reason, quantities=named.quantities, room=room)
    if len(still) == 1 and not named.unsure:
        return refund_confirm(order, still, reason=reason, quantities=quantities_named(still, request), room=room)
    return refund_items_ask(order, [i for i in named.unsure if i.id not in standing] or still, reason=reason)


# A request's parts: sentences and clauses, whatever the language writes them with.
CLAUSES = re.compile(r"[.,;:!?\n]+")
REASON_WORDS = 4  # a part this long may say why ("the lamp arrived shattered"); "Hi", "order 10026" do not
ASKING = 0.5  # a part the router reads as a refund request this surely is the asking ("I'd like my money back")


def reason_in_request(request: str, order: Order, *, words: int = REASON_WORDS,
                      asking_intents: tuple[str, ...] = ("get_refund",)) -> str:
    """Why the customer wants their money back, when the request already says it ("I'd like a refund for order
    10026, the oak table arrived with a big crack in the top"): its parts of REASON_WORDS words or more, joined,
    except the asking (the part naming the order's number, or one the router reads as a refund request) and
    greetings or small talk. "" when nothing is left ("Hi, I want a refund for order 10026").
    Parts by punctuation and read by the router, which reads every language the shop serves; the team reads the
    reason as written, and nothing is filed without the customer's yes. A part the router declines is kept: out of
    its request a damage reads as nothing the shop is asked ("it has a crack in the enamel"), and the customer was
    asked again for the reason they had given (session 23's walkthrough); small talk reads as a greeting.
    `asking_intents`: what the asking reads as (a return offered in the chat asks with "I want to send it back")."""
    from rag.router.serving import router_get

    parts = [part for part in (p.strip() for p in CLAUSES.split(request)) if part]
    decided = cache(lambda part: router_get().decide(part))  # a part is read once, however often it is asked about
    number = re.compile(rf"(?<!\d){order.number}(?!\d)")

    def names_order(part: str) -> bool:
        return bool(number.search(part))

    def asks(part: str) -> bool:
        decision = decided(part)
        return decision.intent in asking_intents and decision.confidence >= ASKING

    # The part naming the order's number is the asking ("Erstattung für Bestellung 10028 bitte"), unless another part
    # asks: "the vase from order 10036 arrived cracked. I want my money back" says why in it, and the customer was
    # asked for the reason they had given (session 33's walkthrough).
    asked_elsewhere = any(not names_order(part) and len(part.split()) >= words and asks(part) for part in parts)

    def says_why(part: str) -> bool:
        if names_order(part) and not asked_elsewhere:
            return False
        if len(number.sub(" ", part).split()) < words:
            return False
        return not asks(part) and decided(part).intent != "greeting"

    return ", ".join(part for part in parts if says_why(part))


def refund_already_requested(order: Order, requests: list) -> Answer:
    """The items asked about already have a refund request, waiting or approved: nothing is filed twice, and a person
    sees why the customer asks again (broken again, a decision they want to chase)."""
    names = refund_item_names(order)
    listed = "; ".join(
        "%s: %s" % (", ".join(names.get(x.get("item_id"), x.get("product", "")) for x in r.items), refund_status_name(r))
        for r in dict.fromkeys(requests))
    # A decision already made (approved) is a question about it at normal priority, not a refund to decide: it
    # queued as a high-priority refund request with nothing on it to decide (session 26's walkthrough).
    waiting = any(r.status in (RefundRequest.Status.REQUESTED, RefundRequest.Status.AWAITING_SECOND) for r in requests)
    return Answer(_("Order %(number)s already has a refund request for that (%(requests)s), so there's nothing to ask "
                    "again. Our team decides refunds and replies right here; you can follow it on the order's page "
                    "too.") % {"number": order.number, "requests": listed},
                  sources=order_link(order) or refund_policy_link(),
                  handoff="refund" if waiting else "other", handoff_order_id=order.id)


def refund_nothing_left(order: Order) -> Answer:
    """Nothing of `order`'s payment is left to refund (`refund_room`): refunded in full already (or cancelled meanwhile,
    its payment released). Nothing is filed, as it could only be rejected; a person is offered to check it, should the
    customer think it wrong (a `refund_person` question)."""
    from support.services.refunds import refunded_in_full_text

    said = tracking_text(order) if order.status in NOTHING_PAID else refunded_in_full_text(order)
    offer = _("If you think that's not right, shall I ask a person from our team to check it? (yes / no)")
    return Answer(f"{said} {offer}", sources=order_link(order) or refund_policy_link(),
                  pending={"kind": "refund_person", "intent": "get_refund", "order": order.number})


def refund_person_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes or no to a person checking an order with nothing left to refund. A no that says more ("no, I
    never got the money") is read afresh, not taken for "no, thanks"."""
    if NO.match(text) and len(text.split()) <= 3:
        return Answer(_("Okay. Is there anything else I can help you with?"))
    if not YES.match(text):
        return None
    order = order_owned(conversation, pending["order"])
    return Answer(_("I'm passing order %(number)s to our support team: they'll check its payment and refunds and "
                    "reply right here.") % {"number": order.number},
                  handoff="contact_human_agent", handoff_order_id=order.id)


def refund_items_ask(order: Order, items: list[OrderItem], reason: str = "") -> Answer:
    """Which of `items` to refund: the whole order's, or the few a shared word left open."""
    listing = "\n".join(f"{n}. {item_line(i)} ({money(i.line_total, order.currency)})" for n, i in enumerate(items, 1))
    if len(items) < order.items.count():
        question = _("Which one do you mean?\n%(items)s\nName or number it.") % {"items": listing}
    else:
        question = (_("Which items from order %(number)s should we refund?\n%(items)s\n"
                      "Say \"all\", or name or number them.") % {"number": order.number, "items": listing})
    return Answer(question, sources=refund_policy_link(),
                  pending={"kind": "refund_items", "intent": "get_refund", "order": order.number,
                           "items": [i.id for i in items], "reason": reason})


def refund_confirm(order: Order, items: list[OrderItem], reason: str = "",
                   quantities: dict[int, int] | None = None, room: Decimal | None = None) -> Answer:
    """What will be filed, shown before it is: sent to the team only on the customer's yes.

    `quantities`: how many of an item the customer said, by item id ("1 of 2 × Ceramic mug"); else all that is left.
    `room`: what is left of the order's payment to refund (`refund_room`), when the caller knows it already.
    """
    from support.services.refunds import (refund_amount, refund_counts, refund_eligibility, refund_line,
                                          refund_quantities_left, refund_room)

    counts = refund_counts(items, refund_quantities_left(order), quantities)
    amount = refund_amount(items, counts)
    notes = refund_eligibility(order=order, items=items)
    lines = ", ".join(refund_line(name=i.product.local_name, quantity=counts[i.id], ordered=i.quantity) for i in items)
    values = {"amount": money(amount, order.currency), "items": lines,
              "number": order.number, "notes": "; ".join(str(n) for n in notes)}
    if notes:
        text = _("I'll ask for a refund of %(amount)s for: %(items)s (order %(number)s). Please note that under our "
                 "policy %(notes)s, though our team will still look at your case. Shall I send it to our team? "
                 "(yes / no)") % values
    else:
        text = _("I'll ask for a refund of %(amount)s for: %(items)s (order %(number)s). Shall I send it to our "
                 "team? (yes / no)") % values
    room = refund_room(order) if room is None else room
    if 0 < room < amount:  # told before it is sent: filed, the team sees the same (refund_request_file's note)
        text = _("Only %(room)s of what was paid for order %(number)s is left to refund: the rest has been refunded "
                 "already or is waiting for approval, so our team can refund at most that.") % {
            "room": money(room, order.currency), "number": order.number} + " " + text
    return Answer(
        text,
        sources=refund_policy_link(),
        pending={"kind": "confirm_refund", "intent": "get_refund", "order": order.number,
                 "items": [i.id for i in items], "reason": reason,
                 "quantities": {str(i.id): counts[i.id] for i in items}})


def refund_policy_link() -> list[dict[str, str]]:
    return [{"title": _("Refund policy"), "url": page_path("/help/refund-policy/")}]


def refund_reason_ask(order: Order, pending: dict) -> Answer:
    return Answer(_("Sure. Before I send it: what's the reason for the refund? For example: it arrived damaged, "
                    "it's the wrong item, or you changed your mind."),
                  pending={"kind": "refund_reason", "intent": "get_refund", "order": order.number,
                           "items": pending["items"], "quantities": pending.get("quantities") or {}})


def _pending_items(order: Order, pending: dict) -> list[OrderItem]:
    """The items of the request the customer was shown."""
    return list(order.items.select_related("product").filter(id__in=pending["items"]))


def _quantities(pending: dict) -> dict[int, int]:
    """The quantities the customer was shown, by item id (a conversation's state keeps its keys as text)."""
    return {int(item_id): int(count) for item_id, count in (pending.get("quantities") or {}).items()}


def return_shipping(order: Order) -> str:
    """How a delivered order goes back (help: returns-and-exchanges): the free label in the EU, own shipping outside."""
    from shoppe.returns import free_return_label

    if order.status != Order.Status.DELIVERED:
        return ""
    if free_return_label(order):
        return " " + _("Return shipping is free: print your return label at %(link)s and stick it on the parcel.") \
            % {"link": return_label_path(order)}
    return " " + _("Your order was delivered outside the EU, so you arrange and pay the return shipping yourself, "
                   "with a carrier of your choice (a tracked service is best).")


def refund_file(conversation: Conversation, order: Order, pending: dict, reason: str) -> Answer:
    from support.services.refunds import (RefundAlreadyRequested, RefundNothingLeft, refund_filed_text,
                                          refund_request_file)

    try:
        refund = refund_request_file(conversation=conversation, order=order, item_ids=pending["items"], reason=reason,
                                     quantities=_quantities(pending))
    except RefundAlreadyRequested as already:  # asked for meanwhile, in another tab or on the order's page
        return refund_already_requested(order, already.requests)
    except RefundNothingLeft:  # refunded in full meanwhile (its return), or cancelled
        return refund_nothing_left(order)
    refunded = list(order.items.select_related("product").filter(id__in=[x["item_id"] for x in refund.items]))
    return Answer(
        refund_filed_text(refund=refund, items=refunded) + return_shipping(order),
        sources=refund_policy_link(),
        handoff="refund", handoff_order_id=order.id,
    )


def refund_items_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The items the customer named or numbered from the listed ones."""
    order = order_owned(conversation, pending["order"])
    # The items as the question numbered them ("2" is the second one listed).
    by_id = {i.id: i for i in order.items.all()}
    listed = [by_id[i] for i in pending.get("items") or list(by_id) if i in by_id]
    named = items_named(listed, text, by_number=True)
    reason = pending.get("reason", "")
    if named.chosen:
        return refund_confirm(order, named.chosen, reason=reason, quantities=named.quantities)
    if named.unsure:
        return refund_items_ask(order, named.unsure, reason=reason)
    if bare_yes(text):  # "yes": which items is still the question (session 33)
        return refund_items_ask(order, listed, reason=reason)
    return None


def _another_request(order: Order, pending: dict, text: str) -> bool:
    """`text` asks about another order or other items of this one: a new request, not an answer to this one's question."""
    number = order_number_search(text)
    if number and int(number.group(1)) != order.number:
        return True
    others = [i for i in order.items.all() if i.id not in pending["items"]]
    return bool(others) and bool(items_named(others, text).chosen)


def refund_confirm_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The customer's yes (perhaps with the reason after it) or no to sending the request.

    Anything else that is not a question nor about another order or item ("it arrived damaged", "Alles kam kaputt
    an") is the reason, kept with the draft, and the question asked again: nothing is sent without a yes, and the
    draft is not lost.
    """
    if NO.search(text):
        corrected = _count_corrected(conversation, pending, text)
        if corrected is not None:
            return corrected
        return Answer(_("OK, I haven't sent anything: no refund was requested for order %(number)s. "
                        "If you change your mind, just ask.") % {"number": pending["order"]})
    if wordless(text):
        order = order_owned(conversation, pending["order"])
        return asked_again(refund_confirm(order, _pending_items(order, pending), reason=pending.get("reason", ""),
                                          quantities=_quantities(pending)))
    yes = YES.match(text)
    if not yes and ("?" in text or len(text.split()) < 2):
        return None
    order = order_owned(conversation, pending["order"])
    if not yes:
        if _another_request(order, pending, text):
            return None
        items = _pending_items(order, pending)
        # "only one of them is cracked": the count said now corrects the one shown
        return refund_confirm(order, items, reason=text.strip(),
                              quantities={**_quantities(pending), **quantities_named(items, text)})
    # "yes, it arrived scratched": the words after the yes are the reason; a word or two ("ok?", "sure thing") keep
    # the one the customer gave before, if any.
    said = text[yes.end():].strip(" \t\n.,;:!?")
    stored = pending.get("reason", "")
    reason = said if len(said.split()) >= 2 or not stored else stored
    request = _request_text(conversation, pending)
    if len(reason) < 3:
        # Not asked again when the request said why in fewer words than a reason is first looked for in ("è arrivato
        # rotto": the customer was asked again, session 25's walkthrough).
        reason = reason_in_request(request, order, words=2)
        if not reason:
            return refund_reason_ask(order, pending)
    return refund_file(conversation, order, pending, _with_request(reason, request))


def _count_corrected(conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """"No, only one lamp is broken, not both": a no that says another count corrects the one shown, and the request
    is shown again to be sent (session 28's walkthrough: the no dropped it, and the customer started over)."""
    order = order_owned(conversation, pending["order"])
    items = _pending_items(order, pending)
    shown, said = _quantities(pending), quantities_named(items, text)
    if not said or all(shown.get(item_id) == count for item_id, count in said.items()):
        return None
    return refund_confirm(order, items, reason=pending.get("reason", ""), quantities={**shown, **said})


def refund_reason_reply(*, conversation: Conversation, pending: dict, text: str) -> Answer | None:
    """The reason the customer gave: the request is filed with it. A message about another order or other items
    of this one is a new request (routed afresh), not this one's reason."""
    if len(text.strip()) < 3:
        return None
    order = order_owned(conversation, pending["order"])
    if _another_request(order, pending, text):
        return None
    request = _request_text(conversation, pending)
    if YES.match(text) and len(text.split()) <= 2:  # "ok grazie", "ok thanks": no reason; "ok grazie" was filed as one
        reason = reason_in_request(request, order, words=2)
        return refund_file(conversation, order, pending, reason) if reason else refund_reason_ask(order, pending)
    return refund_file(conversation, order, pending, _with_request(text, request))


def _request_text(conversation: Conversation, pending: dict) -> str:
    """The customer's message that began this refund's exchange ("I'd like a refund, the table has a big crack")."""
    from support.models import Message

    asked_in = pending.get("asked_in")
    found = Message.objects.filter(id=asked_in, conversation=conversation).values_list("text", flat=True).first()
    return (found or "").strip()


def _with_request(reason: str, request: str) -> str:
    """The reason as the team reads it: a short one ("the table") with the request that began the exchange after it,
    when that says more (the team saw "the table" where the customer had written of a big crack in the top)."""
    if len(reason.split()) >= REASON_WORDS or len(request.split()) < REASON_WORDS or reason.lower() in request.lower():
        return reason
    return f"{reason.strip()} ({request})"
