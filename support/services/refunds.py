"""Refund requests: collected by the assistant, decided by people.

Neither the assistant nor the LLM can call `refund_decide`: it needs a staff member
with the refund permission who holds the claim on the conversation's handoff (or a
supervisor), and above REFUND_SUPERVISOR_LIMIT_EUR a second approver with the
supervisor role.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shoppe.models import NOTHING_PAID, Order, OrderItem, Refund, money
from shoppe.money import money_format
from support import events, realtime
from support.models import ORDER_PAGE, Conversation, Message, RefundDecision, RefundRequest
from support.roles import staff_name
from support.services.away import reply_email_plan
from support.services.handoff import agent_note_add, assistant_note, handoff_held_by, handoff_request
from support.services.language import ENGLISH, in_customer_language


def refund_eligibility(*, order: Order, items: list[OrderItem]) -> list[str]:
    """Why the written policy would not refund these items (empty when it would), in the active language."""
    notes = []
    if order.status == Order.Status.CANCELLED:
        notes.append(_("the order is cancelled: its payment is released automatically"))
    elif order.status in {Order.Status.PENDING_PAYMENT, Order.Status.PROCESSING, Order.Status.PACKED}:
        notes.append(_("the order has not shipped yet: it can be cancelled instead"))
    elif order.status in {Order.Status.SHIPPED, Order.Status.OUT_FOR_DELIVERY}:
        notes.append(_("the order has not been delivered yet"))
    window = timedelta(days=settings.REFUND_RETURN_WINDOW_DAYS)
    if order.delivered_at and timezone.now() - order.delivered_at > window:
        notes.append(_("delivered more than %(days)s days ago") % {"days": settings.REFUND_RETURN_WINDOW_DAYS})
    for item in items:
        if item.product.final_sale:
            notes.append(_("%(product)s is a final-sale item") % {"product": item.product.local_name})
    return notes


# A refund request that still stands for its items: waiting for a decision, or approved (a rejected one does not).
STANDING = (RefundRequest.Status.REQUESTED, RefundRequest.Status.AWAITING_SECOND, RefundRequest.Status.APPROVED)


class RefundAlreadyRequested(ValidationError):
    """Every item asked for already has a standing refund request (`requests`): the same items are never refunded twice."""

    def __init__(self, requests: list[RefundRequest]) -> None:
        super().__init__(_("These items already have a refund request: you can follow it on this page."))
        self.requests = requests


def refunded_in_full_text(order: Order) -> str:
    """The customer told that `order`'s payment has been refunded in full, in the active language."""
    return _("Order %(number)s has already been refunded in full, so there is nothing left to refund.") % {
        "number": order.number}


class RefundNothingLeft(ValidationError):
    """Nothing of the order's payment is left to refund (`refund_room`): refunded in full already, cancelled or never
    paid. A request filed for it could only be rejected. Its words are the order page's, which offers a refund for a
    shipped or delivered order only; the chat answers each case in its own words."""

    def __init__(self, order: Order) -> None:
        super().__init__(refunded_in_full_text(order))
        self.order = order


def _quantity(entry: dict, ordered: int) -> int:
    """How many of its item a stored refund entry asks for: a request filed before quantities holds the whole line."""
    return int(entry.get("quantity") or ordered)


def refund_quantities_left(order: Order, *, exclude_id: int | None = None) -> dict[int, int]:
    """How many of each of the order's items no standing refund request holds yet (bought, less those asked for or
    refunded), by item id; `exclude_id`: leaving that request out (what its own quantity may become)."""
    left = {item.id: item.quantity for item in order.items.all()}
    bought = dict(left)
    for refund in order.refund_requests.filter(status__in=STANDING).exclude(id=exclude_id):
        for entry in refund.items:
            if entry.get("item_id") in left:
                left[entry["item_id"]] -= _quantity(entry, bought[entry["item_id"]])
    return {item_id: max(count, 0) for item_id, count in left.items()}


def refunds_standing(order: Order) -> dict[int, RefundRequest]:
    """The order's items that standing refund requests hold whole (none is left to ask for), by item id, with the
    (oldest) request. One mug of two asked for leaves the other to ask for."""
    left = refund_quantities_left(order)
    standing: dict[int, RefundRequest] = {}
    for refund in order.refund_requests.filter(status__in=STANDING).order_by("created_at"):
        for item in refund.items:
            if left.get(item.get("item_id"), 0) == 0:
                standing.setdefault(item.get("item_id"), refund)
    return standing


