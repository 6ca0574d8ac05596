"""Reaching a customer who is not looking at the chat when the team replies.

- On the page: the widget counts the team's replies the customer has not seen yet
  (`unread_count`, sent with the history) and shows them on the launcher and in the
  tab's title; the customer looking at the open chat marks them seen (`conversation_seen`).
- Away from the page: when no socket of theirs is connected (support.services.presence),
  the replies are emailed (`reply_email_plan`, then `reply_email_send` from a Celery task),
  after REPLY_EMAIL_DELAY_S so that a burst of replies travels in one email, and at most
  one email per conversation every REPLY_EMAIL_EVERY_MINUTES, summarising what is unread.
  The email links back to the conversation with a signed link (`reply_link`), and is written in
  the conversation's language, the one the assistant answers the customer in.
- To whom: the address the customer gave in the chat (`notify_email`), else their account's.
  A visitor without either is asked for one when the conversation goes to the team, and a
  signed-in customer out of hours is told the reply will also come by email
  (`notify_email_offer`).

Addresses are personal data: they are validated before they are stored, and never written
to a log line (and every log line is scrubbed of emails anyway, support.logs).
"""
from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from django.utils import timezone

from shoppe.email_confirmation import email_confirmed
from support import events, realtime
from support.hours import support_open
from support.llm.pii import EMAIL
from support.models import Conversation, Message
from support.services.answers import Answer
from support.services.language import in_customer_language, moment_text
from support.services.presence import customer_connected

log = logging.getLogger(__name__)

# What the team sent the customer: their replies, and the refund decisions the assistant passes on.
STAFF_NEWS = Q(author=Message.Author.AGENT) | Q(author=Message.Author.BOT, intent="refund_decision")
_LINK_SALT = "support.reply-link"

ASK_EMAIL = gettext_lazy("If you'd like an email when our team replies, type your email address here. We'll use it only "
             "to send you their replies in this conversation, never for anything else. Or just keep browsing: "
             "while this page is open you'll see a badge when they answer.")
_NO_THANKS = re.compile(r"^\s*(no|nope|no thanks?|no,? thank you|not now|skip)\b", re.I)


# --- unread on the page ------------------------------------------------------------------------------------------
def _seen_mark(conversation: Conversation) -> datetime | None:
    """Since when the team's messages are new to the customer: when they last looked, or last wrote."""
    if conversation.customer_seen_at:
        return conversation.customer_seen_at
    last = (Message.objects.filter(conversation_id=conversation.id, author=Message.Author.CUSTOMER)
            .order_by("-created_at").values_list("created_at", flat=True).first())
    return last


def _news(conversation: Conversation, *, since: datetime | None) -> QuerySet[Message]:
    news = Message.objects.filter(STAFF_NEWS, conversation_id=conversation.id)
    return news.filter(created_at__gt=since) if since else news


def unread_count(*, conversation_id: uuid.UUID) -> int:
    conversation = Conversation.objects.get(id=conversation_id)
    return _news(conversation, since=_seen_mark(conversation)).count()


def conversation_seen(*, conversation_id: uuid.UUID, through: int | None = None) -> None:
    """The customer has the chat open in front of them: what it shows is read, and every tab of theirs clears
    its badge and title when nothing newer is unread.

    `through` is the newest message the widget showed (a page that lost its connection says what it saw once it
    is back, when the team may have written more since): the team's messages up to it are read, none after it.
    Without it, everything until now. The mark never moves back.
    """
    seen_at = timezone.now()
    if through is not None:
        shown = Message.objects.filter(id=through, conversation_id=conversation_id).values_list("created_at", flat=True)
        if not shown:
            return  # not a message of this conversation
        seen_at = shown[0]
    Conversation.objects.filter(Q(customer_seen_at__isnull=True) | Q(customer_seen_at__lt=seen_at),
                                id=conversation_id).update(customer_seen_at=seen_at)
    if not unread_count(conversation_id=conversation_id):
        realtime.conversation_send(conversation_id, events.seen())


# --- asking for, and keeping, an address -------------------------------------------------------------------------
def reply_email_recipient(conversation: Conversation) -> str:
    """The address the team's replies are emailed to: the one given in the chat, else the account's once it is
    confirmed (session 35's security probe: an account opened with someone else's address got the team's replies
    mailed to it, with a first name of the opener's choosing; the confirmation email says nothing is sent to an
    address until it is confirmed). With neither, the chat asks for one (`notify_email_offer`)."""
    if conversation.notify_email:
        return conversation.notify_email
    customer = conversation.customer if conversation.customer_id else None
    return customer.email if customer is not None and customer.email and email_confirmed(customer) else ""


