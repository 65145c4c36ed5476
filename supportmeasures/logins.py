"""Failed logins and lockouts become audit events (connected in apps.py).

Django sends `user_login_failed` for every failed login (its credentials are cleansed: the
password is never in them); django-axes sends `user_locked_out` when a user name or address
reaches the failure limit. With AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off, a try while
already locked sends it again without counting (`axes_failures_since_start` stays None):
that try is a failed login, not a new lockout.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from supportmeasures.actions import accounts


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", ""))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    accounts.record_failed_login(
        username=str(credentials.get("username") or ""),
        address=client_address(request),
        failed_at=timezone.now(),
    )


def on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return  # already locked: this try is recorded as a failed login only
    accounts.record_lockout(
        username=username, address=ip_address, failures=failures, locked_at=timezone.now()
    )
