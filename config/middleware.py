"""An idle session ends (shared counter PCs): after MAMORI_IDLE_MINUTES without a request,
the next request logs out and goes to the login page with a notice, even if the browser
stayed open. The page warns before (static/js/idle.js, templates/base.html)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_ACTIVITY = "mamori_last_activity"
# The timestamp is rewritten at most this often (one session write per request otherwise).
WRITE_EVERY_SECONDS = 15


def idle_limit_seconds() -> int:
    return settings.MAMORI_IDLE_MINUTES * 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            last = request.session.get(LAST_ACTIVITY)
            if isinstance(last, int | float) and now - last > idle_limit_seconds():
                return self.end(request)
            if not isinstance(last, int | float) or now - last >= WRITE_EVERY_SECONDS:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)

    def end(self, request: HttpRequest) -> HttpResponse:
        path = request.get_full_path()
        logout(request)  # the session is flushed: its data and its key are gone
        messages.info(request, _("You were logged out because there was no activity."))
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"logged_out": True}, status=401)
        # A form sent after the limit is not carried out: back to it after logging in.
        return redirect_to_login(path if request.method == "GET" else request.path)
