"""Sends the reminders that are due: for cron where there is no job queue (SQLite)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from booking.reminders import reminders_send_due


class Command(BaseCommand):
    help = "Sends the visit reminders that are due and not sent yet (run every 5 minutes)."

    def handle(self, *args, **options) -> None:
        sent = reminders_send_due()
        self.stdout.write(f"{sent} reminder(s) sent")
