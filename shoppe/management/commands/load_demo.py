from django.core.management.base import BaseCommand

from shoppe.demo import demo_credentials, demo_load


class Command(BaseCommand):
    help = "Load Example Shoppe's demo catalogue, customers, orders and staff (once)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        created = demo_load()
        self.stdout.write("demo data loaded" if created else "demo data already present")
        self.stdout.write(demo_credentials())
