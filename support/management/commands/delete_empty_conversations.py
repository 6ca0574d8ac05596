from __future__ import annotations

from django.core.management.base import BaseCommand

from support.services.conversations import empty_conversations_delete


class Command(BaseCommand):
    help = ("Delete the visitors' conversations nothing happened in once they have ended (CONVERSATION_IDLE_HOURS); "
            "every server process also does it hourly in its sweep (STRANDED_MESSAGE_SWEEP_S).")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        deleted = empty_conversations_delete()
        self.stdout.write(f"{deleted} empty conversation(s) deleted")
