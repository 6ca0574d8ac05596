"""Conversations between a customer and the store, and their messages."""
from __future__ import annotations

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
    # Anonymous visitors own a conversation through their browser session.
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOT)
    # What the bot is waiting for (a pending question), kept across reconnects and restarts.
    state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

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


class Message(models.Model):
    class Author(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BOT = "bot", "Assistant"
        AGENT = "agent", "Staff"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"  # a customer message, saved, not yet answered
        ANSWERED = "answered", "Answered"  # a customer message whose reply is done
        STREAMING = "streaming", "Streaming"  # a reply being produced
        COMPLETE = "complete", "Complete"
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
    # The router's decision, on the customer message.
    route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    route_latency_ms = models.FloatField(null=True, blank=True)
    # On a reply: the help pages it is built from, and how long it took end to end.
    sources = models.JSONField(default=list, blank=True)
    reply_latency_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "client_id"], name="unique_client_id_per_conversation")
        ]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_author_display()}: {self.text[:60]}"
