"""The auditors' dashboard and reports. Anyone who is not an auditor gets a 404."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View

from auditlog import analyses, dashboard
from auditlog.selectors import can_read_auditlog
from supportmeasures.forms import JapaneseDateField
from supportmeasures.models import Staff

MAX_PERIOD_DAYS = 366


class PeriodForm(forms.Form):
    """The period of the reports, in Japan time, both days included. Empty: the last 7 days."""

    from_date = JapaneseDateField(label=pgettext_lazy("period", "From"), required=False)
    to_date = JapaneseDateField(label=pgettext_lazy("period", "To"), required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_from, self.default_to = today - datetime.timedelta(days=6), today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = data.get("from_date") or self.default_from
        last = data.get("to_date") or self.default_to
        if self.errors:
            return data
        if first > last:
            raise forms.ValidationError(_("The start of the period is after its end."))
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
            )
        data["from_date"], data["to_date"] = first, last
        return data


class AuditorsOnly(View):
    """Checked for every method, before the handler: what an auditor sees is a 404 to others."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, Staff) or not can_read_auditlog(user):
            raise Http404
        self.staff = user
        return super().dispatch(request, *args, **kwargs)

    def period_form(self, request: HttpRequest) -> PeriodForm:
        today = timezone.localdate()
        bound = any(key in request.GET for key in ("from_date", "to_date"))
        form = PeriodForm(request.GET if bound else None, today=today)
        if not bound:
            form.initial = {"from_date": form.default_from, "to_date": form.default_to}
        return form

    @staticmethod
    def period(form: PeriodForm) -> tuple[datetime.date, datetime.date] | None:
        if not form.is_bound:
            return form.default_from, form.default_to
        if form.is_valid():
            return form.cleaned_data["from_date"], form.cleaned_data["to_date"]
        return None


class DashboardView(AuditorsOnly):
    def get(self, request: HttpRequest) -> HttpResponse:
        data = dashboard.dashboard_for(user=self.staff, now=timezone.now())
        return render(request, "auditlog/dashboard.html", {"dashboard": data})


class ReportListView(AuditorsOnly):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = self.period_form(request)
        period = self.period(form)
        reports = None
        if period is not None:
            since, until = analyses.period_of(*period)
            reports = analyses.reports_for(user=self.staff, since=since, until=until)
        return render(
            request,
            "auditlog/reports.html",
            {"form": form, "period": period, "reports": reports, "query": _query(period)},
        )


class ReportView(AuditorsOnly):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        if code not in analyses.REPORT_CODES:
            raise Http404
        form = self.period_form(request)
        period = self.period(form)
        report = None
        if period is not None:
            since, until = analyses.period_of(*period)
            report = analyses.report_for(user=self.staff, code=code, since=since, until=until)
        return render(
            request,
            "auditlog/report.html",
            {"form": form, "period": period, "report": report, "code": code,
             "query": _query(period)},
        )  # fmt: skip


def _query(period: tuple[datetime.date, datetime.date] | None) -> str:
    if period is None:
        return ""
    return f"?from_date={period[0].isoformat()}&to_date={period[1].isoformat()}"
