from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from support.models import (AgentSettings, CannedResponse, Conversation, EscalationLog, Handoff, InternalNote, Message,
                            RefundDecision, RefundRequest, TranslationLog)
from support.services.refunds import refund_decide


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "text", "status", "route", "intent", "confidence", "reason"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "status", "created_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    search_fields = ["id", "customer__username", "customer__email", "messages__text"]
    # `previous` read-only too: as a form field it would list every conversation there is.
    # A reply link's browser secret (link_owner) is neither shown nor editable.
    exclude = ["link_owner"]
    readonly_fields = ["id", "customer", "created_at", "updated_at", "closed_at", "previous", "state"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "author", "short_text", "route", "intent", "confidence", "status"]
    list_filter = ["author", "route", "status", "intent"]
    search_fields = ["text", "intent", "reason", "conversation__id"]
    list_select_related = ["conversation"]
    readonly_fields = ["conversation", "in_reply_to", "client_id", "scores"]
    date_hierarchy = "created_at"

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        return message.text[:80]


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "priority", "status", "claimed_by", "conversation"]
    list_filter = ["status", "reason", "priority"]
    list_select_related = ["claimed_by", "conversation"]
    search_fields = ["summary", "conversation__id", "conversation__customer__username"]
    readonly_fields = ["conversation", "message", "order", "bot_answers", "claimed_by", "claimed_at", "resolved_at"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "active"]
    list_filter = ["language", "active"]
    search_fields = ["title", "text"]


@admin.register(InternalNote)
class InternalNoteAdmin(admin.ModelAdmin):
    """Read only: a note is written in the console, as the signed-in agent, now, in a conversation they may work.
    The admin's form let an agent write one in a colleague's name, dated as they liked, in any conversation, and
    the console's audit notes ("Sam filed a refund request...") are notes too (session 30's security probe)."""

    list_display = ["created_at", "author", "conversation"]
    list_select_related = ["author", "conversation"]
    search_fields = ["text"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class RefundDecisionInline(admin.TabularInline):
    model = RefundDecision
    extra = 0
    can_delete = False
    readonly_fields = ["decided_by", "verdict", "amount", "note", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RefundRequest)
class RefundRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "amount", "currency", "eligible", "status"]
    list_filter = ["status", "eligible"]
    list_select_related = ["order"]
    search_fields = ["order__number", "reason"]
    readonly_fields = ["conversation", "order", "items", "amount", "currency", "eligible", "eligibility_notes", "status"]
    inlines = [RefundDecisionInline]
    actions = ["approve_selected", "reject_selected"]

    @admin.action(description="Reject selected refunds (asks for a note for the customer)")
    def reject_selected(self, request, queryset):  # type: ignore[no-untyped-def]
        note = request.POST.get("note", "").strip()
        if "apply" in request.POST and note:
            for refund in queryset:
                try:
                    refund_decide(refund_id=refund.id, user=request.user, approve=False, note=note)
                except (PermissionDenied, ValidationError) as problem:
                    self.message_user(request, f"Refund {refund.id}: {problem}", level=messages.ERROR)
                else:
                    self.message_user(request, f"Refund {refund.id}: rejected")
            return None
        return render(request, "admin/support/refund_reject.html", {
            **self.admin_site.each_context(request), "refunds": queryset, "title": "Reject refunds",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "missing_note": "apply" in request.POST,
        })

    @admin.action(description="Approve selected refunds")
    def approve_selected(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        for refund in queryset:
            try:
                refund_decide(refund_id=refund.id, user=request.user, approve=True)
            except (PermissionDenied, ValidationError) as problem:
                self.message_user(request, f"Refund {refund.id}: {problem}", level=messages.ERROR)
            else:
                self.message_user(request, f"Refund {refund.id}: approved")


@admin.register(EscalationLog)
class EscalationLogAdmin(admin.ModelAdmin):
    list_display = ["started_at", "outcome", "provider", "model", "input_tokens", "output_tokens", "cost_eur", "first_token_ms", "retries", "photos_sent"]
    list_filter = ["outcome", "provider", "model", "handoff_reason"]
    search_fields = ["router_reason", "error", "message__text"]
    list_select_related = ["message"]
    readonly_fields = [f.name for f in EscalationLog._meta.fields]


@admin.register(TranslationLog)
class TranslationLogAdmin(admin.ModelAdmin):
    """Staff's translations in the console: read-only, like the escalation log (no texts are kept)."""

    list_display = ["started_at", "purpose", "source_language", "target_language", "outcome", "agent", "model",
                    "input_tokens", "output_tokens", "cost_eur"]
    list_filter = ["purpose", "outcome", "target_language", "model"]
    list_select_related = ["agent"]
    readonly_fields = [f.name for f in TranslationLog._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(AgentSettings)
class AgentSettingsAdmin(admin.ModelAdmin):
    """Each staff member's working language; agents set their own from the console header."""

    list_display = ["agent", "language", "updated_at"]
    list_filter = ["language"]
    list_select_related = ["agent"]
    search_fields = ["agent__username", "agent__first_name", "agent__last_name"]
    raw_id_fields = ["agent"]
