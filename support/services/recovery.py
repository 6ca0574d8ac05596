"""Customer messages a process died on: found, and finished exactly once.

A customer message is `received` until it has an outcome: a reply, a handoff to staff
with a message to the customer, or a failure notice. Until then it is held by whoever
is producing that outcome:

* the socket's own thread, which answers the message it has just saved without
  claiming it, for the moment a local answer takes;
* the socket of a process still getting its assistant ready (`shoppe.readiness`), under
  a lease renewed until it has answered: a start-up may last longer than
  `STRANDED_MESSAGE_AFTER_S` (the router trains on a fresh clone);
* a queued escalation, under its Celery task id, for as long as a task may wait for a
  worker (`CELERY_VISIBILITY_TIMEOUT_S`);
* a worker running that task, or a sweeper finishing the message, under a lease of
  `STRANDED_MESSAGE_AFTER_S` that this module renews while they work.

A message still `received` whose holder is gone (never claimed and older than
`STRANDED_MESSAGE_AFTER_S`, or a lease that lapsed) was stranded: the process answering
it died, or the in-memory broker lost its task. Every server process sweeps for such
messages at start-up and every `STRANDED_MESSAGE_SWEEP_S`, claims each with one
conditional UPDATE, so two sweepers never both take one, and finishes it:

* an escalation (its route is `llm`) goes to staff with "Sorry, I lost my train of
  thought…" (`escalation.escalation_hand_over`); the LLM is not asked again;
* anything else is routed and answered again (`replies.message_answer`), as the dead
  process would have.

Every outcome is recorded only by the message's holder (a conditional UPDATE in the
same transaction as the reply), so a late original, a redelivered task and the sweep
never both finish a message.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from support.models import Message

log = logging.getLogger(__name__)
SWEEP_BATCH = 50  # messages finished per sweep at most: a long outage's backlog reaches staff in steps


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.STRANDED_MESSAGE_AFTER_S)


def _stranded() -> Q:
    """No outcome yet and nobody producing one: never claimed and old enough, or its lease lapsed."""
    now = timezone.now()
    return Q(author=Message.Author.CUSTOMER, status=Message.Status.RECEIVED) & (
        Q(answering_until__lt=now)
        | Q(answering_until=None, created_at__lt=now - timedelta(seconds=settings.STRANDED_MESSAGE_AFTER_S)))


def stranded_messages(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of the messages a dead process left without an outcome, oldest first."""
    return list(Message.objects.filter(_stranded()).order_by("created_at").values_list("id", flat=True)[:limit])


# --- leases: held while a process works on a message, renewed by one thread per process ----------

_held: set[str] = set()
_held_lock = threading.Lock()
_keeper: threading.Thread | None = None


@contextmanager
def lease_kept(token: str) -> Iterator[None]:
    """Renew the lease `token` holds until the block ends; a process that dies stops renewing it."""
    global _keeper
    with _held_lock:
        _held.add(token)
        if _keeper is None:
            _keeper = threading.Thread(target=_leases_renew_forever, name="message-leases", daemon=True)
            _keeper.start()
    try:
        yield
    finally:
        with _held_lock:
            _held.discard(token)


def _leases_renew_forever() -> None:
    while True:
        time.sleep(settings.STRANDED_MESSAGE_AFTER_S / 3)
        with _held_lock:
            tokens = list(_held)
        if not tokens:
            continue
        try:
            close_old_connections()
            Message.objects.filter(answering_by__in=tokens, status=Message.Status.RECEIVED).update(
                answering_until=_lease_end())
        except Exception:  # the database is away for a moment: the next round tries again
            log.warning("renewing the leases of %d messages failed", len(tokens), exc_info=True)


# --- a starting process holding the messages it will answer once ready ------------------------------


def message_hold(*, message_id: int) -> str | None:
    """Claim a saved message that this process will answer once its assistant is ready.

    Returns the claim's token, to answer under (`replies.message_answer(holder=...)`) while
    `lease_kept(token)` renews it; None if the message has an outcome or a live holder already.
    """
    token = uuid.uuid4().hex
    held = Message.objects.filter(id=message_id, status=Message.Status.RECEIVED).filter(
        Q(answering_until=None) | Q(answering_until__lt=timezone.now())
    ).update(answering_by=token, answering_until=_lease_end())
    return token if held else None


# --- an escalation task holding its message ----------------------------------------------------------


