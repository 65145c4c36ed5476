"""Logging in and staying logged in: the lockout page, changing one's own password, and the
idle session's "stay signed in" ping. (Login itself is config.views.login_view.)"""

from __future__ import annotations

import math
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from supportmeasures.actions import accounts
from supportmeasures.views import _staff


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Our page instead of django-axes' own (AXES_LOCKOUT_CALLABLE): what happened, for how
    long, and whom to ask. It never says whether the account exists."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = math.ceil(float(cool_off) * 60) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """A wrong old password is a failed login: counted towards the lockout and recorded, so a
    session left open on a counter PC is no way to guess the password without limit."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        try:
            return super().clean_old_password()
        except ValidationError:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.user.get_username()},
                request=self.request,
            )
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    """Staff change their own password: Django's form (old password, the validators), the
    change itself through the action that records it. A locked account changes nothing: the
    session ends with the lockout page."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("supportmeasures:home")
    form_class = OwnPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self._locked(request):
            return self._end(request)
        response = super().dispatch(request, *args, **kwargs)
        if self._locked(request):  # this wrong old password was the last one allowed
            return self._end(request)
        return response

    @staticmethod
    def _locked(request: HttpRequest) -> bool:
        if not request.user.is_authenticated:
            return False
        return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})

    @staticmethod
    def _end(request: HttpRequest) -> HttpResponse:
        logout(request)
        return locked_out(request)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = _staff(self.request)
        accounts.change_own_password(
            user=user, new_password=form.cleaned_data["new_password1"], changed_at=timezone.now()
        )
        update_session_auth_hash(self.request, user)  # this session stays; the others end
        messages.success(self.request, _("Your password was changed."))
        return HttpResponseRedirect(self.get_success_url())


password_change = PasswordChangeView.as_view()


@never_cache
@require_POST
def stay_signed_in(request: HttpRequest) -> JsonResponse:
    """The idle warning's button: any request counts as activity (config.middleware); this
    one only says how long the session now has."""
    return JsonResponse({"idle_seconds": settings.MAMORI_IDLE_MINUTES * 60})