def refund_counts(items: list[OrderItem], left: dict[int, int], quantities: dict[int, int] | None = None
                  ) -> dict[int, int]:
    """How many of each of `items` a request asks for, by item id: what the customer said (`quantities`), else all
    that is left (`refund_quantities_left`); at least one and never more than is left (the whole line where none is:
    filing refuses that item)."""
    quantities = quantities or {}
    return {i.id: max(1, min(quantities.get(i.id) or left.get(i.id) or i.quantity, left.get(i.id) or i.quantity))
            for i in items}


def refund_amount(items: list[OrderItem], counts: dict[int, int]) -> Decimal:
    """What refunding `counts` of `items` (by item id, from `refund_counts`) comes to: the one formula the chat's
    read-back and the filed request share."""
    return sum((i.unit_price * counts[i.id] for i in items), Decimal("0.00"))


def refund_line(*, name: str, quantity: int, ordered: int) -> str:
    """An item of a refund as the customer and staff read it: "2 × Ceramic mug" for the whole line, "1 of 2 × Ceramic
    mug" for part of it."""
    if quantity >= ordered:
        return f"{ordered} × {name}"
    return _("%(quantity)s of %(ordered)s × %(product)s") % {"quantity": quantity, "ordered": ordered, "product": name}


def refund_lines(refund: RefundRequest, *, whole_counted: bool = True) -> str:
    """The refund's items with their quantities, named in the active language ("1 of 2 × Keramikbecher");
    `whole_counted=False`: a whole line by its name alone ("Oak dining table", as the order's page lists them)."""
    lines = {item.id: item for item in refund.order.items.select_related("product")}
    shown = []
    for entry in refund.items:
        line = lines.get(entry.get("item_id"))
        ordered = line.quantity if line else int(entry.get("ordered") or entry.get("quantity") or 1)
        name, quantity = line.product.local_name if line else entry.get("product", ""), _quantity(entry, ordered)
        shown.append(name if quantity >= ordered and not whole_counted
                     else refund_line(name=name, quantity=quantity, ordered=ordered))
    return ", ".join(shown)


def refund_request_file(*, conversation: Conversation, order: Order, item_ids: list[int], reason: str,
                        quantities: dict[int, int] | None = None, within_room: bool = False) -> RefundRequest:
    """File a request for the items asked for that have some left to ask for; RefundAlreadyRequested when none has
    (a second tab, a double click, or asking again in the chat after an approval).

    `quantities`: how many of an item the customer asked for, by item id ("one of the two mugs"); an item not in it
    is asked for whole, as many as are left. Never more than are left: bought, less those already asked for.

    Never for more than the order's payment has left (`refund_room`): RefundNothingLeft when nothing is (refunded in
    full by its return, say: it could only be rejected). A customer's request for more than is left is filed with a
    note for staff saying how much is (approving is capped: `refund_decide`); `within_room`, as staff file in the
    console for an amount they agreed, it is refused with refund_room_check's words. Refused, nothing is written.
    """
    quantities = {int(item_id): int(count) for item_id, count in (quantities or {}).items()}
    with transaction.atomic():
        Order.objects.select_for_update().filter(id=order.id).first()  # two requests at once: one after the other
        left = refund_quantities_left(order)
        # Exactly the items the customer confirmed: never the whole order in their place (#15 item 1).
        asked = list(order.items.select_related("product").filter(id__in=item_ids))
        if not asked:
            raise ValueError(f"none of the items {item_ids} is on order {order.number}")
        items = [i for i in asked if left.get(i.id, 0) > 0]
        if not items:
            standing = refunds_standing(order)
            raise RefundAlreadyRequested(list(dict.fromkeys(standing[i.id] for i in asked if i.id in standing)))
        counts = refund_counts(items, left, quantities)
        amount = refund_amount(items, counts)
        room = refund_room(order)
        if amount > room and within_room:
            raise refund_room_refusal(order, amount, room)
        if not room:
            raise RefundNothingLeft(order)
        with translation.override(ENGLISH):  # the notes staff read in the console
            notes = refund_eligibility(order=order, items=items)
        if amount > room:  # the person deciding sees it before approving, which is refused beyond it
            notes.append(f"only {money_format(room, order.currency, ENGLISH)} of what was paid is left to refund "
                         f"({money_format(amount, order.currency, ENGLISH)} asked): approving more is refused")
        refund = RefundRequest.objects.create(
            conversation=conversation, order=order, reason=reason.strip()[:2000], currency=order.currency,
            items=[{"item_id": i.id, "product": i.product.name, "quantity": counts[i.id], "ordered": i.quantity,
                    "unit_price": str(i.unit_price), "amount": str(i.unit_price * counts[i.id])} for i in items],
            amount=amount, eligible=not notes, eligibility_notes=notes,
        )
    # A console with the conversation open shows it at once (an agent holding the chat used to see the assistant's
    # "I've filed a refund request" and an empty refunds panel until they opened the chat again).
    transaction.on_commit(lambda: realtime.staff_send(refund.conversation_id,
                                                      events.refund_updated(refund=refund_serialize(refund))))
    return refund


