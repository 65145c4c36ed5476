"""The admin page for scheduled jobs: each job's runs and outcomes, read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from auditlog.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("job", "period", "outcome", "started_at", "finished_at", "attempt", "summary")
    list_filter = ("job", "outcome")
    search_fields = ("job", "period")
    date_hierarchy = "started_at"
    ordering = ("-started_at", "-id")
    readonly_fields = (
        "job",
        "period",
        "attempt",
        "outcome",
        "started_at",
        "finished_at",
        "summary",
        "error",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
