"""Django admin for wards and staff accounts.

Roles, ward scope and training change only through actions (register_staff, record_training
commands), so that each change is an audit event; the admin shows them read-only.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from supportmeasures.models import Staff, TrainingRecord, Ward


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "notice_mode")
    search_fields = ("code", "name")


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    fk_name = "staff"
    extra = 0
    fields = ("completed_on", "course", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "full_name", "ward", "is_active")
    list_filter = ("ward", "groups", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Mamori", {"fields": ("full_name", "email", "ward", "groups", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("ward", "groups", "last_login", "date_joined")
    inlines = [TrainingInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # use `manage.py register_staff`, which records the event

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # staff leave by deactivation; their audit trail stays linked
