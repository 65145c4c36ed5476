import uuid
from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from auditlog import jobs
from auditlog.models import JobOutcome
from auditlog.workspace import actions, selectors
from auditlog.workspace.export import ENCODINGS
from auditlog.workspace.forms import EventFilterForm
from inquiries import selectors as inquiries
from supportmeasures import selectors as registry


class AuditorsOnly(View):
    """The auditors' pages: checked for every method before the handler, and what an auditor
    sees is a 404 to everyone else. The selectors check the role again."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = registry.auditor_or_none(request.user)
        if user is None:
            raise Http404
        self.staff = user
        return super().dispatch(request, *args, **kwargs)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


def _filter_form(data: object) -> EventFilterForm:
    form = EventFilterForm(data)
    form.is_valid()
    return form


def _flt(form: EventFilterForm, person_id: str | None) -> selectors.EventFilter:
    return form.to_filter(person_ids=(person_id,) if person_id else ())


class EventListView(AuditorsOnly):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = self.staff
        form = _filter_form(request.GET)
        before = request.GET.get("before", "")
        person_id = _uuid(request.GET.get("person_id", ""))
        found = (
            selectors.search_events(
                user=user,
                flt=_flt(form, person_id),
                before=int(before) if before.isdigit() and len(before) < 19 else None,
            )
            if not form.errors
            else selectors.EventSearch([], [], None)  # the form says what to correct
        )
        query = request.GET.copy()
        for name in ("before", "verify"):
            query.pop(name, None)
        return render(
            request,
            "auditlog/events.html",
            {
                "form": form,
                "found": found,
                "person_id": person_id or "",
                "query": query.urlencode(),
                "export_fields": list(query.items()),
                "encodings": ENCODINGS,
                "status": selectors.chain_status(user=user),
            },
        )


class PersonHistoryView(AuditorsOnly):
    def get(self, request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        user = self.staff
        history = actions.open_person_history(
            user=user, public_id=public_id, opened_at=timezone.now()
        )
        return render(
            request,
            "auditlog/history.html",
            {
                "history": history,
                "export_fields": [("person_id", str(public_id))],
                "encodings": ENCODINGS,
            },
        )


class StaffActivityView(AuditorsOnly):
    def get(self, request: HttpRequest, staff_id: int) -> HttpResponse:
        user = self.staff
        form = _filter_form(request.GET)
        data = form.cleaned_data if not form.errors else {}
        history = actions.open_staff_activity(
            user=user,
            staff_id=staff_id,
            since=data.get("since"),
            until=data.get("until"),
            opened_at=timezone.now(),
        )
        fields = [("staff", str(staff_id))] + [
            (k, request.GET[k]) for k in ("since", "until") if request.GET.get(k)
        ]
        return render(
            request,
            "auditlog/history.html",
            {"history": history, "form": form, "export_fields": fields, "encodings": ENCODINGS},
        )


class ExportView(AuditorsOnly):
    """POST: an export is an act (it is recorded), not a link anyone could prefetch."""

    def post(self, request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
        user = self.staff
        form = _filter_form(request.POST)
        encoding = request.POST.get("encoding", "utf-8")
        if form.errors or encoding not in ENCODINGS:
            return render(
                request,
                "supportmeasures/refused.html",
                {"message": _("Correct the filter before exporting.")},
                status=400,
            )
        now = timezone.now()
        stream = actions.export_events(
            user=user,
            flt=_flt(form, _uuid(request.POST.get("person_id", ""))),
            encoding=encoding,
            exported_at=now,
        )
        response = StreamingHttpResponse(
            stream,
            content_type=f"text/csv; charset={'shift_jis' if encoding == 'cp932' else 'utf-8'}",
        )
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="mamori-audit-{stamp}.csv"'
        return response


class VerifyView(AuditorsOnly):
    """POST: verify the whole chain against every checkpoint now; recorded as a run."""

    def post(self, request: HttpRequest) -> HttpResponse:
        run = jobs.verify_now(now=timezone.now())
        if run.outcome == JobOutcome.SUCCEEDED:
            messages.success(request, run.summary)
        else:
            messages.error(request, run.error_line)
        return redirect("auditlog:events")


class JobRunsView(AuditorsOnly):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = self.staff
        return render(request, "auditlog/jobs.html", {"runs": selectors.job_runs(user=user)})


class DocumentRequestsView(AuditorsOnly):
    """Document requests with their reviews, temporary releases, issuances and disposals."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "auditlog/requests.html", {"requests": inquiries.requests_for_audit()}
        )
