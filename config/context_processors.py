from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from auditlog.workspace.selectors import can_read_auditlog
from config import manual
from inquiries import permissions as inquiry_permissions
from inquiries.selectors import unread_count
from supportmeasures import permissions
from supportmeasures.propagation import permissions as propagation_permissions
from supportmeasures.training.permissions import may_take_training


@dataclass(frozen=True)
class Navigation:
    """Which sections the header offers: each the predicate its pages check (a link is shown
    only where the page would open)."""

    measures: bool
    register: bool
    inquiries: bool
    audit: bool
    training: bool
    propagation: bool


def navigation(user: Any) -> Navigation:
    return Navigation(
        measures=permissions.may_list_measures(user),
        register=user.ward is not None and permissions.can_register_application(user, user.ward),
        inquiries=inquiry_permissions.may_use_inquiries(user),
        audit=can_read_auditlog(user),
        training=may_take_training(user),
        propagation=propagation_permissions.has_section_tasks(user),
    )


def staff(request: HttpRequest) -> dict[str, Any]:
    """Per request: today's date (computed once at the edge), the unread notices count and the
    header's sections."""
    context: dict[str, Any] = {"today": timezone.localdate()}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = unread_count(user)
        context["nav"] = navigation(user)
        # The idle session's warning (config/middleware.py, static/js/idle.js).
        context["idle"] = {
            "minutes": settings.MAMORI_IDLE_MINUTES,
            "seconds": settings.MAMORI_IDLE_MINUTES * 60,
            "warning_seconds": min(
                settings.MAMORI_IDLE_WARNING_SECONDS, settings.MAMORI_IDLE_MINUTES * 60
            ),
        }
        match = getattr(request, "resolver_match", None)
        if match is not None and (help_url := manual.help_url(match.view_name, user.role)):
            context["help_url"] = help_url  # this screen's section of the manual
    return context