def refund_filed_text(*, refund: RefundRequest, items: list[OrderItem]) -> str:
    """What the assistant tells the customer once their request is filed, in the chat or from the order's page.

    The request stores the English names and notes, for staff; the customer reads them in the active language.
    """
    notes = refund_eligibility(order=refund.order, items=items)
    values = {"items": refund_lines(refund), "number": refund.order.number,
              "amount": money(refund.amount, refund.currency), "notes": "; ".join(notes)}
    if notes:
        return _("Thanks. I've filed a refund request for %(items)s from order %(number)s (%(amount)s). Note that "
                 "under our policy %(notes)s, but our team will look at your case. Refunds are decided by a member "
                 "of our support team, who will reply right here.") % values
    return _("Thanks. I've filed a refund request for %(items)s from order %(number)s (%(amount)s). Refunds are "
             "decided by a member of our support team, who will reply right here.") % values


def refund_customer_tell(refund: RefundRequest, text: str, intent: str = "refund_decision") -> None:
    """A line to the customer about their refund, in the chat, and emailed to a customer who left it."""
    assistant_note(conversation_id=refund.conversation_id, text=text, intent=intent)
    reply_email_plan(conversation_id=refund.conversation_id)  # a decision reaches a customer who left, too


def refund_serialize(refund: RefundRequest) -> dict:
    """A refund as the console shows it; amounts also as staff read them (`*_text`, formatted here once:
    the console, in English, shows them as they come)."""
    def shown(amount: Decimal | str) -> str:
        return money_format(amount, refund.currency, ENGLISH)

    bought = dict(refund.order.items.values_list("id", "quantity"))
    left = refund_quantities_left(refund.order, exclude_id=refund.id)

    def item_shown(item: dict) -> dict:
        # "1 of 2 × Ceramic mug", and how many it may ask for at most: bought, less the order's other requests
        ordered = bought.get(item.get("item_id")) or int(item.get("ordered") or item.get("quantity") or 1)
        quantity = _quantity(item, ordered)
        with translation.override(ENGLISH):  # the console reads English, whatever the customer's chat speaks
            line_text = refund_line(name=item.get("product", ""), quantity=quantity, ordered=ordered)
        return {**item, "quantity": quantity, "ordered": ordered, "max_quantity": left.get(item.get("item_id"), 0),
                "line_text": line_text,
                **({"amount_text": shown(item["amount"])} if "amount" in item else {})}

    return {"id": refund.id, "order": refund.order.number, "amount": str(refund.amount), "currency": refund.currency,
            "amount_text": shown(refund.amount),
            # (an item without its amount, as some older requests have, shows none)
            "items": [item_shown(item) for item in refund.items],
            "reason": refund.reason, "eligible": refund.eligible,
            "eligibility_notes": refund.eligibility_notes, "status": refund.status,
            "status_label": refund.get_status_display(),
            "needs_supervisor": needs_supervisor(refund),
            "conversation_id": str(refund.conversation_id),
            "decisions": [{"by": staff_name(d.decided_by), "verdict": d.verdict, "amount": str(d.amount),
                           "amount_text": shown(d.amount),
                           "note": d.note, "at": d.created_at.isoformat()} for d in refund.decisions.select_related("decided_by")]}


