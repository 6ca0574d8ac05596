from django.contrib import admin

from support.models import Conversation, Message


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
    readonly_fields = ["id", "customer", "session_key", "created_at", "updated_at", "state"]
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
