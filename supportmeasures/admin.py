"""Django admin for wards, staff accounts and lockouts (docs/security.md, "The admin").

What the admin may change, it records; what it may not record, it cannot change:

- Wards (add, change) and staff (name, email, user name, active, password): every save is an
  audit event written in the admin's own transaction (`AuditedAdmin` → `record_admin_change`:
  `admin.changed` with the fields, or `staff.password_changed` for a password). Nothing is
  deleted: staff leave by deactivation and wards are referred to by the log.
- Roles, ward scope and training change only through actions (register_staff, record_training
  commands); groups and their permissions, and guardian's object permissions (grants), are
  read-only or absent here.
- Lockouts (django-axes) are listed read-only; unlocking is an admin action that records
  `staff.unlocked`.
"""

from typing import Any

from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from supportmeasures import permissions
from supportmeasures.actions import accounts, second_factor
from supportmeasures.actions import staff as staff_actions
from supportmeasures.models import Staff, TrainingRecord, Ward
from supportmeasures.refusals import ActionRefused


class AuditedAdmin(admin.ModelAdmin):
    """Every addition and change the admin logs is also an audit event, in the same
    transaction as the save (the change view is atomic). Deleting is not offered."""

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        # The form's own field names (the message holds translated labels).
        request._mamori_changed_fields = list(form.changed_data)  # type: ignore[attr-defined]
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        accounts.record_admin_change(
            acting_user=request.user,  # type: ignore[arg-type]
            obj=obj,
            operation="created",
            fields=[f.name for f in obj._meta.concrete_fields if f.name != "id"],
            changed_at=timezone.now(),
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        accounts.record_admin_change(
            acting_user=request.user,  # type: ignore[arg-type]
            obj=obj,
            operation="changed",
            fields=getattr(request, "_mamori_changed_fields", []),
            changed_at=timezone.now(),
        )
        return super().log_change(request, obj, message)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.may_manage_accounts(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only those whose changes can be recorded as theirs (a superuser without the role
        # reads, and changes nothing).
        return permissions.may_manage_accounts(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ward)
class WardAdmin(AuditedAdmin):
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


@admin.action(description=_("Reset the second factor of the selected staff (they enrol again)"))
def reset_second_factor_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Staff]
) -> None:
    """A lost phone or key: the member's devices go and they enrol again at the next login.
    Another member's only (second_factor.reset_second_factor refuses one's own), recorded."""
    now = timezone.now()
    done = 0
    for staff in queryset.select_related("ward"):
        try:
            second_factor.reset_second_factor(
                acting_user=request.user,  # type: ignore[arg-type]
                staff=staff,
                reset_at=now,
            )
        except ActionRefused as exc:
            modeladmin.message_user(request, f"{staff.username}: {exc}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            gettext("Second factor reset: %(n)d. Recorded in the audit log.") % {"n": done},
        )


def _responsible(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Staff], appoint: bool
) -> None:
    now = timezone.now()
    done = 0
    for staff in queryset.select_related("ward"):
        try:
            if staff.ward is None:
                raise ActionRefused(gettext("This member of staff has no ward."))
            if appoint:
                staff_actions.appoint_responsible_officer(
                    acting_user=request.user,  # type: ignore[arg-type]
                    staff=staff,
                    ward=staff.ward,
                    appointed_at=now,
                )
            else:
                staff_actions.withdraw_responsible_officer(
                    acting_user=request.user,  # type: ignore[arg-type]
                    staff=staff,
                    ward=staff.ward,
                    withdrawn_at=now,
                )
        except ActionRefused as exc:
            modeladmin.message_user(request, f"{staff.username}: {exc}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, gettext("Changed: %(n)d. Recorded in the audit log.") % {"n": done}
        )


@admin.action(description=_("Appoint as support-measure officer (支援措置責任者) of their ward"))
def appoint_responsible_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Staff]
) -> None:
    _responsible(modeladmin, request, queryset, appoint=True)


@admin.action(description=_("Withdraw as support-measure officer of their ward"))
def withdraw_responsible_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Staff]
) -> None:
    _responsible(modeladmin, request, queryset, appoint=False)


@admin.register(Staff)
class StaffAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "full_name", "ward", "is_active")
    list_filter = ("ward", "groups", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Mamori", {"fields": ("full_name", "email", "ward", "groups", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("ward", "groups", "last_login", "date_joined")
    inlines = [TrainingInline]
    actions = [
        reset_second_factor_selected,
        appoint_responsible_selected,
        withdraw_responsible_selected,
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # use `manage.py register_staff`, which records the event

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Atomic, like the change view: the new password and its event commit together.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)


# The second factor's devices are changed only through supportmeasures.actions.second_factor
# (recorded): django-otp's and django-otp-webauthn's own admin pages would add or delete them
# unrecorded, and let an administrator switch off their own.
for _model in apps.get_models():
    if _model._meta.app_label in {
        "otp_totp",
        "otp_static",
        "django_otp_webauthn",
    } and admin.site.is_registered(_model):
        admin.site.unregister(_model)

# Groups are the roles (migration 0002): their permissions are not edited here, where no event
# would record it. Shown read-only.
admin.site.unregister(Group)


@admin.register(Group)
class ReadOnlyGroupAdmin(GroupAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _unlock(
    modeladmin: admin.ModelAdmin, request: HttpRequest, targets: set[tuple[str, str]]
) -> None:
    now = timezone.now()
    done = 0
    for username, address in sorted(targets):
        try:
            accounts.unlock(
                acting_user=request.user,  # type: ignore[arg-type]
                username=username,
                address=address,
                unlocked_at=now,
            )
        except ActionRefused as exc:
            modeladmin.message_user(request, str(exc), messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, gettext("Unlocked: %(n)d. Recorded in the audit log.") % {"n": done}
        )


# Two actions, not one: an office's PCs often share one address, and unlocking a member must
# not forget the failures of every other name tried from it (nor lift the address's lock).
@admin.action(description=_("Unlock the selected user names"))
def unlock_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[AccessAttempt]
) -> None:
    names = {name for name in queryset.values_list("username", flat=True) if name}
    _unlock(modeladmin, request, {(name, "") for name in names})


@admin.action(description=_("Unlock the selected addresses (every name tried from them)"))
def unlock_selected_addresses(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[AccessAttempt]
) -> None:
    addresses = {address for address in queryset.values_list("ip_address", flat=True) if address}
    _unlock(modeladmin, request, {("", address) for address in addresses})


@admin.register(AccessAttempt)
class LockoutAdmin(admin.ModelAdmin):
    """Failed logins counted by django-axes, for administrators: read-only, with an unlock
    action that is an audit event (axes' own admin is off: AXES_ENABLE_ADMIN)."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    fields = ("username", "ip_address", "user_agent", "failures_since_start", "attempt_time")
    readonly_fields = fields
    actions = [unlock_selected, unlock_selected_addresses]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.may_manage_accounts(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.may_manage_accounts(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Registered by their own modules: the linked systems and their section staff
# (propagation/admin.py), the change feed's readers (read only).
import supportmeasures.propagation.admin  # noqa: E402
import supportmeasures.propagation.feed_admin  # noqa: E402, F401
