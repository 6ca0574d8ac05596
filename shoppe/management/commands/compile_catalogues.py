from django.core.management.base import BaseCommand

from shoppe.catalogues import catalogues_compile


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po -> .mo) in pure Python: no gettext tools needed."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        written = catalogues_compile()
        self.stdout.write(f"{len(written)} translation catalogue(s) compiled")
