from django.core.management.base import BaseCommand

from workspace.sync import sync_watch


class Command(BaseCommand):
    help = "Records changes of the clinics' MIS sync states and tells of pauses, once each."

    def handle(self, *args, **options) -> None:
        told = sync_watch()
        self.stdout.write(f"{told} state changes processed")
