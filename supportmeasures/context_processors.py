from typing import Any

from django.http import HttpRequest
from django.utils import timezone


def staff(request: HttpRequest) -> dict[str, Any]:
    """Per request: today's date (computed once at the edge) and the unread notices count."""
    context: dict[str, Any] = {"today": timezone.localdate()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from inquiries.selectors import unread_count

        context["unread_notifications"] = unread_count(user)
    return context