@contextmanager
def escalation_held(*, message_id: int, task_id: str) -> Iterator[bool]:
    """Hold a queued escalation's message while its task runs; yields whether the task may run.

    The task takes the message if it is still queued under the task's id (a redelivered
    copy has the same id) or if its holder's lease lapsed; not if it has an outcome or a
    live holder. When the task ends, the message is finished: an escalation always ends in
    an answer or a handoff. If it raised, its lease is given up so the next sweep finishes it.
    """
    now = timezone.now()
    held = Message.objects.filter(id=message_id, status=Message.Status.RECEIVED).filter(
        Q(answering_by=task_id) | Q(answering_until__lt=now) | Q(answering_until=None)
    ).update(answering_by=task_id, answering_until=_lease_end())
    if not held:
        log.info("escalation task %s for message %s: the message has an outcome or another holder; nothing to do",
                 task_id, message_id)
        yield False
        return
    try:
        with lease_kept(task_id):
            yield True
    except BaseException:
        Message.objects.filter(id=message_id, answering_by=task_id, status=Message.Status.RECEIVED).update(
            answering_until=timezone.now())
        raise
    _message_finished(message_id=message_id, holder=task_id)


def _message_finished(*, message_id: int, holder: str) -> None:
    """The holder's work produced the message's outcome: no longer `received`, no longer held."""
    Message.objects.filter(id=message_id, answering_by=holder).update(
        answering_until=None,
        status=Case(When(status=Message.Status.RECEIVED, then=Value(Message.Status.ANSWERED)), default=F("status")))


# --- the sweep -----------------------------------------------------------------------------------------


def stranded_messages_finish(*, limit: int = SWEEP_BATCH) -> int:
    """One sweep: claim each stranded message and give it its outcome; how many this process finished."""
    finished = 0
    for message_id in stranded_messages(limit=limit):
        token = uuid.uuid4().hex
        if not Message.objects.filter(_stranded(), id=message_id).update(answering_by=token,
                                                                         answering_until=_lease_end()):
            continue  # another sweeper, a redelivered task or the late original has it
        try:
            with lease_kept(token):
                _stranded_message_finish(message_id=message_id, holder=token)
            finished += 1
        except Exception:
            log.exception("finishing stranded message %s failed; the next sweep tries again", message_id)
            Message.objects.filter(id=message_id, answering_by=token, status=Message.Status.RECEIVED).update(
                answering_until=timezone.now())
    return finished


def _stranded_message_finish(*, message_id: int, holder: str) -> None:
    from support.services.escalation import escalation_hand_over
    from support.services.replies import message_answer

    message = Message.objects.only("route", "created_at", "conversation_id").get(id=message_id)
    waited = (timezone.now() - message.created_at).total_seconds()
    log.warning("message %s (route %r) was left without an outcome %.0f s ago by a process that died; finishing it",
                message_id, message.route or "not routed", waited)
    if message.route == Message.Route.LLM:
        escalation_hand_over(message_id=message_id)
        _message_finished(message_id=message_id, holder=holder)
    else:
        message_answer(message_id=message_id, holder=holder)


_sweeping = threading.Event()
# The sweep also deletes the ended conversations nothing happened in, this often (each pass reads every visitor's
# ended conversation, so not every STRANDED_MESSAGE_SWEEP_S).
EMPTY_CONVERSATIONS_EVERY_S = 3600.0


def stranded_messages_sweep_start() -> None:
    """In a server process: sweep now (finishing what a dead run left), then every STRANDED_MESSAGE_SWEEP_S; and
    delete the empty conversations that ended (`empty_conversations_delete`) now, then every hour."""
    if not settings.STRANDED_MESSAGE_SWEEP_S or _sweeping.is_set():
        return
    _sweeping.set()
    threading.Thread(target=_sweep_forever, name="stranded-message-sweep", daemon=True).start()


def _sweep_forever() -> None:
    from shoppe.readiness import readiness

    # Not while the process gets its assistant ready: answering needs the router, and the
    # messages it holds meanwhile are its own, not a dead process's.
    readiness.wait()
    emptied_at: float | None = None
    while True:
        emptied_at = sweep_turn(emptied_at=emptied_at)
        time.sleep(settings.STRANDED_MESSAGE_SWEEP_S)


def sweep_turn(*, emptied_at: float | None) -> float | None:
    """One turn of the sweep: the stranded messages, and the empty conversations when an hour has passed since
    `emptied_at` (`time.monotonic()`, None: never). Returns when the empty conversations were last deleted."""
    from support.services.conversations import empty_conversations_delete

    try:
        close_old_connections()
        finished = stranded_messages_finish()
        if finished:
            log.warning("finished %d message(s) left without an outcome by a process that died", finished)
    except Exception:  # the database is away for a moment: the next sweep tries again
        log.warning("the sweep for stranded messages failed", exc_info=True)
    if emptied_at is not None and time.monotonic() - emptied_at < EMPTY_CONVERSATIONS_EVERY_S:
        return emptied_at
    try:
        deleted = empty_conversations_delete()
        if deleted:
            log.info("deleted %d ended conversation(s) in which nothing happened", deleted)
    except Exception:  # the next hour tries again
        log.warning("deleting the empty conversations failed", exc_info=True)
    return time.monotonic()