def refund_awaiting_serialize(refund: RefundRequest) -> dict:
    """A refund in the supervisors' queue: the refund, whose it is and since when it waits."""
    customer = refund.conversation.customer
    first = refund.decisions.filter(verdict=RefundDecision.Verdict.APPROVE).order_by("created_at").last()
    return {**refund_serialize(refund),
            "customer": (customer.get_full_name() or customer.get_username()) if customer else "Visitor",
            "waiting_since": (first.created_at if first else refund.created_at).isoformat()}


def refunds_awaiting_supervisor() -> list[dict]:
    """Refunds with a first approval that wait for a supervisor's second, oldest first (the console's queue)."""
    waiting = (RefundRequest.objects.filter(status=RefundRequest.Status.AWAITING_SECOND)
               .select_related("order", "conversation__customer").order_by("created_at")[:200])
    return [refund_awaiting_serialize(r) for r in waiting]


def refund_room(order: Order, *, exclude_id: int | None = None) -> Decimal:
    """What is left of the order's payment to refund: its total, less the refunds on record that are not rejected
    (its returns' and the approved requests') and the requests waiting for a supervisor's approval (`exclude_id`
    left out); nothing when it was cancelled or never paid. An order is never refunded more than was paid for it
    (session 30's security probe: a returned order refunded in full was refunded again from the console, EUR 2,376.80
    for EUR 1,642.85 paid)."""
    if order.status in NOTHING_PAID:
        return Decimal("0.00")
    on_record = (Refund.objects.filter(order_id=order.id).exclude(status=Refund.Status.REJECTED)
                 .aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))
    awaiting = (RefundRequest.objects.filter(order_id=order.id, status=RefundRequest.Status.AWAITING_SECOND)
                .exclude(id=exclude_id).aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))
    return max(order.total - on_record - awaiting, Decimal("0.00"))


def refund_room_refusal(order: Order, amount: Decimal, room: Decimal) -> ValidationError:
    """Why refunding `amount` is refused with `room` left of the order's payment (in English, for staff)."""
    said = {"number": order.number, "amount": money_format(amount, order.currency, ENGLISH),
            "room": money_format(room, order.currency, ENGLISH)}
    return ValidationError("Order %(number)s can be refunded at most %(room)s more (what was paid, less what is "
                           "refunded or awaiting approval, nothing for a cancelled or unpaid order): %(amount)s "
                           "is more." % said)


def refund_room_check(order: Order, amount: Decimal, *, exclude_id: int | None = None) -> None:
    """ValidationError (in English, for staff) when refunding `amount` would refund the order more than was paid."""
    room = refund_room(order, exclude_id=exclude_id)
    if amount > room:
        raise refund_room_refusal(order, amount, room)


def needs_supervisor(refund: RefundRequest) -> bool:
    """Whether approving `refund` needs a supervisor's second approval: the order's refunds approved or awaiting a
    supervisor, with this one, come to more than REFUND_SUPERVISOR_LIMIT_EUR. Counted per order, not per request: a
    customer may file one request per item, and two of €148 and €179 were approved by one agent alone (session 27's
    security probe)."""
    others = (RefundRequest.objects.filter(order_id=refund.order_id, status__in=(RefundRequest.Status.APPROVED,
                                                                                 RefundRequest.Status.AWAITING_SECOND))
              .exclude(id=refund.id).aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))
    return refund.amount + others > Decimal(str(settings.REFUND_SUPERVISOR_LIMIT_EUR))


