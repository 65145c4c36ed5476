from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportmeasures import actions
from supportmeasures.models import ApiClient


class Command(BaseCommand):
    help = "Revoke a screening API client: its token stops working at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = ApiClient.objects.get(name=options["name"])
            actions.revoke_api_client(client=client, acting_user=None, revoked_at=timezone.now())
        except ApiClient.DoesNotExist as exc:
            raise CommandError(f"No API client named {options['name']}") from exc
        except actions.ActionRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Revoked {client.name}.")
