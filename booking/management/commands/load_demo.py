from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from booking.demo import DEMO_ADMIN, DEMO_KEY, DEMO_PATIENT, demo_load


class Command(BaseCommand):
    help = "Loads (or refreshes) the demo clinic, a patient and an admin; for local use only."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("the demo has well-known passwords: run it with DEBUG=1 only")
        summary = demo_load()
        self.stdout.write(
            f"Demo clinic: {summary.resources['total']} resources, "
            f"{summary.schedules_total} working days scheduled for four weeks.\n"
            f"  client key: {DEMO_KEY}\n"
            f"  patient:    {DEMO_PATIENT[0]} / {DEMO_PATIENT[1]}\n"
            f"  admin:      {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}  (http://127.0.0.1:8000/admin/)"
        )
