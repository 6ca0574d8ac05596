"""Send the "how was it" emails due today (run daily, e.g. from cron): `manage.py send_review_invitations URL`."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from shoppe.reviews import review_invitations_send


class Command(BaseCommand):
    help = "Email a review invitation for each order delivered 14 days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("site_url", help="the shop's address for the links, e.g. https://shop.example")

    def handle(self, *args: object, site_url: str, **options: object) -> None:
        sent = review_invitations_send(site_url=site_url.rstrip("/"))
        self.stdout.write(f"{sent} review invitation(s) sent")