def notify_email_offer(*, conversation_id: uuid.UUID) -> str | None:
    """What the assistant adds when a conversation goes to the team, if anything.

    Nobody to email (a visitor, an account without an address): ask for an address and wait
    for it. Out of hours with an address: say the reply will also come by email.
    """
    conversation = Conversation.objects.select_related("customer").get(id=conversation_id)
    address = reply_email_recipient(conversation)
    if address:
        if support_open():
            return None
        return _("When our team replies, we'll also email you at %(email)s if you're no longer in the chat.") % {
            "email": address}
    if conversation.state.get("pending"):
        return None  # the assistant is waiting for another answer; the team can ask later
    state = {**conversation.state, "pending": {"kind": "notify_email", "intent": "notify_email"}}
    Conversation.objects.filter(id=conversation_id).update(state=state)
    return str(ASK_EMAIL)


def _address_in(text: str) -> str | None:
    """The email address in `text`, validated; "" if it looks like one but isn't; None if there is none."""
    match = EMAIL.search(text) if "@" in text else None
    if match is None:
        return "" if "@" in text else None
    address = match.group(0).rstrip(".")
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address if len(address) <= 254 else ""


def notify_email_answer(*, conversation: Conversation, text: str) -> Answer | None:
    """The customer's answer to ASK_EMAIL; None when the message is about something else."""
    address = _address_in(text)
    if address is None:
        if _NO_THANKS.search(text):
            return Answer(_("No problem: our team will reply right here in this chat."))
        return None
    if not address:
        return Answer(_("That doesn't look like a complete email address. Could you type it again?"),
                      pending={"kind": "notify_email", "intent": "notify_email"})
    Conversation.objects.filter(id=conversation.id).update(notify_email=address)
    conversation.notify_email = address
    return Answer(_("Thanks! If you're no longer in the chat when our team replies, we'll email their reply to "
                    "%(email)s. We won't use it for anything else.") % {"email": address})


def notify_email_take(*, conversation: Conversation, text: str) -> bool:
    """With a person on the chat the assistant stays quiet, but an address it asked for is still kept."""
    if (conversation.state.get("pending") or {}).get("kind") != "notify_email":
        return False
    address = _address_in(text)
    if not address:
        return False
    state = {k: v for k, v in conversation.state.items() if k != "pending"}
    Conversation.objects.filter(id=conversation.id).update(notify_email=address, state=state)
    return True


# --- the email ---------------------------------------------------------------------------------------------------
def customer_site_remember(*, conversation_id: uuid.UUID, origin: str) -> None:
    """The site address the customer's chat socket came from (its Origin, checked against ALLOWED_HOSTS)."""
    try:
        cache.set(f"chat:site:{conversation_id}", origin, timeout=settings.REPLY_LINK_DAYS * 86400)
    except Exception:  # noqa: BLE001 - SITE_URL or ALLOWED_HOSTS still give the link an address
        log.warning("cache unavailable; the site address of conversation %s is not remembered", conversation_id)


def _site(conversation_id: uuid.UUID) -> str:
    """Where links in emails point: SITE_URL, else the address the customer chatted on."""
    if settings.SITE_URL:
        return settings.SITE_URL
    try:
        origin = cache.get(f"chat:site:{conversation_id}")
    except Exception:  # noqa: BLE001
        origin = None
    if origin:
        return origin
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "localhost")
    return f"{'http' if settings.DEVELOPMENT else 'https'}://{host}"


def reply_link_token(*, conversation_id: uuid.UUID) -> str:
    return signing.dumps(str(conversation_id), salt=_LINK_SALT, compress=True)


def reply_link(*, conversation_id: uuid.UUID) -> str:
    """A link back to the conversation, signed (it works for REPLY_LINK_DAYS): `chat_return` opens it."""
    token = reply_link_token(conversation_id=conversation_id)
    return _site(conversation_id).rstrip("/") + reverse("chat_return", args=[token])


