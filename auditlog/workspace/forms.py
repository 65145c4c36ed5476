"""The auditors' filters: read from the query string, validated like any other input."""

from __future__ import annotations

import datetime
import functools
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from auditlog.models import DECISION_LABELS, EventKind
from auditlog.workspace.selectors import EventFilter
from supportmeasures import selectors as registry
from supportmeasures.fields import JapaneseDateField

ENCODINGS = [("utf-8", _("UTF-8 (with BOM, for Excel)")), ("cp932", _("Shift_JIS (CP932)"))]


class ListSelect(forms.Select):
    """A single select rendered in Python: the filter form has a hundred options, and the
    template-per-option renderer cost more than the page's query (make bench).

    `fixed=True` for choices that are a code list (never read from the database): their
    options are built once per language and shared by every copy of the form's widget."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, fixed: bool = False) -> None:
        super().__init__(attrs)
        # Copies of a widget (one per form) share this dict: copy.copy keeps the reference.
        self.built: dict[str, str] | None = {} if fixed else None

    def _options(self) -> str:
        language = get_language() or ""
        if self.built is not None and language in self.built:
            return self.built[language]
        options = "".join(
            f'<option value="{escape("" if v is None else str(v))}">{escape(str(label))}</option>'
            for v, label in self.choices
        )
        if self.built is not None:
            self.built[language] = options
        return options

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        # The chosen code is selected (codes are unique; a code not offered selects nothing).
        unselected = f'<option value="{escape("" if value is None else str(value))}">'
        options = self._options().replace(unselected, unselected[:-1] + " selected>", 1)
        return format_html("<select{}>{}</select>", flatatt(final), SafeString(options))


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
    return [("", str(_("All"))), *registry.ward_choices()]


def _staff_choices() -> list[tuple[object, str]]:
    return [("", str(_("All")))] + [
        (pk, f"{full_name} ({username})" if full_name else username)
        for pk, username, full_name in registry.staff_choices()
    ]


def _kind_choices() -> list[tuple[str, object]]:
    return [("", _("All")), *EventKind.choices]


def _decision_choices() -> list[tuple[str, object]]:
    return [("", _("All")), *DECISION_LABELS.items()]


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
    # Code lists as functions: a form copies its fields, and a list of choices with them.
    kind = forms.ChoiceField(
        label=_("Event"), choices=_kind_choices, required=False, widget=ListSelect(fixed=True)
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=_decision_choices,
        required=False,
        widget=ListSelect(fixed=True),
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once per form: validating and rendering would each read them again.
        self.fields["ward"].choices = functools.cache(_ward_choices)  # type: ignore[attr-defined]
        self.fields["staff"].choices = functools.cache(_staff_choices)  # type: ignore[attr-defined]

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
