"""Administration of staff, wards and training. Registry data changes only through actions."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from supportmeasures.models import Staff, TrainingRecord, Ward


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name")


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    fk_name = "staff"
    extra = 0
    fields = ("completed_on", "course", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "full_name", "ward", "is_active")
    list_filter = ("ward", "groups", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Mamori", {"fields": ("full_name", "ward")}),
    )
    inlines = [TrainingInline]
