"""Conversations between a customer and the store, and their messages."""
from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot", "With the assistant"
        WAITING = "waiting", "Waiting for staff"
        WITH_AGENT = "with_agent", "With staff"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="conversations"
    )
    # Anonymous visitors own a conversation through their browser session, which names it (SESSION_KEY in
    # support/services/conversations.py); the session's own key, the browser's cookie, is not kept here: anyone who
    # could read it could sign in as the customer (session 30's security probe: the admin showed it to every staff
    # role).
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOT)
    # What the bot is waiting for (a pending question), kept across reconnects and restarts.
    state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Reaching a customer who is not looking (support.services.away): where to email the team's
    # replies when the customer gave an address for it (an account's own email is used otherwise),
    # when they last had the chat in front of them, and the reply emails sent and planned.
    notify_email = models.EmailField(blank=True, help_text="given in the chat to be emailed the team's replies")
    link_owner = models.CharField(max_length=64, blank=True, default="", db_default="", help_text=(
        "a visitor's conversation opened from a reply link in another browser: that browser's secret, the only "
        "one that owns it from then on (support/services/conversations.py)"))
    customer_seen_at = models.DateTimeField(null=True, blank=True)
    reply_email_due_at = models.DateTimeField(null=True, blank=True)
    reply_emailed_at = models.DateTimeField(null=True, blank=True)
    # When it ended: staff resolved it, or the customer's next question after a silence started
    # the one after it (`previous`). A closed conversation takes no new messages.
    closed_at = models.DateTimeField(null=True, blank=True)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next",
                                    help_text="the conversation this one follows on from (one successor each)")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["customer", "-updated_at"])]

    def __str__(self) -> str:
        who = self.customer.get_username() if self.customer_id else "visitor"
        return f"Conversation with {who} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def group_name(self) -> str:
        from support.realtime import conversation_group

        return conversation_group(self.id)


# Lines about who is in the chat ("Sam joined the chat"), saved as the assistant's messages with one
# of these intents: the widget and the console show them as system lines, not as anyone's bubble.
TEAM_LINE_INTENTS = frozenset({"agent_joined", "agent_left", "agent_transferred"})

# The reason on a customer message the router never read: the answer to a question the assistant asked ("yes", "the
# footstool"), and a refund asked for on the order's page in My orders (a fixed English template, not the chat).
ANSWER_TO_QUESTION = "answer to the assistant's question"
ORDER_PAGE = "order page"
NOT_ROUTED_REASONS = frozenset({ANSWER_TO_QUESTION, ORDER_PAGE})


