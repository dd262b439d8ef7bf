from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exchange.keys import BadKey, KeyInUse, clinic_issue_key
from exchange.models import Clinic, validate_timezone


class Command(BaseCommand):
    help = "Creates a clinic and prints its client key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the clinic's name")
        keys = parser.add_mutually_exclusive_group()
        keys.add_argument("--key", help="register the clinic's existing key, a UUID (old portal)")
        keys.add_argument(
            "--legacy-key",
            help="register an existing key that is not a UUID (at least 16 characters)",
        )
        parser.add_argument("--timezone", help="IANA time zone, default DEFAULT_CLINIC_TIMEZONE")
        parser.add_argument(
            "--rotate", action="store_true", help="issue a new key to an existing clinic"
        )
        parser.add_argument(
            "--dialect",
            choices=Clinic.Dialect.values,
            help="how the export spells attributes: sample (ID, Status, ...; the default) "
            "or table (id, status, ...)",
        )
        parser.add_argument(
            "--cancelled-status",
            type=int,
            choices=Clinic.CancelledStatus.values,
            help="the status exported for a patient's cancellation: 2 (default) or 3",
        )

    @transaction.atomic
    def handle(
        self, *args, name, key, legacy_key, timezone, rotate, dialect, cancelled_status, **options
    ):
        clinic = Clinic.objects.filter(name=name).first()
        if clinic is not None and not rotate:
            raise CommandError(f"clinic {name!r} exists; add --rotate to replace its key")
        if clinic is None and rotate:
            raise CommandError(f"no clinic {name!r} to rotate")
        if clinic is None:
            clinic = Clinic(name=name)
            if timezone:
                clinic.timezone = timezone
            try:
                validate_timezone(clinic.timezone)
            except ValidationError as error:
                raise CommandError(error.messages[0]) from None
            clinic.save()
        for field, value in (("dialect", dialect), ("cancelled_status", cancelled_status)):
            if value is not None:
                setattr(clinic, field, value)
                clinic.save(update_fields=[field])
        legacy = legacy_key is not None
        try:
            issued = clinic_issue_key(
                clinic=clinic, key=legacy_key if legacy else key, legacy=legacy
            )
        except (KeyInUse, BadKey) as error:
            raise CommandError(str(error)) from None
        if legacy:
            self.stderr.write(
                "warning: a key that is not a UUID is easier to guess; issue a new one "
                "(--rotate) once the clinic's MIS can take it"
            )
        self.stdout.write(issued)
