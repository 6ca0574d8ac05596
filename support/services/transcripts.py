"""Emailing a customer the transcript of one of their conversations.

Only to the account's own email address once its owner confirmed it (shoppe/email_confirmation.py), and at
most TRANSCRIPT_EMAILS_PER_HOUR an hour per account and TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY a day per address,
counted in the cache before anything is sent (a failed send counts too, shoppe/limits.py): the button cannot
be used to flood an inbox. Without the cache nothing is sent. Written in the conversation's language (the one the
assistant answered in), whatever the page's: a customer may have chatted in Polish on the English pages.
"""
from __future__ import annotations

import enum
import logging
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.utils.translation import gettext as _, pgettext

from shoppe.email_confirmation import email_confirmed
from shoppe.limits import DAY_S, HOUR_S, within_limit
from support.models import Message
from support.selectors import PastConversation, TranscriptLine, conversation_of_customer, conversation_transcript
from support.services.language import clock_text, day_text, in_customer_language, moment_text

log = logging.getLogger(__name__)


class TranscriptSent(enum.Enum):
    SENT = "sent"
    TOO_MANY = "too_many"  # over the hourly limit, or the cache cannot count
    FAILED = "failed"  # the mail server refused it or could not be reached
    NO_ADDRESS = "no_address"  # the account has no email address
    NOT_CONFIRMED = "not_confirmed"  # the account's address is not confirmed by its emailed link yet


def _who(line: TranscriptLine) -> str:
    """Who wrote a line, as the page says it (templates/support/transcript_who.html), in the active language."""
    if line["author"] == Message.Author.CUSTOMER:
        return pgettext("transcript", "You")
    if line["author"] == Message.Author.AGENT:
        return f"{line['agent'] or _('Our team')} (Example Shoppe)"
    return _("Example Shoppe assistant")


def _email_text(*, name: str, conversation: PastConversation, link: str) -> tuple[str, str]:
    """The transcript email's subject and body, in the active language."""
    started = conversation["started_at"]
    text = [_("Hello %(name)s,") % {"name": name}, "",
            _("Here is your conversation with Example Shoppe support, started on %(date)s at %(time)s (Amsterdam "
              "time).") % {"date": day_text(started), "time": clock_text(started)}, ""]
    for line in conversation_transcript(conversation_id=conversation["id"]):
        text += [f"[{moment_text(line['at'])}] {_who(line)}:", line["text"]]
        text += [f"  {_('Source: %(title)s') % {'title': source['title']}}" for source in line["sources"]]
        text.append("")
    text += [_("You can also read it on your account: %(link)s") % {"link": link}, "", "Example Shoppe"]
    return _("Your conversation with Example Shoppe on %(date)s") % {"date": day_text(started)}, "\n".join(text)


def transcript_email(*, user: AbstractBaseUser, conversation_id: uuid.UUID, link: str) -> TranscriptSent:
    """Email the transcript of the customer's own conversation to the account's address.

    `link`: the conversation's page, for the email. Raises LookupError for a conversation that is not theirs.
    """
    conversation = conversation_of_customer(user=user, conversation_id=conversation_id)
    if conversation is None:
        raise LookupError("no such conversation")
    address = getattr(user, "email", "")
    if not address:
        return TranscriptSent.NO_ADDRESS
    if not email_confirmed(user):  # nobody has shown the address is the customer's (shoppe/email_confirmation.py)
        return TranscriptSent.NOT_CONFIRMED
    # Per account, and per address, whichever accounts ask for it (shoppe/limits.py).
    if not within_limit("transcript-account", str(user.pk), per_seconds=HOUR_S,
                        limit=settings.TRANSCRIPT_EMAILS_PER_HOUR) \
            or not within_limit("transcript-address", address, per_seconds=DAY_S,
                                limit=settings.TRANSCRIPT_EMAILS_PER_ADDRESS_PER_DAY):
        return TranscriptSent.TOO_MANY
    with in_customer_language(conversation_id):
        subject, body = _email_text(name=getattr(user, "first_name", "") or user.get_username(),
                                    conversation=conversation, link=link)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    except Exception:  # noqa: BLE001 - SMTP refused or unreachable: the customer is told to try again later
        log.warning("could not email the transcript of conversation %s", conversation_id, exc_info=True)
        return TranscriptSent.FAILED
    return TranscriptSent.SENT
