from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exchange.orders import orders_anonymize


class Command(BaseCommand):
    help = (
        "Blanks the patient's details, login and account link of orders whose visit ended "
        "more than DAYS days ago; keeps their times, status, doctor and clinic."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="default ANONYMIZE_ORDERS_AFTER_DAYS (365)",
        )

    def handle(self, *args, older_than, **options):
        days = settings.ANONYMIZE_ORDERS_AFTER_DAYS if older_than is None else older_than
        if days < 1:
            raise CommandError("Give --older-than DAYS, at least 1 (the setting is 0: off).")
        cutoff = timezone.now() - timedelta(days=days)
        count = orders_anonymize(older_than=cutoff)
        self.stdout.write(f"Anonymized {count} orders whose visit ended before {cutoff:%Y-%m-%d}.")
