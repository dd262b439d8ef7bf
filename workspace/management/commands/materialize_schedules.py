from django.core.management.base import BaseCommand

from workspace.weekly import schedules_materialize


class Command(BaseCommand):
    help = "Makes the schedules of portal-made resources from their weekly templates."

    def handle(self, *args, **options) -> None:
        changed = schedules_materialize()
        self.stdout.write(f"{changed} schedule rows written or removed")
