"""After a run: every message saved once and answered once, in the database; then the run's own rows removed.

The tool reads and deletes in the database its settings name, which need not be the one the
server it loaded writes to (`--url` of a server started elsewhere). So it deletes only what it
can prove is its own: a conversation one of its sockets opened (its id came in that socket's
`history` event), anonymous, created after the run began, and holding no customer message the
run did not send and no message from staff. Anything else is kept and counted.
"""
from __future__ import annotations

import uuid
from collections import Counter

from tools.load.plan import LoadReport


def load_check_database(report: LoadReport, *, remove: bool = True) -> dict[str, int]:
    """Every message sent saved exactly once and answered exactly once, from the database.

    The run's own conversations are then removed (`remove`, `load_conversations_remove`), so a
    load run leaves no trace in the shop's figures.
    """
    from django.db.models import Count

    from support.models import Message

    client_ids = [uuid.UUID(q.client_id) for q in report.questions if q.failed != "send failed"]
    saved: Counter[str] = Counter()
    replies: Counter[str] = Counter()
    for start in range(0, len(client_ids), 500):
        chunk = client_ids[start:start + 500]
        for row in Message.objects.filter(client_id__in=chunk).values("client_id"):
            saved[str(row["client_id"])] += 1
        rows = (Message.objects.filter(in_reply_to__client_id__in=chunk, author=Message.Author.BOT)
                .values("in_reply_to__client_id").annotate(n=Count("id")))
        for row in rows:
            replies[str(row["in_reply_to__client_id"])] += row["n"]
    ids = [str(c) for c in client_ids]
    result = {
        "sent": len(ids),
        "saved": sum(1 for c in ids if saved[c] >= 1),
        "lost": sum(1 for c in ids if saved[c] == 0),
        "duplicated": sum(1 for c in ids if saved[c] > 1),
        "not_answered": sum(1 for c in ids if saved[c] and replies[c] == 0),
        "answered_twice": sum(1 for c in ids if replies[c] > 1),
    }
    report.database = result
    if remove:
        load_conversations_remove(report=report)
    return result


def load_conversations_remove(*, report: LoadReport) -> int:
    """Delete the run's own conversations (see the module's docstring); the ones refused land in
    `report.conversations_kept`. Returns how many were deleted."""
    from support.models import Conversation, Message

    ids = sorted(report.conversation_ids)
    if report.started_at is None:  # not a report of a run: nothing can be proven to be its own
        report.conversations_kept = ids
        return 0
    sent = {uuid.UUID(q.client_id) for q in report.questions}
    own: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = Conversation.objects.filter(id__in=ids[start:start + 500], customer__isnull=True,
                                            created_at__gte=report.started_at)
        candidates = {str(pk) for pk in chunk.values_list("id", flat=True)}
        others = (Message.objects.filter(conversation_id__in=candidates)
                  .exclude(author=Message.Author.BOT).values_list("conversation_id", "author", "client_id"))
        foreign = {str(conversation) for conversation, author, client_id in others
                   if author != Message.Author.CUSTOMER or client_id not in sent}
        own.extend(sorted(candidates - foreign))
    report.conversations_kept = sorted(set(ids) - set(own))
    for start in range(0, len(own), 500):
        Conversation.objects.filter(id__in=own[start:start + 500]).delete()
    report.conversations_removed = len(own)
    return len(own)