class CustomerSocket(models.Model):
    """A customer's open chat socket: while a conversation has one, the team's replies are not emailed.

    A row lives from connect to disconnect. Its process renews `alive_until` while it runs
    (support.services.presence), so a process that dies leaves rows that stop counting.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="sockets")
    channel_name = models.CharField(max_length=200, unique=True)
    process = models.CharField(max_length=32, db_index=True)
    alive_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "alive_until"])]


class Message(models.Model):
    class Author(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BOT = "bot", "Assistant"
        AGENT = "agent", "Staff"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"  # a customer message, saved, with no outcome yet
        ANSWERED = "answered", "Answered"  # a customer message replied to or handed to staff
        STREAMING = "streaming", "Streaming"  # a reply being produced
        COMPLETE = "complete", "Complete"
        # A reply that failed; a customer message the assistant could not answer, and said so.
        FAILED = "failed", "Failed"

    class Route(models.TextChoices):
        LOCAL = "local", "Answered locally"
        LLM = "llm", "Escalated to the LLM"
        HUMAN = "human", "Handed to staff"
        OFF_TOPIC = "off_topic", "Declined as off-topic"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=10, choices=Author.choices)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    # A customer message's id in the client: a resend after reconnect is recognised by it.
    client_id = models.UUIDField(null=True, blank=True)
    # A reply points at the customer message it answers.
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    # On a staff message: who wrote it.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The router's decision, on a customer message; on a reply, the tier that produced it.
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    route_latency_ms = models.FloatField(null=True, blank=True)
    # The language the customer wrote in (rag/router/languages.py), for the router and the answer.
    language = models.CharField(max_length=8, blank=True)
    # On a reply: the help pages it is built from, and how long it took end to end.
    sources = models.JSONField(default=list, blank=True)
    reply_latency_ms = models.FloatField(null=True, blank=True)
    # On a customer message still `received`: who is producing its outcome (a worker's or a
    # sweeper's claim, or the Celery task it is queued as) and until when; renewed while it
    # works. Past that time, nobody is: support.services.recovery finishes the message.
    answering_by = models.CharField(max_length=36, blank=True)
    answering_until = models.DateTimeField(null=True, blank=True)
    # Issue #19: the widget's own model chose a help passage and the server rendered the reply from
    # its own help centre (support.services.device_answers). Set on the customer message and on its
    # reply; `device_version` is the model version the device reported. A device answer the server
    # refused (a stale version, an unknown passage, a tampered frame) is routed as usual and
    # `device_refused` says why, for ops.
    answered_on_device = models.BooleanField(default=False)
    device_version = models.CharField(max_length=64, blank=True)
    device_refused = models.CharField(max_length=20, blank=True)
    # DEVICE_ANSWER_TEXTS_KEPT_OFF_SERVER: the customer's words and the passage stayed on their device;
    # only the decision (intent, passage, version, latency) is stored, and `text` is empty.
    text_kept_on_device = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "client_id"], name="unique_client_id_per_conversation")
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"]), models.Index(fields=["author", "created_at", "route"]),
            # The sweep for stranded messages reads only the few customer messages without an outcome.
            models.Index(fields=["created_at"], name="support_message_unanswered",
                         condition=models.Q(author="customer", status="received")),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_display()}: {self.text[:60]}"

    @property
    def is_team_line(self) -> bool:
        return self.author == self.Author.BOT and self.intent in TEAM_LINE_INTENTS


def photo_file_name(instance: "Photo", filename: str) -> str:
    """An unguessable name: nothing of the customer's file name, conversation or time is in it."""
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}[instance.content_type]
    return f"photos/{secrets.token_urlsafe(24)}{extension}"