def refund_decide(*, refund_id: int, user: AbstractBaseUser, approve: bool, note: str = "") -> RefundRequest:
    """Approve or reject, recording who, when, what amount and why."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("support.decide_refund")):
        raise PermissionDenied("You can't decide refunds.")
    if not approve and not note.strip():
        raise ValidationError("A rejection needs a note for the customer.")
    with transaction.atomic():
        refund = RefundRequest.objects.select_for_update().select_related("order").get(id=refund_id)
        was_awaiting = refund.status == RefundRequest.Status.AWAITING_SECOND
        # The agent working the conversation decides its refund, not any agent who happens by.
        if not handoff_held_by(conversation_id=refund.conversation_id, agent=user):
            raise PermissionDenied("Claim the conversation before deciding its refund.")
        if refund.status in {RefundRequest.Status.APPROVED, RefundRequest.Status.REJECTED}:
            raise ValidationError("This refund was already decided.")
        Order.objects.select_for_update().filter(id=refund.order_id).first()  # two of its refunds decided at once
        large = needs_supervisor(refund)
        earlier = list(refund.decisions.filter(verdict=RefundDecision.Verdict.APPROVE).values_list("decided_by_id", flat=True))
        if approve and refund.status == RefundRequest.Status.AWAITING_SECOND:
            if not user.has_perm("support.decide_large_refund"):
                raise PermissionDenied("A supervisor must give the second approval.")
            if user.pk in earlier:
                raise PermissionDenied("The second approval must come from someone else.")
        if approve:  # who may decide is said first; then whether the order's payment has room for it
            refund_room_check(refund.order, refund.amount, exclude_id=refund.id)
        RefundDecision.objects.create(refund_request=refund, decided_by=user, amount=refund.amount, note=note.strip(),
                                      verdict=RefundDecision.Verdict.APPROVE if approve else RefundDecision.Verdict.REJECT)
        if not approve:
            refund.status = RefundRequest.Status.REJECTED
        elif large and refund.status == RefundRequest.Status.REQUESTED:
            refund.status = RefundRequest.Status.AWAITING_SECOND
        else:
            refund.status = RefundRequest.Status.APPROVED
            Refund.objects.create(order=refund.order, amount=refund.amount, currency=refund.currency,
                                  status=Refund.Status.APPROVED, reason=refund.reason, decided_at=timezone.now())
        refund.save(update_fields=["status"])
    with in_customer_language(refund.conversation_id):
        # The amount as the customer's language writes it (689,00 € in German), not as the deciding agent's does.
        values = {"amount": money(refund.amount, refund.currency), "number": refund.order.number,
                  "name": staff_name(user), "note": note.strip(), "items": refund_lines(refund)}
        if refund.status == RefundRequest.Status.APPROVED:
            # Named: staff decided it, though the assistant passes it on (the customer must not think a bot approved).
            # With what it is for: "1 of 2 × Ceramic mug" (the email of a customer who left says it too).
            refund_customer_tell(refund, _("Good news: %(name)s from our team approved your refund of %(amount)s "
                                           "for %(items)s from order %(number)s. It reaches your original payment "
                                           "method within 5 business days.") % values)
        elif refund.status == RefundRequest.Status.REJECTED:
            refund_customer_tell(refund, _("About your refund request for order %(number)s: our team could not "
                                           "approve it. %(note)s") % values)
        else:  # a first approval above the limit: the customer knows what is pending and that they will hear here
            refund_customer_tell(refund, _("Your refund of %(amount)s for order %(number)s is approved by %(name)s "
                                           "and is waiting for a second approval by a supervisor. We'll message you "
                                           "here as soon as they decide.") % values, intent="refund_pending")
    realtime.staff_send(refund.conversation_id, events.refund_updated(refund=refund_serialize(refund)))
    if was_awaiting or refund.status == RefundRequest.Status.AWAITING_SECOND:
        # Every console: the supervisors' queue and its badge gain or lose this refund.
        refund = RefundRequest.objects.select_related("order", "conversation__customer").get(id=refund.id)
        realtime.console_send(events.refund_awaiting(refund=refund_awaiting_serialize(refund)))
    return refund


def refund_quantity_limit_text(line: OrderItem, most: int) -> str:
    """Why staff may not ask for that many of `line`: at most `most` are left (bought, less the order's other standing
    requests). For staff: English, whatever the customer's chat speaks."""
    others = line.quantity - most
    return (f"At most {most} of {line.quantity} × {line.product.name} can be refunded"
            + (f" ({others} already asked for or refunded)." if others else "."))


