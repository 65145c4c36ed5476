"""The auditors' filters: read from the query string, validated like any other input."""

from __future__ import annotations

import datetime
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from auditlog.models import DECISION_LABELS, EventKind
from auditlog.selectors import EventFilter
from supportmeasures.forms import JapaneseDateField
from supportmeasures.models import Staff, Ward

ENCODINGS = [("utf-8", _("UTF-8 (with BOM, for Excel)")), ("cp932", _("Shift_JIS (CP932)"))]


class ListSelect(forms.Select):
    """A single select rendered in Python: the filter form has a hundred options, and the
    template-per-option renderer cost more than the page's query (make bench)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        chosen = "" if value is None else str(value)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = []
        for v, label in self.choices:
            code = "" if v is None else str(v)
            selected = " selected" if code == chosen else ""
            options.append(
                f'<option value="{escape(code)}"{selected}>{escape(str(label))}</option>'
            )
        return format_html("<select{}>{}</select>", flatatt(final), SafeString("".join(options)))


class ListTextInput(forms.TextInput):
    """A text input rendered in Python, like ListSelect."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name, "type": "text"})
        shown = self.format_value(value)
        if shown:
            final["value"] = shown
        return format_html("<input{}>", flatatt(final))


def _ward_choices() -> list[tuple[object, str]]:
    return [("", str(_("All"))), *Ward.objects.order_by("code").values_list("pk", "name")]


def _staff_choices() -> list[tuple[object, str]]:
    staff = Staff.objects.order_by("username").values_list("pk", "username", "full_name")
    return [("", str(_("All")))] + [
        (pk, f"{full_name} ({username})" if full_name else username)
        for pk, username, full_name in staff
    ]


def check_period(first: datetime.date, last: datetime.date) -> None:
    if first > last:
        raise forms.ValidationError(_("The start of the period is after its end."))


class EventFilterForm(forms.Form):
    since = JapaneseDateField(
        label=pgettext_lazy("period", "From"),
        required=False,
        help_text="",
        widget=ListTextInput,
    )
    until = JapaneseDateField(
        label=_("To (inclusive)"),
        required=False,
        help_text="",
        widget=ListTextInput,
    )
    # Plain (id, label) choices read with one query each: no model instance per option.
    ward = forms.TypedChoiceField(
        label=_("Ward"), choices=_ward_choices, coerce=int, empty_value=None, required=False,
        widget=ListSelect,
    )  # fmt: skip
    staff = forms.TypedChoiceField(
        label=_("Staff member"), choices=_staff_choices, coerce=int, empty_value=None,
        required=False, widget=ListSelect,
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Event"),
        choices=[("", _("All")), *EventKind.choices],
        required=False,
        widget=ListSelect,
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("All"))] + [(k, v) for k, v in DECISION_LABELS.items()],
        required=False,
        widget=ListSelect,
    )
    person = forms.CharField(
        label=_("Person (name or reading)"),
        max_length=100,
        required=False,
        widget=ListTextInput,
        help_text=_("Found through the registry's name matching: 高橋 also finds 髙橋."),
    )
    measure = forms.CharField(
        label=_("Measure reference"), max_length=40, required=False, widget=ListTextInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            check_period(since, until)
        return data

    def to_filter(self, *, person_ids: tuple[str, ...] = ()) -> EventFilter:
        data = self.cleaned_data
        until: datetime.date | None = data.get("until")
        return EventFilter(
            since=data.get("since"),
            until=until,
            ward_id=data.get("ward"),
            actor_id=data.get("staff"),
            kind=data.get("kind", ""),
            decision=data.get("decision", ""),
            person_ids=person_ids,
            person_query=data.get("person", "").strip(),
            measure=data.get("measure", "").strip(),
        )


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
        check_period(first, last)
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
            )
        data["from_date"], data["to_date"] = first, last
        return data
