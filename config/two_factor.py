"""The second factor's pages (docs/security.md, "Two factors"): the code after the password,
the enrolment forced at the first login, and each member's own security page (devices,
new recovery codes, registering a WebAuthn key). config.middleware.SecondFactorMiddleware
sends every session without its second factor here."""

from __future__ import annotations

import json
from base64 import b32encode
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from config.accounts import locked_out
from supportmeasures.actions import second_factor
from supportmeasures.logins import SECOND_FACTOR_KEY, clear_failures
from supportmeasures.refusals import ActionRefused
from supportmeasures.views import _staff


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=gettext_lazy(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
    )


class EnrolForm(CodeForm):
    otp_token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=gettext_lazy("The 6 digits your authenticator app shows now."),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _verified(request: HttpRequest) -> bool:
    """Has this session passed a second factor? (django_otp.middleware.OTPMiddleware)"""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _locked(request: HttpRequest) -> bool:
    user = request.user
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def _end_locked_session(request: HttpRequest) -> HttpResponse:
    logout(request)
    return locked_out(request)


def _count_failure(request: HttpRequest) -> None:
    """A wrong code is a failed login: django-axes counts it towards the lockout, and
    supportmeasures.logins records `staff.login_failed` with the reason "second factor"."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": request.user.get_username(), SECOND_FACTOR_KEY: True},
        request=request,
    )


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator, a recovery code, or a key."""
    user = _staff(request)
    if _verified(request):
        return redirect(_next_url(request))
    if not second_factor.is_enrolled(user):
        return redirect("second_factor_enrol")
    if _locked(request):
        return _end_locked_session(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.verify_code(user=user, code=form.cleaned_data["otp_token"])
        except ActionRefused as exc:
            _count_failure(request)
            if getattr(request, "axes_locked_out", False) or _locked(request):
                return _end_locked_session(request)
            form.add_error("otp_token", str(exc))
        else:
            otp_login(request, device)
            clear_failures(user.get_username())
            if device.persistent_id.startswith("otp_static"):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(
                    request,
                    _("You used a recovery code. %(n)d are left: renew them on your security page.")
                    % {"n": left},
                )
            return redirect(_next_url(request))
    has_key = WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    return render(
        request,
        "registration/second_factor.html",
        {"form": form, "next": _next_url(request), "has_key": has_key},
        status=200 if not form.errors else 400,
    )


def _qr_svg(device: TOTPDevice, user: Any) -> str:
    """The otpauth:// URI as an inline SVG (no script, no inline style: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )


def _secret_text(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """The first login (or the first after an administrator's reset): an authenticator app
    is set up and confirmed with one code; then the recovery codes, shown once."""
    user = _staff(request)
    if second_factor.is_enrolled(user):
        return redirect("security" if _verified(request) else "second_factor")
    device = second_factor.start_enrolment(user=user)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_enrolment(
                user=user, code=form.cleaned_data["otp_token"], enrolled_at=timezone.now()
            )
        except ActionRefused as exc:
            form.add_error("otp_token", str(exc))
        else:
            device.refresh_from_db()
            otp_login(request, device)
            clear_failures(user.get_username())
            return render(
                request, "registration/recovery_codes.html", {"codes": codes, "enrolled": True}
            )
    return render(
        request,
        "registration/second_factor_enrol.html",
        {"form": form, "qr": _qr_svg(device, user), "secret": _secret_text(device)},
        status=200 if not form.errors else 400,
    )


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """One's own second factors: the authenticator, the keys, how many recovery codes are
    left; new recovery codes after a fresh code; registering a key (django-otp-webauthn's
    script). Nothing here removes one's own second factor."""
    user = _staff(request)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.renew_recovery_codes(
                user=user, code=form.cleaned_data["otp_token"], renewed_at=timezone.now()
            )
        except ActionRefused as exc:
            form.add_error("otp_token", str(exc))
        else:
            return render(
                request, "registration/recovery_codes.html", {"codes": codes, "enrolled": False}
            )
    context = {
        "form": form,
        "authenticators": TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
        "keys": WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"),
        "recovery_left": StaticToken.objects.filter(device__user=user).count(),
    }
    return render(
        request, "registration/security.html", context, status=200 if not form.errors else 400
    )


class RegisterKeyComplete(webauthn_views.CompleteCredentialRegistrationView):
    """django-otp-webauthn's registration, with its audit event in the same transaction."""

    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        with transaction.atomic(durable=True):
            response = super().post(*args, **kwargs)
            second_factor.record_key_registered(
                user=_staff(self.request),
                credential_id=int(json.loads(response.content)["id"]),
                registered_at=timezone.now(),
            )
        return response


class KeyLoginComplete(webauthn_views.CompleteCredentialAuthenticationView):
    """django-otp-webauthn's login with a key, where a refused key counts and is recorded as
    a failed login, like a wrong code (and ends the session at the lockout)."""

    def complete_auth(self, device: Any) -> Any:
        result = super().complete_auth(device)  # django_otp.login: the session is verified
        clear_failures(device.user.get_username())
        return result

    def handle_exception(self, exc: Exception) -> Any:
        request = self.request
        if request.user.is_authenticated and not _verified(request):
            _count_failure(request)
            if getattr(request, "axes_locked_out", False) or _locked(request):
                logout(request)
                return JsonResponse(
                    {"detail": _("Too many failed attempts: this account is locked.")},
                    status=429,
                )
        return super().handle_exception(exc)


# django-otp-webauthn's URLs, under its namespace (its script reverses these names), with the
# registration's completion recorded. Passwordless login is off (settings).
webauthn_urlpatterns = (
    [
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            RegisterKeyComplete.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            webauthn_views.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            KeyLoginComplete.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)

urlpatterns = [
    path("accounts/second-factor/", verify, name="second_factor"),
    path("accounts/second-factor/enrol/", enrol, name="second_factor_enrol"),
    path("accounts/security/", security, name="security"),
]
