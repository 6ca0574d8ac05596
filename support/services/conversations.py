"""Opening a conversation for a socket and saving what the customer sends."""
from __future__ import annotations

import logging
import uuid

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from support.db import commits_without_waiting_for_disk
from support.models import Conversation, Message
from support.services.proofs import conversation_address_remember, proofs_belong_to

log = logging.getLogger(__name__)

SESSION_KEY = "chat_conversation_id"


def conversation_owned_by(conversation: Conversation, *, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> bool:
    if conversation.customer_id is not None:
        return user.is_authenticated and conversation.customer_id == user.pk
    # An anonymous conversation belongs to the browser session that started it.
    return session.get(SESSION_KEY) == str(conversation.id)


def conversation_for_socket(
    *, user: AbstractBaseUser | AnonymousUser, session: SessionBase, requested_id: str | None = None,
    address: str = "",
) -> Conversation:
    """The conversation a new socket joins.

    A signed-in customer continues their latest open conversation on any device; an
    anonymous visitor continues the one of their browser session. Signing in adopts
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
        if conversation.customer_id is None and user.is_authenticated and _adopted(conversation, user=user) is None:
            raise PermissionDenied("the visitor's conversation holds someone else's orders")
    else:
        with commits_without_waiting_for_disk():  # a new conversation or session is cheap to make again
            conversation = _conversation_find_or_start(user=user, session=session)
    if address:
        conversation_address_remember(conversation_id=conversation.id, address=address)
    return conversation


def _adopted(conversation: Conversation, *, user: AbstractBaseUser) -> Conversation | None:
    """The visitor's conversation, now `user`'s; None when it holds orders proved that are not theirs.

    On a shared computer the next person to sign in must not inherit a stranger's order
    details (#13): such a conversation stays anonymous, and with the session pointing
    elsewhere from now on, nobody can reach it from this browser again.
    """
    if not proofs_belong_to(conversation=conversation, user=user):
        log.info("not adopting conversation %s on sign-in: it holds orders another person proved", conversation.id)
        return None
    conversation.customer_id = user.pk
    conversation.save(update_fields=["customer"])
    return conversation


def _conversation_find_or_start(*, user: AbstractBaseUser | AnonymousUser, session: SessionBase) -> Conversation:
    conversation = None
    session_conversation_id = session.get(SESSION_KEY)
    if session_conversation_id:
        conversation = Conversation.objects.filter(id=session_conversation_id).first()
        if conversation and conversation.customer_id is None and user.is_authenticated:
            # The visitor signed in (login keeps the session's data): the conversation is now theirs,
            # or, when it holds someone else's orders, they start afresh.
            conversation = _adopted(conversation, user=user)
        elif conversation and not conversation_owned_by(conversation, user=user, session=session):
            conversation = None
    if conversation is None and user.is_authenticated:
        conversation = (
            Conversation.objects.filter(customer_id=user.pk).exclude(status=Conversation.Status.CLOSED).first()
        )
    if conversation is None or conversation.status == Conversation.Status.CLOSED:
        if not session.session_key:
            session.save()
        conversation = Conversation.objects.create(
            customer_id=user.pk if user.is_authenticated else None, session_key=session.session_key or ""
        )
    if session.get(SESSION_KEY) != str(conversation.id):
        session[SESSION_KEY] = str(conversation.id)
        session.save()
    return conversation


def message_receive(*, conversation_id: uuid.UUID, text: str, client_id: uuid.UUID) -> tuple[Message, bool]:
    """Save a customer message before anything else happens to it.

    Returns the message and whether it is new: a resend with a `client_id` already
    seen returns the saved message, so a reconnecting widget never duplicates one.
    """
    try:  # insert first: a resend is rare, and the unique (conversation, client_id) constraint catches it
        with transaction.atomic():
            message = Message.objects.create(
                conversation_id=conversation_id,
                author=Message.Author.CUSTOMER,
                text=text,
                client_id=client_id,
                status=Message.Status.RECEIVED,
            )
            # Writing, the customer is looking at the chat: what the team sent before is seen.
            now = timezone.now()
            Conversation.objects.filter(id=conversation_id).update(updated_at=now, customer_seen_at=now)
    except IntegrityError:
        # A resend, or two sockets of the same conversation resending the same message at once.
        return Message.objects.get(conversation_id=conversation_id, client_id=client_id), False
    return message, True