def refund_quantity_set(*, refund_id: int, item_id: int, quantity: int, user: AbstractBaseUser) -> RefundRequest:
    """Staff correct how many of an item a refund request asks for, before its first decision: the customer's words
    were read wrong, or they said more in the chat. From 1 to what was bought less the order's other standing
    requests; the amount follows (unit price times the quantity), and a note in the conversation says who changed
    what."""
    if not (user.is_authenticated and user.is_staff and user.has_perm("support.decide_refund")):
        raise PermissionDenied("You can't change refunds.")
    with transaction.atomic():
        refund = RefundRequest.objects.select_for_update().select_related("order").get(id=refund_id)
        if not handoff_held_by(conversation_id=refund.conversation_id, agent=user):
            raise PermissionDenied("Claim the conversation before changing its refund.")
        if refund.status != RefundRequest.Status.REQUESTED:  # an approval was given for the amount it had
            raise ValidationError("Only a refund waiting for its first decision can change.")
        Order.objects.select_for_update().filter(id=refund.order_id).first()  # the order's other requests stay put
        entry = next((e for e in refund.items if e.get("item_id") == item_id), None)
        if entry is None:
            raise ValidationError("That item is not in this refund.")
        line = refund.order.items.select_related("product").get(id=item_id)
        most = refund_quantities_left(refund.order, exclude_id=refund.id).get(item_id, 0)
        if not 1 <= quantity <= most:
            raise ValidationError(f"{refund_quantity_limit_text(line, most)} To refund none, reject the request.")
        was, was_amount = _quantity(entry, line.quantity), refund.amount
        entry.update(quantity=quantity, ordered=line.quantity, unit_price=str(line.unit_price),
                     amount=str(line.unit_price * quantity))
        refund.amount = was_amount + line.unit_price * (quantity - was)
        refund.save(update_fields=["items", "amount"])
        agent_note_add(conversation_id=refund.conversation_id, agent=user,
                       text=f"Refund on order {refund.order.number}: {line.product.name} changed from {was} to "
                            f"{quantity} of {line.quantity} ({money_format(was_amount, refund.currency, ENGLISH)} -> "
                            f"{money_format(refund.amount, refund.currency, ENGLISH)}).")
    realtime.staff_send(refund.conversation_id, events.refund_updated(refund=refund_serialize(refund)))
    return refund


def refund_request_from_order_page(*, user: AbstractBaseUser, session: SessionBase, order: Order, item_ids: list[int],
                                   reason: str, quantities: dict[int, int] | None = None) -> RefundRequest:
    """A refund asked for on the order's page in My orders: filed and handed to staff exactly as the chat files it.

    It goes into the customer's chat conversation (the one their widget opens), as their message
    and the assistant's reply, so staff see it in the console's queue and answer the customer
    where the chat's refunds are answered. Nothing is approved here: people decide.
    """
    from support.selectors import conversation_has_ended
    from support.services.conversations import conversation_follow, conversation_for_socket, conversation_next

    conversation = conversation_for_socket(user=user, session=session)
    if conversation_has_ended(conversation_id=conversation.id):  # resolved or idle: the request starts the next one
        conversation = conversation_next(previous_id=conversation.id)
        conversation_follow(session=session, conversation_id=conversation.id)
    items = list(order.items.select_related("product").filter(id__in=item_ids))
    if not items:
        raise ValidationError("Choose at least one item to refund.")
    if len(reason.strip()) < 3:
        raise ValidationError("Please tell us why you'd like a refund.")
    with transaction.atomic():
        refund = refund_request_file(conversation=conversation, order=order, item_ids=[i.id for i in items],
                                     reason=reason, quantities=quantities)
        with translation.override(ENGLISH):  # what was filed, as staff read it: "1 of 2 × Ceramic mug"
            listing = refund_lines(refund)
        asked = Message.objects.create(
            conversation=conversation, author=Message.Author.CUSTOMER, status=Message.Status.ANSWERED,
            client_id=uuid.uuid4(), route=Message.Route.HUMAN, intent="get_refund", reason=ORDER_PAGE,
            text=f"Refund request from My orders, order {order.number}: {listing}. Reason: {reason.strip()}")
    filed_items = [i for i in items if i.id in {x["item_id"] for x in refund.items}]
    filed = refund_filed_text(refund=refund, items=filed_items)  # in the page's language, for the customer
    assistant_note(conversation_id=conversation.id, text=filed, intent="get_refund")
    handoff_request(conversation_id=conversation.id, reason="refund", message="", trigger_message_id=asked.id,
                    intent="get_refund", order_id=order.id)
    return refund
