from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportmeasures import actions
from supportmeasures.models import Role, Staff, Ward


class Command(BaseCommand):
    help = "Add a staff member with one role and their ward's scope (recorded in the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--ward", required=True, help="ward code, e.g. 141011")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-password", action="store_true", help="create without a usable password"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ward = Ward.objects.get(code=options["ward"])
        except Ward.DoesNotExist as exc:
            raise CommandError(f"Unknown ward code {options['ward']}") from exc
        if Staff.objects.filter(username=options["username"]).exists():
            raise CommandError(f"{options['username']} already exists")
        password = None
        if not options["no_password"]:
            try:
                password = getpass.getpass("Password: ")
                again = getpass.getpass("Password (again): ")
            except EOFError as exc:  # no terminal to type it at
                raise CommandError(
                    "No password was typed: run this in a terminal, or use --no-password."
                ) from exc
            if password != again:
                raise CommandError("The passwords differ.")
            try:
                validate_password(password, Staff(username=options["username"]))
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        staff = actions.register_staff(
            acting_user=None,
            username=options["username"],
            full_name=options["name"],
            ward=ward,
            role=options["role"],
            password=password,
            email=options["email"],
            registered_at=timezone.now(),
        )
        self.stdout.write(f"Registered {staff.username} ({staff.get_role_display()}, {ward}).")
