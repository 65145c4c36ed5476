"""The city's list of linked systems, kept by administrators: every save audited
(`AuditedAdmin`), and the section staff chosen on the system's page, each grant and
withdrawal recorded (`actions.set_section_staff`). Nothing is deleted: a system no longer
used is made inactive (its tasks stay in the history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supportmeasures import selectors
from supportmeasures.admin import AuditedAdmin
from supportmeasures.models import LinkedSystem, Staff
from supportmeasures.propagation import actions
from supportmeasures.propagation.permissions import SECTION_ROLES


def _section_candidates() -> QuerySet[Staff]:
    return (
        selectors.staff_holding_roles(*SECTION_ROLES)
        .filter(is_active=True)
        .select_related("ward")
        .distinct()
        .order_by("ward__code", "username")
    )


class LinkedSystemForm(forms.ModelForm):
    section_staff = forms.ModelMultipleChoiceField(
        label=_("Section staff (confirm this system's blocks)"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Active staff of any role but contractor. Each change is recorded."),
    )

    class Meta:
        model = LinkedSystem
        fields = ["code", "name", "section", "confirms_by", "api_client", "is_active", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section_staff"].queryset = _section_candidates()  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["section_staff"] = list(
                Staff.objects.filter(
                    linkedsystemuserobjectpermission__content_object=self.instance,
                    linkedsystemuserobjectpermission__permission__codename="confirm_for_system",
                )
            )


@admin.register(LinkedSystem)
class LinkedSystemAdmin(AuditedAdmin):
    form = LinkedSystemForm
    list_display = ("order", "name", "code", "section", "confirms_by", "api_client", "is_active")
    list_display_links = ("name",)
    list_filter = ("is_active", "confirms_by")
    ordering = ("order", "pk")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actions.set_section_staff(
            acting_user=request.user,  # type: ignore[arg-type]
            system=form.instance,
            staff=form.cleaned_data.get("section_staff") or [],
            changed_at=timezone.now(),
        )
