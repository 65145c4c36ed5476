"""An idle session ends (shared counter PCs): after MAMORI_IDLE_MINUTES without a request,
the next request logs out and goes to the login page with a notice, even if the browser
stayed open. The page warns before (static/js/idle.js, templates/base.html)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from supportmeasures.actions import second_factor

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


# What a session without its second factor may reach (docs/security.md, "Two factors"): the
# second factor's own pages, logging out, the language switch, the idle ping, /healthz and the
# token-authenticated API. Everything else, including any URL added later, leads to the
# second factor: the list says what is open, never what is closed.
SECOND_FACTOR_OPEN_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "stay_signed_in",
        "healthz",
        "second_factor",
        "second_factor_enrol",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }
)
# The token API has its own authentication; the manual holds no one's data, and the first
# login's 「この画面の使い方」 (setting up the authenticator) must open.
SECOND_FACTOR_OPEN_NAMESPACES = frozenset({"api", "help"})


def second_factor_open(request: HttpRequest) -> bool:
    """May this request be served before the second factor? Only what is named above."""
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return (
        match.view_name in SECOND_FACTOR_OPEN_NAMES
        or match.namespace in SECOND_FACTOR_OPEN_NAMESPACES
    )


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a logged-in session that has not passed a second
    factor is sent to it (or, with no device yet, to the enrolment) from every other URL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not second_factor_open(request)
        ):
            return self.refuse(request, user)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, user: Any) -> HttpResponse:
        if not second_factor.is_enrolled(user):
            return redirect("second_factor_enrol")
        target = reverse("second_factor")
        if request.method == "GET" and url_has_allowed_host_and_scheme(
            request.get_full_path(), allowed_hosts=None
        ):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
