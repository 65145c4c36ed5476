"""The auditors' dashboard and reports. Anyone who is not an auditor gets a 404."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from auditlog.workspace import analyses, dashboard
from auditlog.workspace.forms import PeriodForm
from auditlog.workspace.views import AuditorsOnly


class ReportPage(AuditorsOnly):
    """A page over a period chosen by the auditor (the last 7 days unless chosen)."""

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


class ReportListView(ReportPage):
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


class ReportView(ReportPage):
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
