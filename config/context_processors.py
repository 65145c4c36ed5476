from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from inquiries.selectors import unread_count


def staff(request: HttpRequest) -> dict[str, Any]:
    """Per request: today's date (computed once at the edge) and the unread notices count."""
    context: dict[str, Any] = {"today": timezone.localdate()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = unread_count(user)
    return context
