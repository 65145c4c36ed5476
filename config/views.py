"""The pages that belong to no one app: the home page (work from every app), login, errors."""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from inquiries import permissions as inquiry_permissions
from inquiries import selectors as inquiry_selectors
from inquiries.requests import selectors as request_selectors
from supportmeasures import api, permissions, selectors
from supportmeasures.forms import SearchForm
from supportmeasures.propagation import forwarding_selectors
from supportmeasures.propagation import selectors as propagation_selectors
from supportmeasures.views import _staff

login_view = login_not_required(
    auth_views.LoginView.as_view(
        template_name="registration/login.html", redirect_authenticated_user=True
    )
)


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # other systems read JSON, never an HTML page
        return api.error(404, "not_found", "No such resource.")
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused to read: say which limit it broke, in the user's language."""
    if isinstance(exception, RequestDataTooBig):
        message = _(
            "What was sent is too large: the form's fields may hold %(mb)s MB in all. "
            "Send a mailing list as a file (16 MB at most)."
        ) % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = _("The form sent too many fields or files.")
    else:
        message = _("The request could not be read. Go back and try again.")
    return render(request, "400.html", {"message": message}, status=400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


class HomeView(TemplateView):
    """What waits for the user in every app: the registry's work queue, the sign-offs and the
    emergencies to review, and the search form."""

    template_name = "supportmeasures/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = _staff(self.request)
        today = timezone.localdate()
        return super().get_context_data(
            queue=selectors.work_queue(user=user, today=today),
            signoffs=inquiry_selectors.approver_queue(user=user),
            emergencies=inquiry_selectors.unreviewed_emergencies(user=user),
            urgent_inquiries=inquiry_selectors.urgent_inbox(user=user),
            search_form=SearchForm(),
            # Training binds those who work on cases; auditors and contractors are not warned.
            training_lapsed=permissions.works_on_cases(user)
            and not permissions.is_trained(user, today),
            has_queue=inquiry_permissions.has_approver_queue(user),
            works_on_cases=permissions.works_on_cases(user),
            propagation_alarms=propagation_selectors.home_alarms(user=user),
            section_tasks=propagation_selectors.section_task_count(user=user),
            overdue_forwardings=forwarding_selectors.overdue_forwardings(
                user=user, now=timezone.now()
            ),
            document_reviews=request_selectors.review_count(user=user),
            **kwargs,
        )