def reply_link_conversation(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(signing.loads(token, salt=_LINK_SALT, max_age=timedelta(days=settings.REPLY_LINK_DAYS)))
    except (signing.BadSignature, ValueError):
        return None


def reply_email_plan(*, conversation_id: uuid.UUID) -> datetime | None:
    """Plan an email of the team's unread replies if the customer has left; returns when it goes.

    Called after each reply from the team and when the customer's last socket closes. A
    planned email covers everything unread when it goes, so a burst plans one email.
    """
    if customer_connected(conversation_id=conversation_id):
        return None  # the badge and the title tell them
    conversation = Conversation.objects.select_related("customer").filter(id=conversation_id).first()
    if conversation is None or not reply_email_recipient(conversation):
        return None
    since = max(filter(None, [_seen_mark(conversation), conversation.reply_emailed_at]), default=None)
    if not _news(conversation, since=since).exists():
        return None
    now = timezone.now()
    due = now + timedelta(seconds=settings.REPLY_EMAIL_DELAY_S)
    if conversation.reply_emailed_at:
        due = max(due, conversation.reply_emailed_at + timedelta(minutes=settings.REPLY_EMAIL_EVERY_MINUTES))
    # One plan at a time; a plan long overdue was lost with its process and is replaced.
    free = Q(reply_email_due_at=None) | Q(reply_email_due_at__lt=now - timedelta(minutes=5))
    if not Conversation.objects.filter(free, id=conversation_id).update(reply_email_due_at=due):
        return None

    def enqueue() -> None:
        from support.tasks import reply_email

        reply_email.apply_async(kwargs={"conversation_id": str(conversation_id)}, eta=due)

    transaction.on_commit(enqueue)
    return due


def _email_text(conversation: Conversation, news: list[Message], link: str) -> tuple[str, str]:
    """The email's subject and body, in the active language (reply_email_send: the conversation's)."""
    names = {(m.agent.first_name or m.agent.get_username()) if m.agent_id else None for m in news}
    name = next(iter(names)) if len(names) == 1 else None
    who = name or _("Our support team")
    subject = (_("%(name)s replied to your chat with Example Shoppe") % {"name": who} if len(news) == 1
               else ngettext("%(count)s new reply to your chat with Example Shoppe",
                             "%(count)s new replies to your chat with Example Shoppe", len(news)) % {"count": len(news)})
    first_name = conversation.customer.first_name if conversation.customer_id else ""
    hello = _("Hello %(name)s,") % {"name": first_name} if first_name else _("Hello,")
    lines = [hello, "", _("%(name)s replied to your chat with Example Shoppe while you were away:") % {"name": who}, ""]
    for m in news:
        writer = (m.agent.first_name or m.agent.get_username()) if m.agent_id else "Example Shoppe"
        lines += [f"{writer}, {moment_text(m.created_at)}:", m.text, ""]
    lines += [_("Read the whole conversation and reply here:"), link, "",
              _("The link works for %(days)s days. You get this email because you were not in the chat when our team "
                "replied; we send at most one every %(minutes)s minutes.") % {
                  "days": settings.REPLY_LINK_DAYS, "minutes": f"{settings.REPLY_EMAIL_EVERY_MINUTES:g}"},
              "", "Example Shoppe"]
    return subject, "\n".join(lines)


def reply_email_send(*, conversation_id: uuid.UUID) -> bool:
    """Email the team's unread replies, unless the customer is back; whether an email went."""
    conversation = Conversation.objects.select_related("customer").filter(id=conversation_id).first()
    # Claimed with one conditional UPDATE: of two copies of the task (Redis redelivers a task whose
    # eta lies beyond the visibility timeout), one sends.
    if conversation is None or not Conversation.objects.filter(
            id=conversation_id, reply_email_due_at__isnull=False).update(reply_email_due_at=None):
        return False
    if customer_connected(conversation_id=conversation_id):
        return False
    address = reply_email_recipient(conversation)
    upto = timezone.now()
    since = max(filter(None, [_seen_mark(conversation), conversation.reply_emailed_at]), default=None)
    news = list(_news(conversation, since=since).filter(created_at__lte=upto).select_related("agent"))
    if not address or not news:
        return False
    with in_customer_language(conversation_id):
        subject, body = _email_text(conversation, news, reply_link(conversation_id=conversation_id))
    # Counted as sent before it goes: a reply arriving meanwhile waits for the next window.
    Conversation.objects.filter(id=conversation_id).update(reply_emailed_at=upto)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    except Exception:  # noqa: BLE001 - the mail server refused or is unreachable: the next reply tries again
        Conversation.objects.filter(id=conversation_id).update(reply_emailed_at=conversation.reply_emailed_at)
        log.warning("could not email the team's replies in conversation %s", conversation_id, exc_info=True)
        return False
    log.info("emailed %d of the team's replies in conversation %s", len(news), conversation_id)
    return True
