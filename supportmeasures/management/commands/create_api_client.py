from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportmeasures import actions
from supportmeasures.models import LinkedSystem
from supportmeasures.propagation import feed


class Command(BaseCommand):
    help = "Create a screening API client. Its token is printed once, as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--token-only",
            action="store_true",
            help="Print the token alone, for a script: TOKEN=$(… --token-only)",
        )
        parser.add_argument(
            "--linked-system",
            metavar="CODE",
            help="Make it the client of this linked system (reads the change feed, confirms "
            "through the API), e.g. tax",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["linked_system"]
        if code and not LinkedSystem.objects.filter(code=code).exists():
            raise CommandError(f"No linked system has the code {code}.")
        try:
            client, token = actions.create_api_client(
                name=options["name"], acting_user=None, created_at=timezone.now()
            )
            if code:
                feed.link_feed_client(
                    client=client,
                    system_code=code,
                    acting_user=None,
                    linked_at=timezone.now(),
                )
        except actions.ActionRefused as exc:
            raise CommandError(str(exc)) from exc
        if not options["token_only"]:
            self.stdout.write(
                f"Created API client {client.name}. Keep the token; it is not stored:"
            )
        self.stdout.write(token)
