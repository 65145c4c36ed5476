from typing import Any

from django.http import HttpRequest
from django.utils import timezone


def staff(request: HttpRequest) -> dict[str, Any]:
    """The current date for templates: one value per request, computed at the edge."""
    return {"today": timezone.localdate()}