class Photo(models.Model):
    """An image the customer attached: its message shows it in the conversation's history.

    The file is the re-encoded image (no EXIF, GPS or other metadata), never the upload as
    sent; it is served only by `support.photos.photo_show`, to the conversation's customer
    and to staff.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # in the photo's URL
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="photos")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="photo")
    image = models.FileField(upload_to=photo_file_name, max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    # The customer agreed that the assistant (the LLM) may look at it; otherwise only staff see it.
    llm_consent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"Photo {self.width}x{self.height} in {self.conversation_id}"


class EscalationLog(models.Model):
    """One row per message the router sent to the LLM: what it cost and how it ended."""

    class Outcome(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        ANSWERED = "answered", "Answered"
        HANDED_OFF = "handed_off", "Handed off"
        BLOCKED = "blocked", "Blocked (prompt injection)"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="escalations")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="escalation")
    router_reason = models.CharField(max_length=200, blank=True)
    router_scores = models.JSONField(default=dict, blank=True)
    provider = models.CharField(max_length=30, blank=True, help_text="LLM_PROVIDER: gemini or openai-compatible")
    model = models.CharField(max_length=120, blank=True)  # a served model's name can be long (hf.co/…:Q4_K_M)
    prompt_version = models.CharField(max_length=40, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_eur = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    queue_ms = models.FloatField(null=True, blank=True, help_text="enqueue to the worker starting the task")
    first_token_ms = models.FloatField(null=True, blank=True, help_text="the LLM's time to first token")
    first_chunk_sent_ms = models.FloatField(null=True, blank=True, help_text="enqueue to the first chunk sent to the socket")
    latency_ms = models.FloatField(null=True, blank=True)
    retries = models.PositiveSmallIntegerField(default=0)
    tool_calls = models.JSONField(default=list, blank=True)
    photos_sent = models.PositiveSmallIntegerField(
        default=0, help_text="customer photos the request carried (only with a key and the customer's consent)")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    handoff_reason = models.CharField(max_length=40, blank=True)
    error_class = models.CharField(max_length=80, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"]), models.Index(fields=["outcome", "started_at"])]

    def __str__(self) -> str:
        return f"Escalation of message {self.message_id}: {self.outcome}"


class Handoff(models.Model):
    """A conversation waiting for, or with, a person: the packet staff work from."""

    class Reason(models.TextChoices):
        REFUND = "refund", "Refund request"
        PERSON = "person", "Asked for a person"
        COMPLAINT = "complaint", "Complaint"
        LLM_FAILURE = "llm_failure", "Assistant could not answer"
        BUDGET = "budget", "LLM unavailable or budget spent"
        MISUNDERSTOOD = "misunderstood", "Repeated misunderstanding"
        OTHER = "other", "Other"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        CLAIMED = "claimed", "With an agent"
        RESOLVED = "resolved", "Resolved"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="handoffs")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    intent = models.CharField(max_length=40, blank=True)
    order = models.ForeignKey("shoppe.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(blank=True)
    bot_answers = models.JSONField(default=list, blank=True, help_text="what the assistant already answered, with sources")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs")
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "created_at"]
        indexes = [models.Index(fields=["status", "-priority", "created_at"]), models.Index(fields=["created_at"])]
        permissions = [("work_handoffs", "Can claim and answer handoffs in the console"),
                       ("view_ops", "Can see the ops dashboard, escalation log and traces")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_status_display().lower()})"


class InternalNote(models.Model):
    """A note staff leave on a conversation; the customer never sees it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Language(models.TextChoices):
    """The languages customers write in and the assistant answers in, named as staff read them (in English)."""

    ENGLISH = "en", "English"
    DUTCH = "nl", "Dutch"
    GERMAN = "de", "German"
    FRENCH = "fr", "French"
    SPANISH = "es", "Spanish"
    ITALIAN = "it", "Italian"
    POLISH = "pl", "Polish"
    PORTUGUESE = "pt", "Portuguese"


# The shop's five languages its help centre is written in (#16): what an agent works in.
WORKING_LANGUAGES = [(language.value, language.label) for language in
                     (Language.ENGLISH, Language.DUTCH, Language.GERMAN, Language.FRENCH, Language.SPANISH)]


class CannedResponse(models.Model):
    """A reply staff insert in one click, written in one language; the console offers the
    conversation's language first, then English (support.conversation_language)."""

    title = models.CharField(max_length=80)
    text = models.TextField()
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "language"]

    def __str__(self) -> str:
        return f"{self.title} ({self.language.upper()})"


class TranslationLog(models.Model):
    """One row per translation staff asked the LLM for in the console: what it cost and how it ended.

    Kept apart from EscalationLog (one row per customer message the router escalated): a
    translation answers an agent, never the customer, and the same message may be translated
    many times. Its cost counts towards the day's LLM budget all the same.
    """

    class Purpose(models.TextChoices):
        CUSTOMER_MESSAGE = "translate_message", "A customer message into the agent's language"
        DRAFT_REPLY = "translate_draft", "An agent's draft into the customer's language"

    class Outcome(models.TextChoices):
        TRANSLATED = "translated", "Translated"
        BLOCKED = "blocked", "Withheld by a guardrail"
        REFUSED = "refused", "Not sent (budget spent or no key)"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="translations")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="translations")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    source_language = models.CharField(max_length=8, blank=True)
    target_language = models.CharField(max_length=8)
    provider = models.CharField(max_length=30, blank=True)
    model = models.CharField(max_length=120, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_eur = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    started_at = models.DateTimeField(default=timezone.now)
    latency_ms = models.FloatField(null=True, blank=True)
    retries = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.FAILED)
    error_class = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.outcome}"


