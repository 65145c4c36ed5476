"""Section staff's pages: their open tasks, one task, confirm, or report it could not be set.
Each view makes one call; only the system's section staff see a task (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from supportmeasures.models import ConfirmationTask, Staff
from supportmeasures.propagation import actions, selectors
from supportmeasures.propagation.forms import ConfirmForm, FailForm
from supportmeasures.refusals import ActionRefused, InvalidTransition


def _staff(request: HttpRequest) -> Staff:
    user = request.user
    assert isinstance(user, Staff)  # LoginRequiredMiddleware guarantees it
    return user


class TaskListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _staff(request)
        return render(
            request,
            "propagation/task_list.html",
            {
                "tasks": selectors.section_tasks(user=user),
                "answered": selectors.recently_answered(user=user),
                "now": timezone.now(),
            },
        )


def _task_page(
    request: HttpRequest, task: ConfirmationTask, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request,
        "propagation/task_detail.html",
        {
            "task": task,
            "still_restricted": selectors.still_restricted_ids(task.change),
            "now": timezone.now(),
            "confirm_form": forms.get("confirm_form") or ConfirmForm(),
            "fail_form": forms.get("fail_form") or FailForm(),
        },
        status=status,
    )


class TaskDetailView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _task_page(request, selectors.section_task(user=_staff(request), pk=pk))


class ConfirmTaskView(View):
    """POST only: one action confirms. A second (another tab, a colleague) changes nothing and
    says what happened."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _staff(request)
        task = selectors.section_task(user=user, pk=pk)
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return _task_page(request, task, status=400, confirm_form=form)
        try:
            actions.confirm_task(
                task=task,
                acting_user=user,
                note=form.cleaned_data["note"],
                confirmed_at=timezone.now(),
            )
        except InvalidTransition as exc:
            messages.info(request, str(exc))
            return redirect(reverse("propagation:task", kwargs={"pk": task.pk}))
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            return _task_page(request, task, status=403, confirm_form=form)
        messages.success(
            request,
            _("Confirmed: %(system)s has set the block. Recorded in the audit log.")
            % {"system": task.system.name},
        )
        return redirect(reverse("propagation:tasks"))


class FailTaskView(View):
    """POST only: the block could not be set; the reason is required. Escalates at once."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = _staff(request)
        task = selectors.section_task(user=user, pk=pk)
        form = FailForm(request.POST)
        if not form.is_valid():
            return _task_page(request, task, status=400, fail_form=form)
        try:
            actions.report_task_failed(
                task=task,
                acting_user=user,
                reason=form.cleaned_data["reason"],
                failed_at=timezone.now(),
            )
        except InvalidTransition as exc:
            messages.info(request, str(exc))
            return redirect(reverse("propagation:task", kwargs={"pk": task.pk}))
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            return _task_page(request, task, status=403, fail_form=form)
        messages.warning(
            request,
            _(
                "Reported: the block could not be set in %(system)s. The support-measure "
                "officer and the auditors have been told."
            )
            % {"system": task.system.name},
        )
        return redirect(reverse("propagation:tasks"))
