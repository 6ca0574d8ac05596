"""Opening a conversation for a socket and saving what the customer sends."""
from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from support import realtime
from support.db import commits_without_waiting_for_disk
from support.models import Conversation, CustomerSocket, Handoff, InternalNote, Message, RefundRequest
from support.selectors import conversation_ended_q, conversation_has_ended, link_owner_holds
from support.services.proofs import conversation_address_remember, proofs_belong_to, state_for_new_owner

log = logging.getLogger(__name__)

SESSION_KEY = "chat_conversation_id"
# A visitor's conversation this browser opened from a reply email's link (support/chat_session.py
# `chat_return`), not one it started: signing in never adopts it into the account.
LINKED_KEY = "chat_conversation_from_link"
# The secret of the browser a visitor's reply link was opened in (Conversation.link_owner).
LINK_OWNER_KEY = "chat_link_owner"


def conversation_owned_by(conversation: Conversation, *, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> bool:
    if conversation.customer_id is not None:
        return user.is_authenticated and conversation.customer_id == user.pk
    return _visitors(conversation, session)


def _visitors(conversation: Conversation, session: SessionBase) -> bool:
    """An anonymous conversation belongs to the browser session that started it, or, once its reply link was
    opened in another browser, to that browser only (`reply_link_owner_take`)."""
    if session.get(SESSION_KEY) != str(conversation.id):
        return False
    return link_owner_holds(conversation.link_owner, session.get(LINK_OWNER_KEY, ""))


def reply_link_owner_take(conversation: Conversation, *, session: SessionBase) -> None:
    """A visitor's reply link opened in a browser that did not start the conversation: that browser alone owns it.

    The link went to the address the visitor gave, which may be someone else's: from now on whoever started
    the chat (their open sockets close, `realtime.conversation_adopted`) cannot read what the person holding
    the link asks, such as the order they then prove, or act on it. This browser does not take the
    conversation into an account when it signs in (`LINKED_KEY`).
    """
    owner = secrets.token_urlsafe(24)
    state = state_for_new_owner(conversation.state)  # what the starter proved stays the starter's
    Conversation.objects.filter(id=conversation.id).update(link_owner=owner, state=state)
    conversation.link_owner, conversation.state = owner, state
    session[SESSION_KEY] = str(conversation.id)
    session[LINK_OWNER_KEY] = owner
    session[LINKED_KEY] = str(conversation.id)
    realtime.conversation_adopted(conversation.id)


def conversation_for_socket(
    *, user: AbstractBaseUser | AnonymousUser, session: SessionBase, requested_id: str | None = None,
    address: str = "",
) -> Conversation:
    """The conversation a new socket joins.

    A signed-in customer continues their latest conversation on any device; an anonymous
    visitor continues the one of their browser session. An ended one is joined too: the
    customer sees it, and their next question starts the next one (`message_receive`). Signing in adopts
    the conversation the visitor started before, unless it holds an order someone else
    proved (`_adopted`). Asking for someone else's conversation raises PermissionDenied.
    `address` is the socket's client address: failed order proofs also count against it.
    """
    if requested_id:
        try:
            conversation = Conversation.objects.get(id=uuid.UUID(requested_id))
        except (ValueError, Conversation.DoesNotExist):
            raise PermissionDenied("no such conversation") from None
        if not conversation_owned_by(conversation, user=user, session=session):
            raise PermissionDenied("not your conversation")
        if conversation.customer_id is None and user.is_authenticated and _adopted(conversation, user=user, session=session) is None:
            raise PermissionDenied("the visitor's conversation holds someone else's orders")
        if user.is_authenticated and conversation_has_ended(conversation_id=conversation.id):
            conversation = _gone_on_elsewhere(conversation, user=user) or conversation
    else:
        with commits_without_waiting_for_disk():  # a new conversation or session is cheap to make again
            conversation = _conversation_find_or_start(user=user, session=session)
    if address:
        conversation_address_remember(conversation_id=conversation.id, address=address)
    return conversation


def _gone_on_elsewhere(ended: Conversation, *, user: AbstractBaseUser) -> Conversation | None:
    """The account's conversation after `ended` (closed or left idle: `conversation_ended_q`) that has not ended, one
    with the team first, or None.

    A widget asks for the conversation it followed; meanwhile the customer may have gone on in another on another
    device, where the team answered and decided their refund. Shown the ended one, they saw an empty "New
    conversation" and none of it (session 23's walkthrough)."""
    later = (Conversation.objects.filter(customer_id=user.pk, updated_at__gt=ended.updated_at)
             .exclude(conversation_ended_q()).order_by("-updated_at"))
    return _latest_with_team(later) or later.first()


def _latest_with_team(conversations: QuerySet[Conversation]) -> Conversation | None:
    """The most recently active of `conversations` that waits for the team or is with them."""
    return (conversations.filter(status__in=[Conversation.Status.WAITING, Conversation.Status.WITH_AGENT])
            .order_by("-updated_at").first())


def _adopted(conversation: Conversation, *, user: AbstractBaseUser, session: SessionBase) -> Conversation | None:
    """The visitor's conversation, now `user`'s; None when it holds orders proved that are not theirs,
    or when this browser opened it from an emailed link rather than started it.

    On a shared computer the next person to sign in must not inherit a stranger's order
    details (#13): such a conversation stays anonymous, and with the session pointing
    elsewhere from now on, nobody can reach it from this browser again. A conversation opened
    from a link may still be open in the sockets of whoever the link came from: adopted, they
    would read the account's orders in its replies. The visitor's own sockets close on
    adoption (`realtime.conversation_adopted`).
    """
    if session.get(LINKED_KEY) == str(conversation.id):
        log.info("not adopting conversation %s on sign-in: this browser opened it from a reply link", conversation.id)
        return None
    if not _visitors(conversation, session):
        log.info("not adopting conversation %s on sign-in: its reply link moved it to another browser", conversation.id)
        return None
    if not proofs_belong_to(conversation=conversation, user=user):
        log.info("not adopting conversation %s on sign-in: it holds orders another person proved", conversation.id)
        return None
    conversation.customer_id = user.pk
    # The visitor's address for the team's replies is theirs, not the account's: on a shared computer the
    # replies about this customer's orders would go to whoever used the browser before (away.py `reply_address`).
    conversation.notify_email = ""
    pending = conversation.state.get("pending") or {}
    if pending.get("kind") == "notify_email":
        conversation.state = {key: value for key, value in conversation.state.items() if key != "pending"}
    conversation.save(update_fields=["customer", "notify_email", "state"])
    realtime.conversation_adopted(conversation.id)
    return conversation


def _latest_in_line(conversation: Conversation) -> Conversation:
    """The conversation that `conversation` led to, when the customer has since started another."""
    for _ in range(50):  # a bounded walk: each conversation has at most one successor
        successor = _successor(conversation)
        if successor is None or successor.link_owner != conversation.link_owner:
            break
        conversation = successor
    return conversation


def _successor(conversation: Conversation) -> Conversation | None:
    """The conversation the next question after `conversation` started, if one did.

    The callers continue into it only while it has the same owner (`link_owner`) as `conversation`: a visitor's chat
    that ended, went on in their next one, and was then taken over by its reply link in another browser (the link
    went to an address the visitor typed, maybe someone else's) leads that browser to a conversation of its own, not
    into the visitor's next one, which both browsers then shared with the orders proved in it (session 29)."""
    return Conversation.objects.filter(previous_id=conversation.id).first()


def _conversation_find_or_start(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> Conversation:
    conversation = None
    session_conversation_id = session.get(SESSION_KEY)
    if session_conversation_id:
        conversation = Conversation.objects.filter(id=session_conversation_id).first()
        if conversation and conversation.customer_id is None and user.is_authenticated:
            # The visitor signed in (login keeps the session's data): the conversation is now theirs,
            # or, when it holds someone else's orders, they start afresh. One in which nothing was said
            # (the chat reopened by itself on the page signing out left) is not taken: adopted, it would
            # be the account's newest and hide the conversation the customer is in, a handoff waiting, say.
            said = conversation.messages.exists()
            conversation = _adopted(conversation, user=user, session=session) if said else None
        elif conversation and not conversation_owned_by(conversation, user=user, session=session):
            conversation = None
    if conversation is not None:
        # Another tab of this browser may have started the next conversation since.
        conversation = _latest_in_line(conversation)
    if user.is_authenticated:
        # On any device, the account's most recent conversation: an ended one too (the widget shows it
        # above a "New conversation" line; the next question starts the new one, see message_receive).
        mine = Conversation.objects.filter(customer_id=user.pk)
        latest = mine.order_by("-updated_at").first()
        if latest is not None and (conversation is None or latest.updated_at > conversation.updated_at):
            conversation = latest
        # But a conversation waiting for the team or with them comes first: a visitor's chat adopted at sign-in
        # is newer, and the team's replies would go where the customer no longer looks.
        if conversation is not None and conversation.status == Conversation.Status.BOT:
            conversation = _latest_with_team(mine) or conversation
    if conversation is None:
        conversation = Conversation.objects.create(customer_id=user.pk if user.is_authenticated else None)
    if session.get(SESSION_KEY) != str(conversation.id):
        session[SESSION_KEY] = str(conversation.id)
        # Saved only for a browser that holds the session: a socket cannot set a cookie, so one opened without a live
        # session (no cookie, or an expired one) would leave a stored session per connection that nothing can read.
        # Its conversation is kept in the socket's copy, for the socket's life (a visitor who refused cookies).
        if session.session_key:
            session.save()
    return conversation


def conversation_follow(*, session: SessionBase, conversation_id: uuid.UUID, address: str = "") -> None:
    """A socket moved on to the next conversation: the browser's session points at it from now on.

    For a visitor this is what makes it theirs (`_owned_by`); a reload opens it, not the ended one.
    The session is read afresh: the socket's copy is as old as the socket, and saving it would
    undo what the pages did since (a cart filled in another tab).
    """
    if session.session_key:
        fresh = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)
        if fresh.get(SESSION_KEY) != str(conversation_id):
            fresh[SESSION_KEY] = str(conversation_id)
            fresh.save()
    session[SESSION_KEY] = str(conversation_id)  # the socket's copy agrees, without being saved
    if address:
        conversation_address_remember(conversation_id=conversation_id, address=address)


def conversation_next(*, previous_id: uuid.UUID) -> Conversation:
    """The conversation after an ended one, started once however many sockets ask at the same moment.

    The ended one is closed (if staff had not already). An idle conversation in which nothing was
    ever said (the chat was opened, then left) is simply used again.
    """
    now = timezone.now()
    with transaction.atomic():
        previous = Conversation.objects.select_for_update().get(id=previous_id)
        successor = _successor(previous)
        if successor is not None and successor.link_owner == previous.link_owner:
            return successor
        if successor is not None:  # someone else's next conversation (`_successor`): one of its own, outside the line
            return Conversation.objects.create(customer_id=previous.customer_id, link_owner=previous.link_owner,
                                               created_at=now, updated_at=now)
        if previous.status == Conversation.Status.BOT and not previous.messages.exists():
            previous.updated_at = now
            previous.save(update_fields=["updated_at"])
            return previous
        Conversation.objects.filter(id=previous_id).exclude(status=Conversation.Status.CLOSED).update(
            status=Conversation.Status.CLOSED, closed_at=now)
        try:
            with transaction.atomic():  # the one-successor constraint settles a race the row lock did not (SQLite)
                return Conversation.objects.create(customer_id=previous.customer_id, link_owner=previous.link_owner,
                                                   previous=previous, created_at=now, updated_at=now)
        except IntegrityError:
            return Conversation.objects.get(previous_id=previous_id)


def empty_conversations_delete(*, batch: int = 500) -> int:
    """Delete the visitors' conversations in which nothing happened, once they have ended; how many.

    A chat socket joins a conversation as it opens, before a word is said (the widget needs its id at once, for a
    photo, say), so every chat opened and left, and every socket a script opens without a cookie (session 30's
    probe), leaves one. Such a conversation is taken up again by its browser while it is fresh, and started afresh
    once it has ended (`conversation_next`), so one that has been idle for CONVERSATION_IDLE_HOURS with no socket
    open on it loses nothing: the browser whose session still names it gets a new one. Conversations of accounts
    are left alone (an account goes back to its latest, so it has few). A widget's device report stays, without its
    conversation, for ops (`DeviceStatus.conversation`).
    """
    now = timezone.now()
    ended = now - timedelta(hours=settings.CONVERSATION_IDLE_HOURS)
    empty = (Conversation.objects.filter(customer__isnull=True, status=Conversation.Status.BOT, updated_at__lt=ended)
             .exclude(Exists(Message.objects.filter(conversation=OuterRef("pk"))))
             .exclude(Exists(Handoff.objects.filter(conversation=OuterRef("pk"))))
             .exclude(Exists(RefundRequest.objects.filter(conversation=OuterRef("pk"))))
             .exclude(Exists(InternalNote.objects.filter(conversation=OuterRef("pk"))))
             .exclude(Exists(CustomerSocket.objects.filter(conversation=OuterRef("pk"), alive_until__gte=now))))
    deleted = 0
    while ids := list(empty.order_by("updated_at").values_list("id", flat=True)[:batch]):
        # The conditions are checked again as the batch is deleted: a socket may have joined one meanwhile.
        deleted += empty.filter(id__in=ids).delete()[1].get(Conversation._meta.label, 0)
        if len(ids) < batch:
            break
    return deleted


class _Ended(Exception):
    """The conversation a message was sent to is over."""


def message_receive(*, conversation_id: uuid.UUID, text: str, client_id: uuid.UUID) -> tuple[Message, bool]:
    """Save a customer message before anything else happens to it.

    Returns the message and whether it is new: a resend with a `client_id` already
    seen returns the saved message, so a reconnecting widget never duplicates one.

    A conversation that has ended (resolved, or idle: `conversation_ended_q`) takes no new
    question: the message starts the next conversation (`conversation_next`), and its
    `conversation_id` tells the caller to follow it there.
    """
    try:
        return _message_insert(conversation_id=conversation_id, text=text, client_id=client_id)
    except _Ended:
        successor = conversation_next(previous_id=conversation_id)
        log.info("conversation %s has ended; the customer's message starts %s", conversation_id, successor.id)
        return _message_insert(conversation_id=successor.id, text=text, client_id=client_id)


def _message_insert(*, conversation_id: uuid.UUID, text: str, client_id: uuid.UUID) -> tuple[Message, bool]:
    now = timezone.now()
    try:  # insert first: a resend is rare, and the unique (conversation, client_id) constraint catches it
        with transaction.atomic():
            message = Message.objects.create(
                conversation_id=conversation_id,
                author=Message.Author.CUSTOMER,
                text=text,
                client_id=client_id,
                status=Message.Status.RECEIVED,
                created_at=now,
            )
            # One statement both marks the activity and checks the conversation still takes messages.
            # Writing, the customer is looking at the chat: what the team sent before is seen.
            still_open = Conversation.objects.filter(id=conversation_id).exclude(conversation_ended_q(now))
            if not still_open.update(updated_at=now, customer_seen_at=now):
                raise _Ended(conversation_id)  # rolls the insert back
    except IntegrityError:
        # A resend, or two sockets of the same conversation resending the same message at once.
        return Message.objects.get(conversation_id=conversation_id, client_id=client_id), False
    return message, True