class AgentSettings(models.Model):
    """A staff member's own console settings: the language they work in (#16).

    The console's translate actions use it: a customer message is shown in it, and a draft
    the agent writes in it is translated into the customer's language. No row: English.
    """

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                 related_name="agent_settings")
    language = models.CharField("working language", max_length=8, choices=WORKING_LANGUAGES,
                                default=Language.ENGLISH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "agent settings"

    def __str__(self) -> str:
        return f"{self.agent}: {self.get_language_display()}"


class RefundRequest(models.Model):
    """A refund the assistant collected for staff to decide; neither bot nor LLM can approve it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for a decision"
        AWAITING_SECOND = "awaiting_second", "Waiting for a supervisor"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="refund_requests")
    order = models.ForeignKey("shoppe.Order", on_delete=models.PROTECT, related_name="refund_requests")
    # An item's `quantity` is how many of its line are asked for ("1 of 2 × Ceramic mug"), `ordered` how many were
    # bought, `amount` the unit price times the quantity; a request filed before quantities asked for the whole line.
    items = models.JSONField(default=list, help_text="[{item_id, product, quantity, ordered, unit_price, amount}]")
    reason = models.TextField()
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    eligible = models.BooleanField(default=True)
    eligibility_notes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("decide_refund", "Can approve or reject refunds up to the limit"),
            ("decide_large_refund", "Can approve refunds above the limit (supervisor)"),
        ]

    def __str__(self) -> str:
        return f"Refund of {self.amount} {self.currency} on order {self.order.number} ({self.get_status_display().lower()})"


class RefundDecision(models.Model):
    """Who decided what on a refund request, when, for which amount and why."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    refund_request = models.ForeignKey(RefundRequest, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]


class Feedback(models.Model):
    """A customer's rating of one reply (thumbs) or of the whole conversation (1-5)."""

    class Kind(models.TextChoices):
        REPLY = "reply", "One reply"
        CONVERSATION = "conversation", "The conversation"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="feedback")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # reply: +1 or -1; conversation: 1 to 5
    score = models.SmallIntegerField()
    # the tier that produced the rated reply (local, llm, human, off_topic), for per-tier satisfaction
    route = models.CharField(max_length=10, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message"], condition=models.Q(kind="reply"), name="one_rating_per_reply")]


class RouteLabel(models.Model):
    """Ops' correction of a misrouted message: the intent (and so the route) it should have had."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="label")
    intent = models.CharField(max_length=40)
    route = models.CharField(max_length=10, choices=Message.Route.choices)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class DeviceStatus(models.Model):
    """What a customer's widget reported of its on-device assistant (issue #19): ready, or the
    server answers instead and why. Ops reads these for the device tier's fallbacks and versions."""

    class State(models.TextChoices):
        READY = "ready", "Ready on the device"
        FALLBACK = "fallback", "Server answers instead"

    class Reason(models.TextChoices):
        SAVE_DATA = "save-data", "Data saver on"
        NO_WASM = "no-wasm", "No WebAssembly"
        LOW_MEMORY = "low-memory", "Too little memory"
        SLOW_DEVICE = "slow-device", "Slow device"
        STALE = "stale", "Old model version"
        ERROR = "error", "Error on the device"

    # A report outlives the conversation when that is deleted for having nothing in it (most chats opened are never
    # written in: support.services.conversations `empty_conversations_delete`): ops counts the widgets, not the talk.
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="device_statuses")
    state = models.CharField(max_length=10, choices=State.choices)
    reason = models.CharField(max_length=12, choices=Reason.choices, blank=True)
    version = models.CharField(max_length=64, blank=True)
    # Whether `version` was the server's own when reported: a mismatch is answered by the server.
    version_current = models.BooleanField(default=False)
    load_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.get_state_display()} ({self.reason or self.version})"
