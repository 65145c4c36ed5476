"""Failed logins and lockouts become audit events (connected in apps.py).

Django sends `user_login_failed` for every failed login (its credentials are cleansed: the
password is never in them); django-axes sends `user_locked_out` when a user name or address
reaches the failure limit. With AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off, a try while
already locked sends it again without counting (`axes_failures_since_start` stays None):
that try is a failed login, not a new lockout.

`LockoutHandler` gives the address its own, higher limit: a ward office's counter PCs often
share one address, and five typing mistakes across the office must not lock everyone out.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from supportmeasures.actions import accounts

# A wrong second-factor code is sent as a failed login (config.two_factor), so django-axes
# counts it towards the lockout; its credentials carry this key and never the code.
SECOND_FACTOR_KEY = "mamori_second_factor"
SECOND_FACTOR = "second factor"


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits (AXES_HANDLER): a user name is locked
    after AXES_FAILURE_LIMIT failures, an address after MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT.

    axes compares one number with one limit, so the address's count is scaled onto the user
    name's limit: it reaches that limit exactly when the address reaches its own."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_name, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        request.mamori_failures = {"username": by_name, "address": by_address}  # type: ignore[attr-defined]
        limit = settings.AXES_FAILURE_LIMIT
        return max(by_name, by_address * limit // settings.MAMORI_LOGIN_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A successful login clears that user name's failures only. axes would also clear
        every failure from the address, which let anyone with an account at a shared address
        reset the count of the account being guessed by logging in between guesses."""
        return clear_failures(get_client_username(request, credentials) or "")


def clear_failures(username: str) -> int:
    """The whole login passed (password and second factor): that user name's failures go,
    from every address; other names' failures from the same address stay."""
    if not username:
        return 0
    count, _ = AccessAttempt.objects.filter(username=username).delete()
    return count


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
        reason=SECOND_FACTOR if credentials.get(SECOND_FACTOR_KEY) else "",
    )


def on_locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    if getattr(request, "axes_failures_since_start", None) is None:
        return  # already locked: this try is recorded as a failed login only
    accounts.record_lockout(
        username=username,
        address=ip_address,
        failures=getattr(request, "mamori_failures", {}),
        locked_at=timezone.now(),
    )
