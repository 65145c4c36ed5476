"""The 6-digit code a demo account's authenticator app would show now (the demo only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from supportmeasures.management.commands.seed_demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (MAMORI_DEMO=1 or DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEVELOPMENT:
            raise CommandError("demo_code runs only in the demo (MAMORI_DEMO=1) or with DEBUG.")
        device = (
            TOTPDevice.objects.filter(user__username=username, confirmed=True, key=DEMO_TOTP_KEY)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise CommandError(f"{username} has no demo authenticator (run seed_demo).")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
